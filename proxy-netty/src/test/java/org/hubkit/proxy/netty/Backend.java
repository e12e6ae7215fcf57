package org.hubkit.proxy.netty;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A small HTTP (or HTTPS) server on 127.0.0.1 for tests: answers {@code 200 "<name> <request-uri>"}
 * to any path unless a test adds its own handler, and records every request it sees.
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

    private final String scheme;

    private Backend(String name) throws IOException {
        this(name, HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
    }

    private Backend(String name, HttpServer server, String scheme) {
        this.name = name;
        this.scheme = scheme;
        this.server = server;
        server.setExecutor(executor);
        server.createContext("/", this::echo);
        server.start();
    }

    static Backend start(String name) throws IOException {
        return new Backend(name);
    }

    /**
     * @param tls the server's certificate and the CAs it trusts for client certificates
     * @param needClientAuth whether a client without a trusted certificate is refused
     * @return an HTTPS backend; {@link #uri()} is {@code https://127.0.0.1:port}
     */
    static Backend startHttps(String name, SSLContext tls, boolean needClientAuth) throws IOException {
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
            }
        });
        return new Backend(name, https, "https");
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
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
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
