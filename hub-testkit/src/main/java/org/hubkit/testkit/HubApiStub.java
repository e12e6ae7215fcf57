package org.hubkit.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The few hub API calls a single-user server makes while a spawner contract runs, answered on
 * loopback. jupyterhub-singleuser checks {@code GET JUPYTERHUB_API_URL} at start-up and exits
 * after five failed tries (about 45 s), so without this a real server would die mid-contract.
 */
final class HubApiStub implements AutoCloseable {
    /** The version the stub claims; the same major version as the server Debian ships. */
    static final String VERSION = "3.0.0";

    private final HttpServer server;

    private HubApiStub(HttpServer server) {
        this.server = server;
    }

    /**
     * @return a started stub on {@code 127.0.0.1} and a free port
     * @throws IOException if it cannot listen
     */
    static HubApiStub start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hub/api", HubApiStub::handle);
        server.start();
        return new HubApiStub(server);
    }

    /** @return e.g. {@code http://127.0.0.1:43210/hub/api} */
    URI apiUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hub/api");
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            exchange.getResponseHeaders().set("X-JupyterHub-Version", VERSION);
            if (method.equals("GET") && (path.equals("/hub/api") || path.equals("/hub/api/"))) {
                send(exchange, 200, "{\"version\":\"" + VERSION + "\"}");
            } else if (method.equals("POST") && path.startsWith("/hub/api/users/") && path.endsWith("/activity")) {
                send(exchange, 200, "");
            } else if (path.equals("/hub/api/user")) {
                // No token is known to this stub: JupyterHub's answer for "no such user".
                send(exchange, 403, "{\"status\":403,\"message\":\"Forbidden\"}");
            } else {
                send(exchange, 404, "{\"status\":404,\"message\":\"Not found\"}");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
