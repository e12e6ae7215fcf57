package org.hubkit.core;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Proxy} that drives configurable-http-proxy (or any proxy with its REST API, such as
 * Hubkit's standalone {@code hubkit-proxy}) as JupyterHub's {@code ConfigurableHTTPProxy} does:
 * routes are posted to {@code {apiUrl}/api/routes/...} with {@code Authorization: token ...},
 * marked {@code "jupyterhub": true}, and routes without that mark are left alone.
 *
 * <p>With a {@code command}, the proxy process is started by {@link #start()} with CHP's flags
 * ({@code --ip --port --api-ip --api-port --error-target}) and the token in
 * {@code CONFIGPROXY_AUTH_TOKEN}, and restarted if it dies. Either way, every
 * {@code checkInterval} the route table is compared with the routes this client added, and any
 * missing route is added again, so a proxy that restarted empty is re-synced.
 *
 * <p>At most 10 requests run at once; requests are retried for up to {@code retryTimeout} on
 * connection errors and 5xx answers. Thread-safe.
 *
 * @since 0.1
 */
public final class ConfigurableHttpProxy implements Proxy {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurableHttpProxy.class);
    private static final TypeReference<Map<String, Map<String, Object>>> TABLE = new TypeReference<>() { };
    private static final List<String> OWN_KEYS = List.of("target", "last_activity", "jupyterhub");

    private final URI apiUrl;
    private final String authToken;
    private final Duration checkInterval;
    private final Duration retryTimeout;
    private final List<String> command;
    private final String publicIp;
    private final int publicPort;
    private final URI errorTarget;
    private final Path logFile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Semaphore inFlight = new Semaphore(10);
    private final Map<String, Route> wanted = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chp-check");
        t.setDaemon(true);
        return t;
    });
    private volatile Process process;
    private volatile boolean closed;

    private ConfigurableHttpProxy(Builder b) {
        this.apiUrl = URI.create(b.apiUrl.toString().replaceAll("/+$", ""));
        this.authToken = b.authToken;
        this.checkInterval = b.checkInterval;
        this.retryTimeout = b.retryTimeout;
        this.command = b.command == null ? null : List.copyOf(b.command);
        this.publicIp = b.publicIp;
        this.publicPort = b.publicPort;
        this.errorTarget = b.errorTarget;
        this.logFile = b.logFile;
    }

    /** @return a builder; {@code apiUrl} and {@code authToken} are required */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Void> start() {
        return CompletableFuture.runAsync(() -> {
            if (command != null) {
                launch();
            }
            awaitApi(Duration.ofSeconds(15));
            long every = checkInterval.toMillis();
            checker.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
        });
    }

    private synchronized void launch() {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("--ip", publicIp, "--port", Integer.toString(publicPort), "--api-ip", apiUrl.getHost(),
                "--api-port", Integer.toString(apiUrl.getPort())));
        if (errorTarget != null) {
            cmd.addAll(List.of("--error-target", errorTarget.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(logFile == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().put("CONFIGPROXY_AUTH_TOKEN", authToken);
        try {
            if (logFile != null) {
                org.hubkit.core.internal.PrivateFiles.privateFile(logFile); // 0600: request URLs may carry tokens
            }
            process = pb.start();
        } catch (IOException e) {
            throw new HubException("Cannot start the proxy " + command.get(0) + ": " + e.getMessage(), e);
        }
        LOG.info("Started proxy {} (pid {}) on {}:{}, API {}", command.get(0), process.pid(), publicIp, publicPort, apiUrl);
    }

    private void awaitApi(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = send("GET", "/api/routes", null);
                if (r.statusCode() == 200) {
                    return;
                }
                throw new HubException("The proxy API at " + apiUrl + " answered " + r.statusCode()
                        + (r.statusCode() == 403 ? " (wrong auth token?)" : ""));
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new HubException("The proxy API at " + apiUrl + " did not answer within " + timeout.toSeconds() + " s", e);
                }
                sleep(100);
            }
        }
    }

    /** One re-sync round: restart a dead managed proxy, re-add any route it lost. */
    void check() {
        if (closed) {
            return;
        }
        try {
            Process p = process;
            if (command != null && (p == null || !p.isAlive())) {
                LOG.warn("The proxy process died (exit {}); restarting it", p == null ? "?" : p.exitValue());
                launch();
                awaitApi(Duration.ofSeconds(15));
            }
            Map<String, Route> present = routes().toCompletableFuture().join();
            int readded = 0;
            for (Route r : wanted.values()) {
                Route there = present.get(r.routespec());
                if (there == null || !there.target().equals(r.target())) {
                    post(r);
                    readded++;
                }
            }
            if (readded > 0) {
                LOG.warn("Re-added {} routes missing from the proxy", readded);
            }
        } catch (RuntimeException e) {
            LOG.warn("Checking the proxy's routes failed: {}", e.getMessage());
        }
    }

    @Override
    public CompletionStage<Void> addRoute(Route route) {
        Objects.requireNonNull(route, "route");
        wanted.put(route.routespec(), route);
        return CompletableFuture.runAsync(() -> post(route));
    }

    private void post(Route route) {
        Map<String, Object> body = new LinkedHashMap<>(route.data());
        body.put("target", route.target().toString());
        body.put("jupyterhub", true);
        expect(request("POST", path(route.routespec()), json(body)), 201, "adding route " + route.routespec());
    }

    @Override
    public CompletionStage<Void> deleteRoute(String routespec) {
        String spec = Route.normalizeSpec(routespec);
        wanted.remove(spec);
        return CompletableFuture.runAsync(() -> {
            HttpResponse<String> r = request("DELETE", path(spec), null);
            if (r.statusCode() == 404) {
                LOG.debug("Route {} was not in the proxy", spec);
                return;
            }
            expect(r, 204, "deleting route " + spec);
        });
    }

    @Override
    public CompletionStage<Map<String, Route>> routes() {
        return CompletableFuture.supplyAsync(() -> {
            HttpResponse<String> r = request("GET", "/api/routes", null);
            expect(r, 200, "reading routes");
            Map<String, Map<String, Object>> table;
            try {
                table = JSON.readValue(r.body(), TABLE);
            } catch (IOException e) {
                throw new HubException("The proxy answered routes that are not JSON: " + e.getMessage(), e);
            }
            Map<String, Route> out = new LinkedHashMap<>();
            table.forEach((spec, data) -> {
                if (!Boolean.TRUE.equals(data.get("jupyterhub"))) {
                    return;
                }
                Map<String, Object> own = new LinkedHashMap<>(data);
                OWN_KEYS.forEach(own::remove);
                Object activity = data.get("last_activity");
                Instant last = activity instanceof String s ? Instant.parse(s) : null;
                out.put(Route.normalizeSpec(spec), new Route(spec, URI.create(String.valueOf(data.get("target"))), own, last));
            });
            return out;
        });
    }

    private static String path(String spec) {
        // Each segment escaped the way CHP decodes it; the root route is /api/routes/.
        StringBuilder b = new StringBuilder("/api/routes");
        for (String segment : spec.split("/", -1)) {
            if (!segment.isEmpty()) {
                b.append('/').append(java.net.URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        }
        return spec.equals("/") ? "/api/routes/" : b.toString();
    }

    private HttpResponse<String> request(String method, String path, String body) {
        long deadline = System.nanoTime() + retryTimeout.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = send(method, path, body);
                if (r.statusCode() < 500 || System.nanoTime() > deadline) {
                    return r;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline || closed) {
                    throw new HubException(method + " " + path + " to the proxy failed: " + e.getMessage(), e);
                }
            }
            sleep(200);
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiUrl + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "token " + authToken)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        inFlight.acquireUninterruptibly();
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            inFlight.release();
        }
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new HubException("The proxy answered " + r.statusCode() + " when " + what
                    + (r.statusCode() == 403 ? " (wrong auth token?)" : ""));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted");
        }
    }

    /** @return the pid of the proxy process this client started, or -1 */
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** Stops re-syncing; a proxy process this client started is stopped too. */
    @Override
    public void close() {
        closed = true;
        checker.shutdownNow();
        Process p = process;
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link ConfigurableHttpProxy}; {@link #build()} names every bad field. */
    public static final class Builder {
        private URI apiUrl;
        private String authToken;
        private Duration checkInterval = Duration.ofSeconds(30);
        private Duration retryTimeout = Duration.ofSeconds(30);
        private List<String> command;
        private String publicIp = "127.0.0.1";
        private int publicPort = 8000;
        private URI errorTarget;
        private Path logFile;

        private Builder() {
        }

        /** @param url the proxy's REST API, e.g. {@code http://127.0.0.1:8001} @return this */
        public Builder apiUrl(URI url) {
            this.apiUrl = url;
            return this;
        }

        /** @param token {@code CONFIGPROXY_AUTH_TOKEN}; never logged @return this */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        /** @param interval how often the route table is re-synced (default 30 s) @return this */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = interval;
            return this;
        }

        /** @param timeout how long a request is retried on connection errors and 5xx (default 30 s) @return this */
        public Builder retryTimeout(Duration timeout) {
            this.retryTimeout = timeout;
            return this;
        }

        /**
         * @param command the proxy command to start and keep running (e.g. the path of
         *        {@code configurable-http-proxy} or {@code hubkit-proxy}); {@code null} for a proxy started elsewhere
         * @return this
         */
        public Builder command(List<String> command) {
            this.command = command;
            return this;
        }

        /** @param ip the public address a started proxy binds (default 127.0.0.1) @param port its port (default 8000) @return this */
        public Builder publicAddress(String ip, int port) {
            this.publicIp = ip;
            this.publicPort = port;
            return this;
        }

        /** @param target where a started proxy fetches error pages ({@code {hub}/hub/error}) @return this */
        public Builder errorTarget(URI target) {
            this.errorTarget = target;
            return this;
        }

        /** @param file where a started proxy's output goes (default: discarded), kept mode 0600 @return this */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** @return the proxy client @throws ConfigException naming every bad field */
        public ConfigurableHttpProxy build() {
            List<String> problems = new ArrayList<>();
            if (apiUrl == null || !"http".equals(apiUrl.getScheme()) || apiUrl.getHost() == null || apiUrl.getPort() < 0) {
                problems.add("apiUrl: required, an http URL with a port, got " + apiUrl);
            }
            if (authToken == null || authToken.isBlank()) {
                problems.add("authToken: required");
            }
            if (checkInterval == null || checkInterval.isNegative() || checkInterval.isZero()) {
                problems.add("checkInterval: must be positive");
            }
            if (retryTimeout == null || retryTimeout.isNegative()) {
                problems.add("retryTimeout: must not be negative");
            }
            if (command != null && command.isEmpty()) {
                problems.add("command: must name a command");
            }
            if (publicPort < 1 || publicPort > 65535) {
                problems.add("publicPort: must be 1-65535, got " + publicPort);
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new ConfigurableHttpProxy(this);
        }
    }
}
