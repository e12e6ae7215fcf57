package org.hubkit.proxy.netty;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP server on 127.0.0.1 for tests: answers {@code 200 "<name> <request-uri>"} to any
 * path unless a test adds its own handler, and records every request it sees.
 */
final class Backend implements AutoCloseable {
    /** One request as the backend saw it. */
    record Seen(String method, String uri, Map<String, String> headers, int remotePort) {
        String header(String name) {
            return headers.get(name);
        }
    }

    final String name;
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private Backend(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::echo);
        server.start();
    }

    static Backend start(String name) throws IOException {
        return new Backend(name);
    }

    /**
     * @param path a path prefix served by {@code handler} instead of the echo
     * @param handler what answers there; its requests are recorded too
     * @return this
     */
    Backend handle(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            record(exchange);
            handler.handle(exchange);
        });
        return this;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    URI uri(String path) {
        return URI.create(uri() + path);
    }

    Seen last() {
        return seen.get(seen.size() - 1);
    }

    private void echo(HttpExchange exchange) throws IOException {
        record(exchange);
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        byte[] body = (name + " " + exchange.getRequestURI().toString()).getBytes(StandardCharsets.UTF_8);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void record(HttpExchange exchange) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers,
                exchange.getRemoteAddress().getPort()));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
