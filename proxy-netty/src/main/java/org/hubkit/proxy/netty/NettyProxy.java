package org.hubkit.proxy.netty;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.hubkit.proxy.netty.internal.ProxyMetrics;
import org.hubkit.proxy.netty.internal.ProxyServer;
import org.hubkit.proxy.netty.internal.ProxySettings;
import org.hubkit.proxy.netty.internal.RouteEntry;
import org.hubkit.proxy.netty.internal.RouteTable;
import org.hubkit.proxy.netty.internal.TlsCertificates;
import org.hubkit.proxy.netty.internal.UpstreamTls;
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
 * original path and query ({@link Builder#prependPath}, {@link Builder#includePrefix} change
 * that as their configurable-http-proxy namesakes do); {@code Host} is kept; {@code X-Forwarded-For},
 * {@code -Port} and {@code -Proto} are appended and {@code X-Forwarded-Host} set if absent
 * (unless {@link Builder#xForward} is off). Bodies stream in
 * both directions with backpressure, so memory use does not grow with body size. Client
 * connections are kept alive (closed after {@link Builder#keepAliveTimeout idle time}).
 * Upstream connections are pooled: once an exchange has ended cleanly its connection waits,
 * idle, for the next request to the same host and port from any client connection served by
 * the same event loop ({@link Builder#upstreamMaxIdle}, {@link Builder#upstreamIdleTimeout});
 * never one whose response said {@code Connection: close}. An idempotent request (GET, HEAD,
 * OPTIONS, TRACE, PUT, DELETE) sent on a pooled connection that the target had just closed, before
 * any of its body went out, is sent once more on a new one; a POST or PATCH is answered 503.
 * WebSocket handshakes are forwarded and, after the target's {@code 101}, bytes are relayed
 * both ways (that connection is never pooled). With {@link Builder#hostRouting} the route key
 * is {@code /host/path}. {@code GET /_chp_healthz} answers {@code {"status":"OK"}}.
 * The listener may use TLS ({@link Builder#tls}), its certificate re-read when the files change
 * ({@link Builder#tlsReloadInterval}, {@link #reloadTls()}), optionally asking clients for
 * certificates ({@link ListenerTls}). Targets may be {@code https://} (WebSockets too): their
 * certificate and host name are verified against the JDK's CAs or those of {@link TargetTls},
 * which can also present a client certificate (mutual TLS) or turn verification off; pooled
 * connections are keyed by scheme, host and port, so {@code http://} and {@code https://}
 * targets on one port never share one.
 * The listener may be a UNIX domain socket instead of an IP and port ({@link Builder#unixSocket}),
 * and targets may be UNIX sockets too ({@code http+unix://%2Fpath%2Fto.sock/prefix}, as
 * configurable-http-proxy writes them); both need the native epoll transport.
 * {@link Builder#autoRewrite} and {@link Builder#protocolRewrite} rewrite the {@code Location}
 * of redirects that point at the target.
 *
 * <p><b>Slow clients.</b> A request's head must arrive within {@link Builder#headersTimeout} (60 s)
 * of its first byte and the whole request, body included, within {@link Builder#requestTimeout}
 * (300 s), else the client gets a {@code 408} and the connection is closed; these are the limits
 * Node 20's HTTP server, on which configurable-http-proxy runs, applies by default. Neither applies
 * once the request has arrived (waiting for and streaming the response) nor to a WebSocket after
 * its upgrade.
 *
 * <p><b>Errors.</b> Error pages come from the {@link Builder#errorTarget error target}, else the
 * {@link Builder#errorPath error path}, else a small built-in HTML page; the status is kept.
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
    private final Path unixSocket;
    private final boolean autoRewrite;
    private final String protocolRewrite;
    private final URI defaultTarget;
    private final int ioThreads;
    private final boolean nativeTransport;
    private final Duration connectTimeout;
    private final ListenerTimeouts clientTimeouts;
    private final boolean hostRouting;
    private final boolean prependPath;
    private final boolean includePrefix;
    private final boolean xForward;
    private final boolean changeOrigin;
    private final Map<String, String> customHeaders;
    private final URI errorTarget;
    private final Path errorPath;
    private final Duration timeout;
    private final Duration proxyTimeout;
    private final int upstreamMaxIdle;
    private final Duration upstreamIdleTimeout;
    private final ListenerTls listenerTls;
    private final TargetTls targetTls;
    private final Duration tlsReloadInterval;
    private final TlsCertificates tlsCertificates;
    private final ProxyMetrics metrics;
    private final RouteTable routes = new RouteTable();
    private final ProxyServer server;
    private volatile int boundPort = -1;

    private NettyProxy(Builder b) {
        this.ip = b.ip;
        this.port = b.port;
        this.unixSocket = b.unixSocket;
        this.autoRewrite = b.autoRewrite;
        this.protocolRewrite = b.protocolRewrite;
        this.defaultTarget = b.defaultTarget;
        this.ioThreads = b.ioThreads;
        this.nativeTransport = b.nativeTransport;
        this.connectTimeout = b.connectTimeout;
        this.clientTimeouts = b.builtClientTimeouts;
        this.hostRouting = b.hostRouting;
        this.prependPath = b.prependPath;
        this.includePrefix = b.includePrefix;
        this.xForward = b.xForward;
        this.changeOrigin = b.changeOrigin;
        this.customHeaders = Map.copyOf(b.customHeaders);
        this.errorTarget = b.errorTarget;
        this.errorPath = b.errorPath;
        this.timeout = b.timeout;
        this.proxyTimeout = b.proxyTimeout;
        this.upstreamMaxIdle = b.upstreamMaxIdle;
        this.upstreamIdleTimeout = b.upstreamIdleTimeout;
        this.listenerTls = b.builtListenerTls;
        this.targetTls = b.targetTls;
        this.tlsReloadInterval = b.tlsReloadInterval;
        this.tlsCertificates = b.tlsCertificates;
        this.metrics = b.metrics;
        this.server = new ProxyServer(routes, new ProxySettings(ip, port, unixSocket, ioThreads, nativeTransport,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()), clientTimeouts.limits(),
                new ProxySettings.Forwarding(hostRouting, prependPath, includePrefix, xForward, changeOrigin, customHeaders),
                errorTarget, errorPath, millis(timeout), millis(proxyTimeout), upstreamMaxIdle,
                upstreamIdleTimeout.toMillis(), tlsCertificates, b.upstreamTls, metrics,
                new ProxySettings.LocationRewrite(autoRewrite, protocolRewrite)));
        if (defaultTarget != null) {
            addRoute(Route.of("/", defaultTarget, Map.of()));
        }
    }

    /** @return a builder with the defaults: every interface, port 8000, no default target */
    public static Builder builder() {
        return new Builder();
    }

    private static long millis(Duration d) {
        return d == null ? 0 : d.toMillis();
    }

    /** @return a builder holding this proxy's configuration, to build a variant */
    public Builder toBuilder() {
        Builder b = new Builder()
                .ip(ip)
                .port(port)
                .unixSocket(unixSocket)
                .autoRewrite(autoRewrite)
                .protocolRewrite(protocolRewrite)
                .defaultTarget(defaultTarget)
                .ioThreads(ioThreads)
                .nativeTransport(nativeTransport)
                .connectTimeout(connectTimeout)
                .hostRouting(hostRouting)
                .prependPath(prependPath)
                .includePrefix(includePrefix)
                .xForward(xForward)
                .changeOrigin(changeOrigin)
                .errorTarget(errorTarget)
                .errorPath(errorPath)
                .timeout(timeout)
                .proxyTimeout(proxyTimeout)
                .upstreamMaxIdle(upstreamMaxIdle)
                .upstreamIdleTimeout(upstreamIdleTimeout)
                .tlsReloadInterval(tlsReloadInterval)
                .targetTls(targetTls)
                .metrics(metrics);
        b.clientTimeouts = clientTimeouts.toBuilder(); // a derived headersTimeout stays derived
        customHeaders.forEach(b::customHeader);
        if (listenerTls != null) {
            b.tls(listenerTls);
        }
        return b;
    }

    /** @return upstream connections idle in the pool right now; same package only (tests) */
    int idleUpstreamConnections() {
        return server.idleUpstreamConnections();
    }

    /** The table the CHP API serves; same package only. */
    RouteTable routeTable() {
        return routes;
    }

    /**
     * Adds a route, or replaces the one with the same normalised spec.
     *
     * @param route the route; its target must be an {@code http://} or {@code https://} URI with a
     *        host, or an {@code http+unix://} / {@code unix+http://} one naming a socket file
     *        (percent-encoded)
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
     * Binding happens on the calling thread, so the stage is complete when returned. With
     * {@link Builder#unixSocket} the socket file is created (it must not exist: a file left by a
     * proxy that was killed is not removed, as configurable-http-proxy does not) and
     * {@link #close()} deletes it again.
     *
     * @return a completed stage, or one failed with a {@link HubException} if the address cannot
     *         be bound, or with an {@link IllegalStateException} if started before or closed
     */
    @Override
    public CompletionStage<Void> start() {
        try {
            java.net.SocketAddress bound = server.start();
            if (bound instanceof java.net.InetSocketAddress inet) {
                boundPort = inet.getPort();
            }
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Reads the TLS certificate and key files again now, whether or not they changed (the
     * periodic check of {@link Builder#tlsReloadInterval} only reads them after a change). New
     * connections get the new certificate; open ones keep theirs. If the files do not load (or
     * the key does not match the certificate) the error is logged and the current certificate
     * stays. The launcher calls this on {@code SIGHUP}.
     *
     * @return whether the files were loaded; {@code false} without TLS or if they did not load
     */
    public boolean reloadTls() {
        return tlsCertificates != null && tlsCertificates.reload();
    }

    /** Stops listening and closes every client and upstream connection. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    /**
     * @return the port bound once started (useful with port 0), else the configured port; -1
     *         when the proxy listens on a {@link #unixSocket() UNIX socket}
     */
    public int port() {
        if (unixSocket != null) {
            return -1;
        }
        int p = boundPort;
        return p >= 0 ? p : port;
    }

    /** @return the UNIX domain socket the proxy listens on instead of an IP and port, if configured */
    public Optional<Path> unixSocket() {
        return Optional.ofNullable(unixSocket);
    }

    /** @return whether the host of redirect {@code Location}s to the target becomes the request's {@code Host} */
    public boolean autoRewrite() {
        return autoRewrite;
    }

    /** @return the scheme redirect {@code Location}s to the target are given, if configured */
    public Optional<String> protocolRewrite() {
        return Optional.ofNullable(protocolRewrite);
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
        return clientTimeouts.keepAliveTimeout();
    }

    /** @return whether routes are keyed {@code /host/path} */
    public boolean hostRouting() {
        return hostRouting;
    }

    /** @return whether the target's path is put in front of forwarded paths */
    public boolean prependPath() {
        return prependPath;
    }

    /** @return whether forwarded paths keep the route's prefix */
    public boolean includePrefix() {
        return includePrefix;
    }

    /** @return whether {@code X-Forwarded-*} headers are added */
    public boolean xForward() {
        return xForward;
    }

    /** @return whether {@code Host} is replaced by the target's host and port */
    public boolean changeOrigin() {
        return changeOrigin;
    }

    /** @return the headers set on every forwarded request */
    public Map<String, String> customHeaders() {
        return customHeaders;
    }

    /** @return where error pages are fetched from, if configured */
    public Optional<URI> errorTarget() {
        return Optional.ofNullable(errorTarget);
    }

    /** @return the directory error pages are read from, if configured */
    public Optional<Path> errorPath() {
        return Optional.ofNullable(errorPath);
    }

    /** @return how long a client connection may idle during a request, if limited */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** @return how long a target connection may idle during a request, if limited */
    public Optional<Duration> proxyTimeout() {
        return Optional.ofNullable(proxyTimeout);
    }

    /**
     * @return how long a request's head may take to arrive, from its first byte, before the
     *         client gets a 408; empty if not limited
     */
    public Optional<Duration> headersTimeout() {
        return clientTimeouts.headersTimeout();
    }

    /**
     * @return how long a whole request, body included, may take to arrive, from its first byte,
     *         before the client gets a 408; empty if not limited
     */
    public Optional<Duration> requestTimeout() {
        return clientTimeouts.requestTimeout();
    }

    /** @return how many idle connections are kept per target (and event loop); 0: none */
    public int upstreamMaxIdle() {
        return upstreamMaxIdle;
    }

    /** @return how long an idle upstream connection is kept for reuse */
    public Duration upstreamIdleTimeout() {
        return upstreamIdleTimeout;
    }

    /** @return how often the TLS files are checked for changes; zero: never */
    public Duration tlsReloadInterval() {
        return tlsReloadInterval;
    }

    /** @return whether the listener speaks TLS */
    public boolean tls() {
        return listenerTls != null;
    }

    /** @return the listener's TLS settings, if it speaks TLS */
    public Optional<ListenerTls> listenerTls() {
        return Optional.ofNullable(listenerTls);
    }

    /** @return how {@code https://} targets are spoken to */
    public TargetTls targetTls() {
        return targetTls;
    }

    @Override
    public String toString() {
        String scheme = tls() ? "https://" : "http://";
        if (unixSocket != null) {
            return "NettyProxy[" + scheme + "unix:" + unixSocket + "]";
        }
        return "NettyProxy[" + scheme + (ip.isEmpty() ? "*" : ip) + ":" + port() + "]";
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
        private Path unixSocket;
        private boolean autoRewrite;
        private String protocolRewrite;
        private URI defaultTarget;
        private int ioThreads;
        private boolean nativeTransport = true;
        private Duration connectTimeout = Duration.ofSeconds(10);
        /** keepAliveTimeout, headersTimeout and requestTimeout, with Node's defaults and rules. */
        private ListenerTimeouts.Builder clientTimeouts = ListenerTimeouts.builder();
        private ListenerTimeouts builtClientTimeouts;
        private boolean hostRouting;
        private boolean prependPath = true;
        private boolean includePrefix = true;
        private boolean xForward = true;
        private boolean changeOrigin;
        private final Map<String, String> customHeaders = new LinkedHashMap<>();
        private URI errorTarget;
        private Path errorPath;
        private Duration timeout;
        private Duration proxyTimeout;
        private int upstreamMaxIdle = 32;
        private Duration upstreamIdleTimeout = Duration.ofSeconds(4);
        private Path tlsCertificateChain;
        private Path tlsPrivateKey;
        private String tlsKeyPassword;
        private boolean tlsFromPaths;
        private ListenerTls listenerTls;
        private TargetTls targetTls = TargetTls.DEFAULT;
        private Duration tlsReloadInterval = Duration.ofSeconds(5);
        private ProxyMetrics metrics = ProxyMetrics.NONE;
        private TlsCertificates tlsCertificates;
        private ListenerTls builtListenerTls;
        private UpstreamTls upstreamTls;

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
         * Listens on a UNIX domain socket instead of {@link #ip}/{@link #port} (which are then
         * ignored), as configurable-http-proxy's {@code --socket}. Needs Netty's native epoll
         * transport (Linux x86_64): {@link #build()} fails where it is not available or
         * {@link #nativeTransport} is off. The file must not exist when the proxy starts; it is
         * created with the process's umask and deleted when the proxy closes. Then
         * {@link NettyProxy#port()} is -1; clients reach the proxy with e.g.
         * {@code curl --unix-socket <path> http://localhost/...}. The {@code Host} header is still
         * what routes (with {@link #hostRouting}) and what {@code X-Forwarded-Host/-Port} are made
         * of; {@code X-Forwarded-For} is {@code unknown}.
         *
         * @param unixSocket the socket file, or {@code null} (the default) for IP and port
         * @return this builder
         */
        public Builder unixSocket(Path unixSocket) {
            this.unixSocket = unixSocket;
            return this;
        }

        /**
         * @param autoRewrite whether the {@code Location} of a redirect (201, 301, 302, 307, 308)
         *        that points at the target's host and port gets the request's {@code Host} instead,
         *        as configurable-http-proxy's {@code --auto-rewrite}; other {@code Location}s
         *        (relative ones, other hosts) are left alone. Default off
         * @return this builder
         */
        public Builder autoRewrite(boolean autoRewrite) {
            this.autoRewrite = autoRewrite;
            return this;
        }

        /**
         * @param protocolRewrite {@code "http"} or {@code "https"}: the scheme the {@code Location}
         *        of a redirect (201, 301, 302, 307, 308) that points at the target's host and port
         *        is given (a port that is the new scheme's default is dropped), as
         *        configurable-http-proxy's {@code --protocol-rewrite}; {@code null} (the default)
         *        keeps the scheme. Combines with {@link #autoRewrite}
         * @return this builder
         */
        public Builder protocolRewrite(String protocolRewrite) {
            this.protocolRewrite = protocolRewrite;
            return this;
        }

        /**
         * @param defaultTarget if not {@code null}, a {@code /} route to this {@code http://} or
         *        {@code https://} target is added at construction, as configurable-http-proxy's
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
         *        (from its opening or the end of a response to the first byte of the next request)
         *        before the proxy closes it; default 5 s, as configurable-http-proxy's
         *        {@code --keep-alive-timeout}. Once a request has begun, {@link #headersTimeout}
         *        and {@link #requestTimeout} apply
         * @return this builder
         */
        public Builder keepAliveTimeout(Duration keepAliveTimeout) {
            clientTimeouts.keepAliveTimeout(keepAliveTimeout);
            return this;
        }

        /**
         * @param hostRouting whether the route key is {@code /} + the request's host (port
         *        removed) + its path, as configurable-http-proxy's {@code --host-routing};
         *        default off
         * @return this builder
         */
        public Builder hostRouting(boolean hostRouting) {
            this.hostRouting = hostRouting;
            return this;
        }

        /**
         * @param prependPath whether the target's path goes in front of the forwarded path
         *        (default); off is {@code --no-prepend-path}
         * @return this builder
         */
        public Builder prependPath(boolean prependPath) {
            this.prependPath = prependPath;
            return this;
        }

        /**
         * @param includePrefix whether the forwarded path keeps the matched route's prefix
         *        (default); off is {@code --no-include-prefix}
         * @return this builder
         */
        public Builder includePrefix(boolean includePrefix) {
            this.includePrefix = includePrefix;
            return this;
        }

        /**
         * @param xForward whether {@code X-Forwarded-For/-Port/-Proto/-Host} are added (default);
         *        off is {@code --no-x-forward}
         * @return this builder
         */
        public Builder xForward(boolean xForward) {
            this.xForward = xForward;
            return this;
        }

        /**
         * @param changeOrigin whether {@code Host} becomes the target's host and port, as
         *        {@code --change-origin}; default off (the client's {@code Host} is kept)
         * @return this builder
         */
        public Builder changeOrigin(boolean changeOrigin) {
            this.changeOrigin = changeOrigin;
            return this;
        }

        /**
         * @param name a header set on every forwarded request, as {@code --custom-header name:value}
         * @param value its value
         * @return this builder
         */
        public Builder customHeader(String name, String value) {
            customHeaders.put(name, value);
            return this;
        }

        /**
         * @param errorTarget if not {@code null}, error pages come from
         *        {@code GET {errorTarget}/{code}?url={escaped request url}}: the proxy answers with
         *        that body, Content-Type and Content-Encoding and its own status, as
         *        {@code --error-target} (JupyterHub passes {@code {hub}/hub/error})
         * @return this builder
         */
        public Builder errorTarget(URI errorTarget) {
            this.errorTarget = errorTarget;
            return this;
        }

        /**
         * @param errorPath if not {@code null}, a directory whose {@code {code}.html}, else
         *        {@code error.html}, is the error page, as {@code --error-path}
         * @return this builder
         */
        public Builder errorPath(Path errorPath) {
            this.errorPath = errorPath;
            return this;
        }

        /**
         * @param timeout if not {@code null}, a client connection that is silent this long while
         *        a request is in progress is closed, as {@code --timeout}; default none
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * @param proxyTimeout if not {@code null}, a target that is silent this long during a
         *        request gets it answered with 503 (or cut if the response had begun), as
         *        {@code --proxy-timeout}; default none. WebSockets are not limited.
         * @return this builder
         */
        public Builder proxyTimeout(Duration proxyTimeout) {
            this.proxyTimeout = proxyTimeout;
            return this;
        }

        /**
         * How long the head of a request (request line and headers) may take to arrive, counted
         * from its first byte; after that the client gets a {@code 408} and the connection is
         * closed, the request never reaching a target. Protects the targets' and the proxy's
         * connections from clients that send headers a byte at a time (slowloris). Before the
         * first byte of a request, {@link #keepAliveTimeout} applies instead.
         *
         * <p>Default: 60 s, or {@link #requestTimeout} if that is shorter, as Node's
         * {@code server.headersTimeout} (Node 18 and later; configurable-http-proxy has no flag for
         * it, so its users get that). Unlike Node, turning {@link #requestTimeout} off keeps the
         * 60 s here (Node's {@code min(60000, 0)} turns both off): set this to zero too for no limit.
         *
         * @param headersTimeout the limit; {@link Duration#ZERO} or {@code null} for none. Must not
         *        be longer than {@link #requestTimeout} when both are set
         * @return this builder
         */
        public Builder headersTimeout(Duration headersTimeout) {
            clientTimeouts.headersTimeout(headersTimeout);
            return this;
        }

        /**
         * How long a whole request, head and body, may take to arrive, counted from its first
         * byte; after that the client gets a {@code 408} and the connection is closed (if the
         * target has begun answering already, the connection is just closed), and the target's
         * connection is closed too. Protects the targets from clients that trickle a body. It
         * ends when the request has arrived: waiting for the response, streaming it, and a
         * WebSocket after its upgrade are not limited ({@link #timeout} and {@link #proxyTimeout}
         * are for those). A body the target reads slowly counts too (backpressure holds the client
         * back), as in Node.
         *
         * <p>Default: 300 s, Node's {@code server.requestTimeout} since Node 18, which
         * configurable-http-proxy on Node 20 applies without a flag to change it. Uploads that take
         * longer need a longer limit, or none.
         *
         * @param requestTimeout the limit; {@link Duration#ZERO} or {@code null} for none
         * @return this builder
         */
        public Builder requestTimeout(Duration requestTimeout) {
            clientTimeouts.requestTimeout(requestTimeout);
            return this;
        }

        /**
         * @param upstreamMaxIdle how many idle connections to one target (host and port) each
         *        event loop keeps for reuse by any client connection; default 32, 0 closes every
         *        upstream connection after its exchange. Beyond it the oldest idle one is closed.
         * @return this builder
         */
        public Builder upstreamMaxIdle(int upstreamMaxIdle) {
            this.upstreamMaxIdle = upstreamMaxIdle;
            return this;
        }

        /**
         * @param upstreamIdleTimeout how long an idle upstream connection is kept for reuse;
         *        default 4 s, below the 5 s after which Node.js servers (and configurable-http-proxy's
         *        own keep-alive) close idle connections, so that the proxy is the one to close
         * @return this builder
         */
        public Builder upstreamIdleTimeout(Duration upstreamIdleTimeout) {
            this.upstreamIdleTimeout = upstreamIdleTimeout;
            return this;
        }

        /**
         * @param tlsReloadInterval how often the {@link #tls} files' modification time, size and
         *        identity are checked; when they change the pair is loaded again and new
         *        connections get it (open ones keep theirs; a pair that does not load is logged
         *        and ignored). Default 5 s; zero turns the check off ({@link NettyProxy#reloadTls()}
         *        still works)
         * @return this builder
         */
        public Builder tlsReloadInterval(Duration tlsReloadInterval) {
            this.tlsReloadInterval = tlsReloadInterval;
            return this;
        }

        /**
         * Serves HTTPS, as {@code --ssl-cert} and {@code --ssl-key}. The files are checked for
         * changes every {@link #tlsReloadInterval}.
         *
         * @param certificateChain a PEM file with the certificate, then any intermediates
         * @param privateKey a PEM file with the PKCS#8 private key
         * @param keyPassword the key's password if it is encrypted, else {@code null}
         * @return this builder
         */
        public Builder tls(Path certificateChain, Path privateKey, String keyPassword) {
            this.tlsCertificateChain = certificateChain;
            this.tlsPrivateKey = privateKey;
            this.tlsKeyPassword = keyPassword;
            this.tlsFromPaths = true;
            this.listenerTls = null;
            return this;
        }

        /**
         * Serves HTTPS with everything {@link ListenerTls} offers: client certificates
         * ({@code --ssl-request-cert}, {@code --ssl-reject-unauthorized}, {@code --ssl-ca}),
         * protocol versions and cipher suites. The certificate, key and client CA files are
         * checked for changes every {@link #tlsReloadInterval}.
         *
         * @param tls the listener's TLS; {@code null} for plain HTTP
         * @return this builder
         */
        public Builder tls(ListenerTls tls) {
            this.listenerTls = tls;
            this.tlsFromPaths = false;
            this.tlsCertificateChain = null;
            this.tlsPrivateKey = null;
            this.tlsKeyPassword = null;
            return this;
        }

        /**
         * @param targetTls how to speak TLS to {@code https://} targets: trusted CAs, a client
         *        certificate, or no verification; default {@link TargetTls#DEFAULT} (the JDK's CAs,
         *        host names checked)
         * @return this builder
         */
        public Builder targetTls(TargetTls targetTls) {
            this.targetTls = targetTls;
            return this;
        }

        Builder metrics(ProxyMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** The listener's settings as the internal loader takes them (the key password included). */
        static TlsCertificates.Settings settings(ListenerTls tls) {
            return new TlsCertificates.Settings(tls.certificateChain(), tls.privateKey(), tls.keyPassword(),
                    tls.clientAuth(), tls.clientCa().orElse(null), tls.protocols(), tls.cipherSuites());
        }

        private static boolean positiveOrNull(Duration d) {
            return d == null || (!d.isNegative() && !d.isZero());
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
            if (unixSocket != null) {
                String why = org.hubkit.proxy.netty.internal.Transport.unixSocketsUnavailable();
                if (why != null) {
                    problems.add("unixSocket: " + why);
                } else if (!nativeTransport) {
                    problems.add("unixSocket: UNIX domain sockets need the native epoll transport (nativeTransport is off)");
                }
            }
            if (protocolRewrite != null && !protocolRewrite.equals("http") && !protocolRewrite.equals("https")) {
                problems.add("protocolRewrite: must be http or https (got '" + protocolRewrite + "')");
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
            builtClientTimeouts = null;
            try {
                builtClientTimeouts = clientTimeouts.build(); // the same rules as the side listeners'
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            if (errorTarget != null) {
                String problem = RouteEntry.checkTarget(errorTarget);
                if (problem != null) {
                    problems.add("errorTarget: " + problem);
                }
                if (errorPath != null) {
                    problems.add("errorPath: cannot be set with errorTarget (pick one)");
                }
            }
            if (errorPath != null && !Files.isDirectory(errorPath)) {
                problems.add("errorPath: must be a directory (got '" + errorPath + "')");
            }
            if (!positiveOrNull(timeout)) {
                problems.add("timeout: must be positive (got " + timeout + ")");
            }
            if (!positiveOrNull(proxyTimeout)) {
                problems.add("proxyTimeout: must be positive (got " + proxyTimeout + ")");
            }
            if (upstreamMaxIdle < 0) {
                problems.add("upstreamMaxIdle: must be 0 or more (got " + upstreamMaxIdle + ")");
            }
            if (upstreamIdleTimeout == null || upstreamIdleTimeout.isNegative() || upstreamIdleTimeout.isZero()) {
                problems.add("upstreamIdleTimeout: must be positive (got " + upstreamIdleTimeout + ")");
            }
            if (tlsReloadInterval == null || tlsReloadInterval.isNegative()) {
                problems.add("tlsReloadInterval: must be zero or positive (got " + tlsReloadInterval + ")");
            }
            customHeaders.forEach((name, value) -> {
                if (name == null || name.isBlank() || value == null) {
                    problems.add("customHeader: name and value required (got '" + name + "')");
                }
            });
            tlsCertificates = null;
            builtListenerTls = listenerTls;
            if (tlsFromPaths) {
                if (tlsCertificateChain == null || tlsPrivateKey == null) {
                    problems.add("tls: both a certificate chain and a private key are needed");
                } else {
                    builtListenerTls = ListenerTls.builder(tlsCertificateChain, tlsPrivateKey).keyPassword(tlsKeyPassword)
                            .build(); // nothing in it to reject
                }
            }
            if (builtListenerTls != null) {
                try {
                    tlsCertificates = TlsCertificates.load(settings(builtListenerTls),
                            tlsReloadInterval == null || tlsReloadInterval.isNegative() ? 0
                                    : tlsReloadInterval.toMillis());
                } catch (IllegalArgumentException e) {
                    problems.add("tls: cannot load " + builtListenerTls.certificateChain() + " and "
                            + builtListenerTls.privateKey() + ": " + e.getMessage());
                }
            }
            upstreamTls = null;
            if (targetTls == null) {
                problems.add("targetTls: must not be null (TargetTls.DEFAULT for the JDK's CAs)");
            } else {
                try {
                    upstreamTls = UpstreamTls.create(targetTls.trustedCertificates().orElse(null),
                            targetTls.clientCertificateChain().orElse(null), targetTls.clientPrivateKey().orElse(null),
                            targetTls.clientKeyPassword(), targetTls.insecure());
                } catch (IllegalArgumentException e) {
                    problems.add("targetTls: " + e.getMessage());
                }
            }
            if (metrics == null) {
                problems.add("metrics: must not be null");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new NettyProxy(this);
        }
    }
}
