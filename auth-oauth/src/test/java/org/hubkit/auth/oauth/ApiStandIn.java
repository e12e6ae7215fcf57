package org.hubkit.auth.oauth;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local HTTP server on 127.0.0.1 answering fixed JSON at fixed paths: it stands in for GitHub's,
 * GitLab's and Microsoft Graph's APIs (which cannot be reached from here) with the shapes their
 * documentation gives. It records the {@code Authorization} header of every request, so a test can
 * check that the user's access token was used.
 */
final class ApiStandIn implements AutoCloseable {
    record Reply(int status, String json) { }

    private final HttpServer server;
    final URI url;
    final Map<String, Reply> routes = new ConcurrentHashMap<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    ApiStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        server.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                authorizations.add(auth);
            }
            String raw = x.getRequestURI().getRawPath() + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery());
            Reply r = routes.getOrDefault(x.getRequestMethod() + " " + raw, new Reply(404, "{\"message\":\"Not Found\"}"));
            byte[] b = r.json() == null ? new byte[0] : r.json().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    ApiStandIn answer(String methodAndPath, int status, String json) {
        routes.put(methodAndPath, new Reply(status, json));
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
