package org.hubkit.core.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.hubkit.api.AccessRules;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;

/**
 * A real in-process hub for API tests: H2 in a temporary directory, the hub on a free port,
 * a {@link NettyProxy} in front of it (all requests go through the proxy, as a browser's
 * would), an admin service token, and single-user "servers" that are a few lines of Python
 * honouring the hub's environment.
 *
 * <p>The test server binds {@code JUPYTERHUB_SERVICE_URL} and answers every GET with 200 and a
 * line naming its user and the path. It writes its whole environment (with its pid) to
 * {@code env/<user>--<server>.json}, so tests can read the server's API token. Users whose name
 * starts with {@code crash} exit at once with status 3; users starting with {@code slow} wait
 * for a gate file ({@link #openGate}) before binding, so a spawn stays pending exactly as long
 * as a test wants.
 */
final class TestHub implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "correct horse battery staple";
    static final String SERVICE = "api-test-admin";
    static final String PAGINATION = "application/jupyterhub-pagination+json";

    static final String SERVER_SCRIPT = """
            import http.server, json, os, sys, time, urllib.parse
            env = os.environ
            url = urllib.parse.urlparse(env["JUPYTERHUB_SERVICE_URL"])
            user = env.get("JUPYTERHUB_USER", "")
            server = env.get("JUPYTERHUB_SERVER_NAME", "")
            out = env["HUBKIT_TEST_DIR"]
            name = os.path.join(out, user + "--" + server + ".json")
            data = dict(env)
            data["pid"] = str(os.getpid())
            with open(name + ".tmp", "w") as f:
                json.dump(data, f)
            os.replace(name + ".tmp", name)
            if user.startswith("crash"):
                print("crashing on purpose", flush=True)
                sys.exit(3)
            if user.startswith("slow"):
                deadline = time.time() + 60
                while not (os.path.exists(os.path.join(out, user + ".go"))
                           or os.path.exists(os.path.join(out, "ALL.go"))):
                    if time.time() > deadline:
                        sys.exit(4)
                    time.sleep(0.05)
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("hubkit-test-server user=" + user + " path=" + self.path + "\\n").encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer((url.hostname, url.port), Handler).serve_forever()
            """;

    final String adminToken = "admin-svc-" + HexFormat.of().formatHex(randomBytes(16));
    final Path dir;
    final Path envDir;
    final Hub hub;
    final URI base;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestHub(Path dir, Consumer<Hub.Builder> customize) throws IOException {
        this.dir = dir;
        this.envDir = Files.createDirectories(dir.resolve("env"));
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            proxyPort = s.getLocalPort();
        }
        LocalProcessSpawner spawner = testServers(envDir, dir.resolve("logs"));
        Hub.Builder b = Hub.builder()
                .spawner(spawner)
                .authenticator(SharedPasswordAuthenticator.builder().password(PASSWORD)
                        .accessRules(AccessRules.allowAllUsers()).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .volumePolicy(VolumePolicy.perUserDirectory(dir.resolve("home"), "/home/jovyan"))
                .database(Database.h2(dir.resolve("db")))
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .startTimeout(Duration.ofSeconds(30))
                .httpTimeout(Duration.ofSeconds(10))
                .slowSpawnTimeout(Duration.ofSeconds(2))
                .allowNamedServers(true) // off by default, as in JupyterHub; the API tests cover named servers
                .addService(new Service(SERVICE, adminToken, true));
        customize.accept(b);
        this.hub = b.build().start();
        this.base = hub.publicUrl();
    }

    /**
     * The local spawner of these tests: {@link #SERVER_SCRIPT} as each user's server, writing what it
     * was given under {@code envDir}, as the test process's own user (API tests; LocalProcessIsolationIT
     * covers accounts).
     */
    static LocalProcessSpawner testServers(Path envDir, Path logDir) {
        return LocalProcessSpawner.builder()
                .cmd(List.of("/usr/bin/python3", "-c", SERVER_SCRIPT))
                .logDirectory(logDir)
                .environment("HUBKIT_TEST_DIR", envDir.toString())
                .stopTimeout(Duration.ofSeconds(3))
                .isolation(LocalProcessSpawner.Isolation.NONE)
                .build();
    }

    static TestHub start(Path dir) throws IOException {
        return start(dir, b -> { });
    }

    static TestHub start(Path dir, Consumer<Hub.Builder> customize) throws IOException {
        return new TestHub(dir, customize);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------ HTTP

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An API call with {@code Authorization: token ...} (none when token is null); body is JSON-encoded unless a String. */
    HttpResponse<String> api(String method, String path, String token, Object body) throws IOException, InterruptedException {
        return api(method, path, token == null ? Map.of() : Map.of("Authorization", "token " + token), body);
    }

    HttpResponse<String> api(String method, String path, Map<String, String> headers, Object body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/hub/api" + path));
        headers.forEach(b::header);
        String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
        b.method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        return send(b);
    }

    HttpResponse<String> admin(String method, String path, Object body) throws IOException, InterruptedException {
        return api(method, path, adminToken, body);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) throws IOException {
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    static List<Object> jsonList(HttpResponse<String> r) throws IOException {
        return JSON.readValue(r.body(), List.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ users and tokens

    /** Creates the user if needed (through the admin service) and returns a new token of theirs. */
    String userToken(String user) throws IOException, InterruptedException {
        return userToken(user, null);
    }

    String userToken(String user, Map<String, Object> tokenRequest) throws IOException, InterruptedException {
        ensureUser(user, false);
        HttpResponse<String> r = admin("POST", "/users/" + user + "/tokens", tokenRequest == null ? Map.of() : tokenRequest);
        if (r.statusCode() != 201) {
            throw new AssertionError("token for " + user + ": " + r.statusCode() + " " + r.body());
        }
        return (String) json(r).get("token");
    }

    void ensureUser(String user, boolean admin) throws IOException, InterruptedException {
        HttpResponse<String> r = admin("POST", "/users/" + user, Map.of("admin", admin));
        if (r.statusCode() != 201 && r.statusCode() != 409) {
            throw new AssertionError("create " + user + ": " + r.statusCode() + " " + r.body());
        }
    }

    Map<String, Object> user(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = admin("GET", "/users/" + name, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET user " + name + ": " + r.statusCode() + " " + r.body());
        }
        return json(r);
    }

    /** The default server's model, or null when the user has no active default server. */
    Map<String, Object> server(String name) throws IOException, InterruptedException {
        return map(map(user(name).get("servers")).get(""));
    }

    // ------------------------------------------------------------------ servers

    /** Starts the user's default server through the API and waits until it is ready; returns the start status. */
    int startServer(String user) throws Exception {
        ensureUser(user, false);
        HttpResponse<String> r = admin("POST", "/users/" + user + "/server", null);
        if (r.statusCode() != 201 && r.statusCode() != 202) {
            throw new AssertionError("start " + user + ": " + r.statusCode() + " " + r.body());
        }
        awaitReady(user);
        return r.statusCode();
    }

    void awaitReady(String user) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            Map<String, Object> s = server(user);
            if (s != null && Boolean.TRUE.equals(s.get("ready"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(user + "'s server did not become ready: " + user(user));
    }

    void awaitNoServer(String user) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            if (server(user) == null) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(user + "'s server is still there: " + user(user));
    }

    /** Lets a {@code slow*} user's server bind its port. */
    void openGate(String user) throws IOException {
        Files.writeString(envDir.resolve(user + ".go"), "go");
    }

    Path envFile(String user, String server) {
        return envDir.resolve(user + "--" + server + ".json");
    }

    /** The environment the user's default server process got (waits for the process to write it). */
    Map<String, String> serverEnv(String user) throws Exception {
        Path f = envFile(user, "");
        Instant deadline = Instant.now().plusSeconds(20);
        while (!Files.exists(f)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no environment written by " + user + "'s server");
            }
            Thread.sleep(20);
        }
        @SuppressWarnings("unchecked")
        Map<String, String> env = JSON.readValue(f.toFile(), Map.class);
        return env;
    }

    /** Reads a server's progress event stream to its final event (or the end of the stream). */
    ProgressStream progress(String user, String token) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/hub/api/users/" + user + "/server/progress"))
                .header("Authorization", "token " + token).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        List<Map<String, Object>> events = new ArrayList<>();
        StringBuilder raw = new StringBuilder();
        if (r.statusCode() == 200) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    raw.append(line).append('\n');
                    if (line.startsWith("data:")) {
                        Map<String, Object> e = map(JSON.readValue(line.substring(5).strip(), Map.class));
                        events.add(e);
                        if (Boolean.TRUE.equals(e.get("ready")) || Boolean.TRUE.equals(e.get("failed"))) {
                            break;
                        }
                    }
                }
            }
        } else {
            raw.append(new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        return new ProgressStream(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), events, raw.toString());
    }

    record ProgressStream(int status, String contentType, List<Map<String, Object>> events, String raw) {
    }

    /** Pids of every test server process this hub started (from the environment files). */
    List<Long> serverPids() throws IOException {
        return serverPids(envDir);
    }

    /** Pids of every test server process whose environment file is in {@code envDir}. */
    static List<Long> serverPids(Path envDir) throws IOException {
        List<Long> pids = new ArrayList<>();
        if (!Files.isDirectory(envDir)) {
            return pids;
        }
        try (var files = Files.list(envDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                Object pid = JSON.readValue(f.toFile(), Map.class).get("pid");
                if (pid != null) {
                    pids.add(Long.parseLong(pid.toString()));
                }
            }
        }
        return pids;
    }

    /** Opens every gate, stops every server through the API, closes the hub and kills any of our processes left. */
    @Override
    public void close() throws Exception {
        try {
            Files.writeString(envDir.resolve("ALL.go"), "go");
            Instant deadline = Instant.now().plusSeconds(15);
            while (Instant.now().isBefore(deadline)) {
                List<Object> active;
                try {
                    active = jsonList(admin("GET", "/users?state=active", null));
                } catch (java.net.ConnectException shutDown) {
                    break; // the test shut the hub down itself; leftovers are killed below
                }
                if (active.isEmpty()) {
                    break;
                }
                for (Object u : active) {
                    Map<String, Object> servers = map(map(u).get("servers"));
                    for (String s : servers.keySet()) {
                        Map<String, Object> server = map(servers.get(s));
                        if (server.get("pending") == null) {
                            String path = s.isEmpty() ? "/server" : "/servers/" + enc(s);
                            admin("DELETE", "/users/" + enc((String) map(u).get("name")) + path, null);
                        }
                    }
                }
                Thread.sleep(100);
            }
        } finally {
            hub.close();
            killServers(envDir);
        }
    }

    /** Kills every test server process whose environment file is in {@code envDir} and that still runs. */
    static void killServers(Path envDir) throws IOException {
        for (long pid : serverPids(envDir)) {
            // Only a process that is still our test server (its command line holds the script), never a reused pid.
            ProcessHandle.of(pid).filter(p -> p.info().commandLine().map(c -> c.contains("HUBKIT_TEST_DIR")).orElse(false))
                    .ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
