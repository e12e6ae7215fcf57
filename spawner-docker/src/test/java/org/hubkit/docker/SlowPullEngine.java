package org.hubkit.docker;

import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The real engine behind a TCP endpoint on loopback, except for image pulls: {@code POST
 * /images/create} streams the progress of a pull that never touches a network, one step every
 * 200 ms, until {@link #finishPulls()}; the "pulled" image is then the local test image tagged with
 * the requested name; a repository named {@code ...unreachable...} fails as a registry that cannot
 * be reached does. Every other request goes to the engine unchanged (through docker-java's
 * own HTTP client), so whatever is not a pull runs for real.
 */
final class SlowPullEngine implements AutoCloseable {
    private final HttpServer server;
    private final DockerHttpClient engine;
    private final CountDownLatch release = new CountDownLatch(1);
    private final String sourceImage;
    volatile int pullsInProgress;

    SlowPullEngine(String sourceImage) throws IOException {
        this.sourceImage = sourceImage;
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(TestEngine.HOST).build();
        engine = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).maxConnections(64).build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "slow-pull-engine");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** @return {@code tcp://127.0.0.1:port} */
    String dockerHost() {
        return "tcp://127.0.0.1:" + server.getAddress().getPort();
    }

    void finishPulls() {
        release.countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (ex.getRequestMethod().equals("POST") && path.matches("(/v[0-9.]+)?/images/create")) {
                fakePull(ex);
            } else {
                forward(ex);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fakePull(HttpExchange ex) throws IOException, InterruptedException {
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        String repo = query.get("fromImage");
        String tag = query.getOrDefault("tag", "latest");
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        synchronized (this) {
            pullsInProgress++;
        }
        try (OutputStream out = ex.getResponseBody()) {
            if (repo.contains("unreachable")) {
                line(out, "{\"errorDetail\":{\"message\":\"Get https://registry.example/v2/: dial tcp: no such host\"},"
                        + "\"error\":\"Get https://registry.example/v2/: dial tcp: no such host\"}");
                return;
            }
            List<String> layers = List.of("a1", "b2", "c3");
            line(out, "{\"status\":\"Pulling from " + repo + "\",\"id\":\"" + tag + "\"}");
            for (String l : layers) {
                line(out, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"" + l + "\"}");
            }
            long total = 100_000_000;
            for (int step = 1; !release.await(200, TimeUnit.MILLISECONDS); step++) {
                long current = Math.min(total - 1, step * 1_000_000L);
                line(out, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":" + current + ",\"total\":" + total
                        + "},\"id\":\"a1\"}");
            }
            DockerHttpClient.Request tagRequest = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                    .path("/images/" + sourceImage + "/tag?repo=" + repo + "&tag=" + tag).build();
            try (DockerHttpClient.Response r = engine.execute(tagRequest)) {
                if (r.getStatusCode() != 201) {
                    line(out, "{\"error\":\"tagging failed: " + r.getStatusCode() + "\"}");
                    return;
                }
            }
            for (String l : layers) {
                line(out, "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"" + l + "\"}");
            }
            line(out, "{\"status\":\"Status: Downloaded newer image for " + repo + ":" + tag + "\"}");
        } finally {
            synchronized (this) {
                pullsInProgress--;
            }
        }
    }

    private static void line(OutputStream out, String json) throws IOException {
        out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void forward(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        DockerHttpClient.Request.Builder b = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.valueOf(ex.getRequestMethod()))
                .path(ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            b.putHeader("Content-Type", type);
        }
        if (body.length > 0) {
            b.body(new ByteArrayInputStream(body));
        }
        try (DockerHttpClient.Response r = engine.execute(b.build()); InputStream in = r.getBody()) {
            String answerType = r.getHeader("Content-Type");
            if (answerType != null) {
                ex.getResponseHeaders().set("Content-Type", answerType);
            }
            boolean empty = r.getStatusCode() == 204 || r.getStatusCode() == 304;
            ex.sendResponseHeaders(r.getStatusCode(), empty ? -1 : 0);
            if (!empty) {
                try (OutputStream out = ex.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        release.countDown();
        server.stop(0);
        engine.close();
    }
}
