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
 * A backend for the proxy contract: answers every request with 200 and
 * {@code "<name> <raw path>[?<raw query>]"}, so a test sees which backend a request reached
 * and exactly what path it arrived with.
 */
final class EchoBackend implements AutoCloseable {
    private final String name;
    private final HttpServer server;

    private EchoBackend(String name, HttpServer server) {
        this.name = name;
        this.server = server;
    }

    /**
     * @param name what the backend puts first in every answer
     * @return a started backend on {@code 127.0.0.1} and a free port
     * @throws IOException if it cannot listen
     */
    static EchoBackend start(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        EchoBackend backend = new EchoBackend(name, server);
        server.createContext("/", backend::handle);
        server.start();
        return backend;
    }

    /** @return e.g. {@code http://127.0.0.1:43210} */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * @param pathAndQuery the request target as sent
     * @return what this backend answers to it
     */
    String answerTo(String pathAndQuery) {
        return name + " " + pathAndQuery;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            URI uri = exchange.getRequestURI();
            String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            byte[] bytes = answerTo(target).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
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
