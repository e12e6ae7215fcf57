package org.hubkit.proxy.netty;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.proxy.netty.internal.ProxyServer;
import org.hubkit.proxy.netty.internal.ProxySettings;
import org.hubkit.proxy.netty.internal.RouteEntry;
import org.hubkit.proxy.netty.internal.RouteTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process routing proxy on Netty that behaves like configurable-http-proxy with its
 * default options, so a hub needs no Node.js process in front of it.
 *
 * <p><b>Routing.</b> A request goes to the route whose spec is the longest prefix of its path
 * on whole segments ({@code /user/alice} takes {@code /user/alice} and {@code /user/alice/tree},
 * not {@code /user/alicex}); the path is percent-decoded and dot segments are resolved before
 * matching. The {@code /} route, which the hub adds for itself, takes everything else. With no
 * matching route the proxy answers {@code 404}; when the target does not accept the connection
 * or drops it before answering, {@code 503}; both with a small HTML page.
 *
 * <p><b>Forwarding.</b> The upstream request path is the target's path followed by the
 * original path and query; {@code Host} is kept; {@code X-Forwarded-For}, {@code -Port} and
 * {@code -Proto} are appended and {@code X-Forwarded-Host} set if absent. Bodies stream in
 * both directions with backpressure, so memory use does not grow with body size. Client
 * connections are kept alive (closed after {@link Builder#keepAliveTimeout idle time}); each
 * holds one upstream connection, reused while its requests go to the same host and port. WebSocket handshakes are forwarded and, after the target's
 * {@code 101}, bytes are relayed both ways. HTTPS targets and host-based routing are not
 * supported yet.
 *
 * <p><b>Activity.</b> A route's {@link Route#lastActivity()} is set when it is added (unless
 * the added route carries one) and moves forward on forwarded request body data, on responses
 * with a status below 300, on a WebSocket handshake and on WebSocket data from the client;
 * never on errors.
 *
 * <p><b>Threads.</b> Thread-safe. Route changes take effect for requests that arrive after
 * their stage completes, including later requests on already open connections. The returned
 * stages are already complete when returned.
 *
 * <pre>{@code
 * NettyProxy proxy = NettyProxy.builder().ip("127.0.0.1").port(8000).build();
 * proxy.start().toCompletableFuture().join();
 * proxy.addRoute(Route.of("/", URI.create("http://127.0.0.1:8081"), Map.of("hub", true)));
 * }</pre>
 *
 * @since 0.1
 */
public final class NettyProxy implements Proxy {
    private static final Logger log = LoggerFactory.getLogger(NettyProxy.class);

    private final String ip;
    private final int port;
    private final URI defaultTarget;
    private final int ioThreads;
    private final boolean nativeTransport;
    private final Duration connectTimeout;
    private final Duration keepAliveTimeout;
    private final RouteTable routes = new RouteTable();
    private final ProxyServer server;
    private volatile int boundPort = -1;

    private NettyProxy(Builder b) {
        this.ip = b.ip;
        this.port = b.port;
        this.defaultTarget = b.defaultTarget;
        this.ioThreads = b.ioThreads;
        this.nativeTransport = b.nativeTransport;
        this.connectTimeout = b.connectTimeout;
        this.keepAliveTimeout = b.keepAliveTimeout;
        this.server = new ProxyServer(routes, new ProxySettings(ip, port, ioThreads, nativeTransport,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()), keepAliveTimeout.toMillis()));
        if (defaultTarget != null) {
            addRoute(Route.of("/", defaultTarget, Map.of()));
        }
    }

    /** @return a builder with the defaults: every interface, port 8000, no default target */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this proxy's configuration, to build a variant */
    public Builder toBuilder() {
        return new Builder()
                .ip(ip)
                .port(port)
                .defaultTarget(defaultTarget)
                .ioThreads(ioThreads)
                .nativeTransport(nativeTransport)
                .connectTimeout(connectTimeout)
                .keepAliveTimeout(keepAliveTimeout);
    }

    /**
     * Adds a route, or replaces the one with the same normalised spec.
     *
     * @param route the route; its target must be an {@code http://} URI with a host
     * @return a completed stage, or one failed with a {@link HubException} if the target cannot
     *         be proxied to
     */
    @Override
    public CompletionStage<Void> addRoute(Route route) {
        Objects.requireNonNull(route, "route");
        String problem = RouteEntry.checkTarget(route.target());
        if (problem != null) {
            return CompletableFuture.failedFuture(
                    new HubException("Route " + route.routespec() + ": target " + problem));
        }
        routes.put(route);
        log.info("Route added {} -> {}", route.routespec(), route.target());
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Removes a route; removing a missing route succeeds.
     *
     * @param routespec the route's spec, with or without a trailing slash
     * @return a completed stage
     */
    @Override
    public CompletionStage<Void> deleteRoute(String routespec) {
        String spec = Route.normalizeSpec(routespec);
        if (routes.remove(spec)) {
            log.info("Route deleted {}", spec);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * @return a completed stage with a snapshot of the table, keyed by normalised spec, each
     *         route with its data unchanged and its last activity
     */
    @Override
    public CompletionStage<Map<String, Route>> routes() {
        return CompletableFuture.completedFuture(routes.snapshot());
    }

    /**
     * Binds the listening socket; the proxy accepts connections once the stage completes.
     * Binding happens on the calling thread, so the stage is complete when returned.
     *
     * @return a completed stage, or one failed with a {@link HubException} if the address cannot
     *         be bound, or with an {@link IllegalStateException} if started before or closed
     */
    @Override
    public CompletionStage<Void> start() {
        try {
            boundPort = server.start().getPort();
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Stops listening and closes every client and upstream connection. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    /** @return the port bound once started (useful with port 0), else the configured port */
    public int port() {
        int p = boundPort;
        return p >= 0 ? p : port;
    }

    /** @return the configured listening address; empty means every interface */
    public String ip() {
        return ip;
    }

    /** @return the target of the {@code /} route added at construction, if configured */
    public Optional<URI> defaultTarget() {
        return Optional.ofNullable(defaultTarget);
    }

    /** @return the configured number of event loop threads; 0 means Netty's default */
    public int ioThreads() {
        return ioThreads;
    }

    /** @return whether native epoll is used where available */
    public boolean nativeTransport() {
        return nativeTransport;
    }

    /** @return how long a connection to a target may take before the request gets a 503 */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return how long a client connection may stay idle between requests before it is closed */
    public Duration keepAliveTimeout() {
        return keepAliveTimeout;
    }

    @Override
    public String toString() {
        return "NettyProxy[" + (ip.isEmpty() ? "*" : ip) + ":" + port() + "]";
    }

    /**
     * Configures a {@link NettyProxy}. Setters only record values; {@link #build()} checks them
     * all and reports every problem at once. Not thread-safe.
     *
     * @since 0.1
     */
    public static final class Builder {
        private String ip = "";
        private int port = 8000;
        private URI defaultTarget;
        private int ioThreads;
        private boolean nativeTransport = true;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration keepAliveTimeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * @param ip the address to listen on, an IP literal or host name; empty (the default)
         *        for every interface, as configurable-http-proxy's {@code --ip}
         * @return this builder
         */
        public Builder ip(String ip) {
            this.ip = ip;
            return this;
        }

        /**
         * @param port the port to listen on, 0 for any free port (see {@link NettyProxy#port()});
         *        default 8000
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * @param defaultTarget if not {@code null}, a {@code /} route to this {@code http://}
         *        target is added at construction, as configurable-http-proxy's
         *        {@code --default-target}
         * @return this builder
         */
        public Builder defaultTarget(URI defaultTarget) {
            this.defaultTarget = defaultTarget;
            return this;
        }

        /**
         * @param ioThreads event loop threads for connections; 0 (the default) for twice the
         *        number of cores
         * @return this builder
         */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * @param nativeTransport whether to use native epoll where it loads (default); NIO
         *        otherwise
         * @return this builder
         */
        public Builder nativeTransport(boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
            return this;
        }

        /**
         * @param connectTimeout how long to wait for a target to accept a connection before
         *        answering 503; default 10 s
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * @param keepAliveTimeout how long a client connection may stay idle between requests
         *        before the proxy closes it; default 5 s, as configurable-http-proxy's
         *        {@code --keep-alive-timeout}
         * @return this builder
         */
        public Builder keepAliveTimeout(Duration keepAliveTimeout) {
            this.keepAliveTimeout = keepAliveTimeout;
            return this;
        }

        /**
         * @return a proxy, not yet listening
         * @throws ConfigException listing every invalid field, each by name
         */
        public NettyProxy build() {
            List<String> problems = new ArrayList<>();
            if (ip == null) {
                problems.add("ip: must not be null (use \"\" for every interface)");
            } else if (!ip.isEmpty() && (ip.isBlank() || ip.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/'))) {
                problems.add("ip: must be an IP address or host name (got '" + ip + "')");
            }
            if (port < 0 || port > 65535) {
                problems.add("port: must be between 0 and 65535 (got " + port + ")");
            }
            if (defaultTarget != null) {
                String problem = RouteEntry.checkTarget(defaultTarget);
                if (problem != null) {
                    problems.add("defaultTarget: " + problem);
                }
            }
            if (ioThreads < 0) {
                problems.add("ioThreads: must be 0 or more (got " + ioThreads + ")");
            }
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                problems.add("connectTimeout: must be positive (got " + connectTimeout + ")");
            }
            if (keepAliveTimeout == null || keepAliveTimeout.isNegative() || keepAliveTimeout.isZero()) {
                problems.add("keepAliveTimeout: must be positive (got " + keepAliveTimeout + ")");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new NettyProxy(this);
        }
    }
}
