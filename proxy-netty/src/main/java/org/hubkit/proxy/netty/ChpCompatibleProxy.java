package org.hubkit.proxy.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.proxy.netty.internal.ChpApiServer;
import org.hubkit.proxy.netty.internal.HttpsRedirect;
import org.hubkit.proxy.netty.internal.ProxyMetrics;
import org.hubkit.proxy.netty.internal.RouteEntry;
import org.hubkit.proxy.netty.internal.ServiceListener;
import org.hubkit.proxy.netty.internal.TlsCertificates;
import org.hubkit.proxy.netty.internal.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NettyProxy} with configurable-http-proxy's REST API beside it, so that anything that
 * drives CHP over HTTP (JupyterHub's {@code ConfigurableHTTPProxy}, scripts) can drive it:
 * {@code GET /api/routes[?inactive_since=]}, {@code GET|POST|DELETE /api/routes/{path}}, with
 * {@code Authorization: token <authToken>}. Optionally a Prometheus {@code /metrics} listener
 * with CHP's counters (needs {@code micrometer-registry-prometheus} on the class path) and a
 * plain-HTTP listener that redirects to HTTPS. The API may use TLS, client certificates included
 * ({@link Builder#apiTls}, as {@code --api-ssl-*}). This is what {@link ProxyMain} runs.
 *
 * <p>The API, metrics and redirect listeners hold their clients to {@link Builder#serviceTimeouts}
 * (by default what configurable-http-proxy's Node 20 servers have: an idle connection closed after
 * 5 s, 408 for a request head not in within 60 s or a request not in within 300 s), as the proxy's
 * public listener does with its own {@link NettyProxy.Builder#keepAliveTimeout},
 * {@link NettyProxy.Builder#headersTimeout} and {@link NettyProxy.Builder#requestTimeout}.
 *
 * <p>Routes posted to the API are stored as given (the whole JSON body, {@code target}
 * included) and returned with {@code last_activity}; the proxy's {@link NettyProxy#routes()}
 * shows them too, and routes added through {@link NettyProxy#addRoute} show in the API.
 *
 * <pre>{@code
 * ChpCompatibleProxy chp = ChpCompatibleProxy.builder()
 *         .proxy(NettyProxy.builder().ip("127.0.0.1").port(8000))
 *         .authToken(System.getenv("CONFIGPROXY_AUTH_TOKEN"))
 *         .build();
 * chp.start();
 * }</pre>
 *
 * <p>Thread-safe. {@link #start()} and {@link #close()} block until done.
 *
 * @since 0.1
 */
public final class ChpCompatibleProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChpCompatibleProxy.class);

    private final NettyProxy proxy;
    private final String defaultTarget;
    private final String apiIp;
    private final int apiPort;
    private final Path apiSocket;
    private final Path metricsSocket;
    private final String authToken;
    private final String metricsIp;
    private final int metricsPort;
    private final int redirectPort;
    private final int redirectTo;
    private final ProxyMetrics metrics;
    private final ListenerTls apiTls;
    private final TlsCertificates apiCertificates;
    private final ListenerTimeouts serviceTimeouts;
    private final List<ServiceListener> listeners = new ArrayList<>();
    private Transport serviceTransport;
    private EventLoopGroup serviceGroup;
    private ServiceListener api;
    private ServiceListener metricsListener;
    private ServiceListener redirect;
    private boolean started;
    private boolean closed;

    private ChpCompatibleProxy(Builder b, NettyProxy proxy, ProxyMetrics metrics, TlsCertificates apiCertificates) {
        this.apiTls = b.apiTls;
        this.apiCertificates = apiCertificates;
        this.proxy = proxy;
        this.defaultTarget = b.defaultTarget;
        this.apiIp = b.apiIp;
        this.apiPort = b.apiPort;
        this.apiSocket = b.apiSocket;
        this.metricsSocket = b.metricsSocket;
        this.authToken = b.authToken;
        this.metricsIp = b.metricsIp;
        this.metricsPort = b.metricsPort;
        this.redirectPort = b.redirectPort;
        this.redirectTo = b.redirectTo;
        this.metrics = metrics;
        this.serviceTimeouts = b.serviceTimeouts;
    }

    /** @return a builder: API on localhost at the proxy's port + 1, no token, no metrics */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the proxy, then the API (and metrics and redirect listeners), then adds the default
     * target's route, logging {@code Route added / -> target} as configurable-http-proxy does.
     *
     * @return this
     * @throws HubException if an address cannot be bound; whatever was started is closed again
     * @throws IllegalStateException if started before or closed
     */
    public synchronized ChpCompatibleProxy start() {
        if (closed || started) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        try {
            proxy.start().toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            close();
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
        try {
            // UNIX sockets need epoll; otherwise NIO, as ever, for these small listeners
            serviceTransport = Transport.select(apiSocket != null || metricsSocket != null);
            serviceGroup = serviceTransport.newGroup(1, new DefaultThreadFactory("hubkit-proxy-api", true));
            ChpApiServer handler = new ChpApiServer(proxy.routeTable(), authToken, proxy.hostRouting(), metrics);
            if (apiSocket != null) {
                api = listenUnix(apiSocket, handler, "proxy API", apiCertificates);
            } else {
                api = listen(apiIp, defaultApiPort(), handler, "proxy API", apiCertificates);
            }
            if (metricsSocket != null) {
                metricsListener = listenUnix(metricsSocket, (io.netty.channel.ChannelHandler) metrics, "metrics", null);
            } else if (metricsPort >= 0) {
                metricsListener = listen(metricsIp, metricsPort, (io.netty.channel.ChannelHandler) metrics, "metrics", null);
            }
            if (redirectPort >= 0) {
                int to = redirectTo > 0 ? redirectTo : proxy.port();
                redirect = listen(proxy.ip(), redirectPort, new HttpsRedirect(to), "HTTPS redirect", null);
                log.info("Added HTTP to HTTPS redirection from {} to {}", redirect.port(), to);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (authToken == null || authToken.isEmpty()) {
            log.warn("REST API is not authenticated.");
        }
        // as configurable-http-proxy: a socket's path where ip:port would be
        log.info("Proxying {}://{} to {}", proxy.tls() ? "https" : "http", proxy.unixSocket().map(Path::toString)
                .orElseGet(() -> (proxy.ip().isEmpty() ? "*" : proxy.ip()) + ":" + proxy.port()),
                defaultTarget == null ? "(no default)" : defaultTarget);
        log.info("Proxy API at {}://{}/api/routes", apiTls != null ? "https" : "http", where(api, apiIp));
        if (metricsListener != null) {
            log.info("Serve metrics at http://{}/metrics", where(metricsListener, metricsIp));
        }
        if (defaultTarget != null) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("target", defaultTarget);
            log.info("Adding route / -> {}", defaultTarget);
            proxy.routeTable().put(RouteEntry.fromChp("/", data, System.currentTimeMillis()));
            log.info("Route added / -> {}", defaultTarget);
        }
        return this;
    }

    /** configurable-http-proxy's: the proxy's port + 1, 8001 when the proxy is on a UNIX socket. */
    private int defaultApiPort() {
        if (apiPort >= 0) {
            return apiPort;
        }
        if (proxy.unixSocket().isPresent()) {
            return 8001;
        }
        return proxy.port() == 0 ? 0 : proxy.port() + 1;
    }

    private static String where(ServiceListener l, String ip) {
        return l.unixSocket() != null ? l.unixSocket().toString() : (ip.isEmpty() ? "*" : ip) + ":" + l.port();
    }

    private ServiceListener listen(String ip, int port, io.netty.channel.ChannelHandler handler, String what,
            TlsCertificates tls) {
        ServiceListener l = ServiceListener.bind(serviceTransport, serviceGroup, ip, port, handler, what, tls,
                serviceTimeouts.limits());
        listeners.add(l);
        return l;
    }

    private ServiceListener listenUnix(Path socket, io.netty.channel.ChannelHandler handler, String what,
            TlsCertificates tls) {
        ServiceListener l = ServiceListener.bindUnix(serviceTransport, serviceGroup, socket, handler, what, tls,
                serviceTimeouts.limits());
        listeners.add(l);
        return l;
    }

    /** @return the proxy; use it for its port, or to add routes without the API */
    public NettyProxy proxy() {
        return proxy;
    }

    /**
     * @return the API's port once started, else the configured one (-1: the proxy's port + 1);
     *         -1 when the API listens on a {@link #apiSocket() UNIX socket}
     */
    public synchronized int apiPort() {
        if (apiSocket != null) {
            return -1;
        }
        return api != null ? api.port() : apiPort;
    }

    /** @return the UNIX domain socket the API listens on instead of an IP and port, if configured */
    public Optional<Path> apiSocket() {
        return Optional.ofNullable(apiSocket);
    }

    /** @return the API listener's TLS settings, if it speaks TLS */
    public Optional<ListenerTls> apiTls() {
        return Optional.ofNullable(apiTls);
    }

    /**
     * @return the metrics port once started, -1 if there is no metrics listener or it listens on
     *         a {@link #metricsSocket() UNIX socket}
     */
    public synchronized int metricsPort() {
        if (metricsSocket != null) {
            return -1;
        }
        return metricsListener != null ? metricsListener.port() : metricsPort;
    }

    /** @return the UNIX domain socket metrics are served on, if configured */
    public Optional<Path> metricsSocket() {
        return Optional.ofNullable(metricsSocket);
    }

    /** @return how long the API, metrics and redirect listeners wait for their clients */
    public ListenerTimeouts serviceTimeouts() {
        return serviceTimeouts;
    }

    /** @return the redirect port once started, -1 if there is no redirect listener */
    public synchronized int redirectPort() {
        return redirect != null ? redirect.port() : redirectPort;
    }

    /** Stops every listener and the proxy. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServiceListener l : listeners) {
            l.close();
        }
        if (serviceGroup != null) {
            serviceGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        proxy.close();
    }

    @Override
    public String toString() {
        return "ChpCompatibleProxy[" + proxy + ", api " + (apiSocket != null ? "unix:" + apiSocket
                : apiIp + ":" + apiPort()) + "]";
    }

    /**
     * Configures a {@link ChpCompatibleProxy}; {@link #build()} reports every problem at once.
     * Not thread-safe.
     *
     * @since 0.1
     */
    public static final class Builder {
        private NettyProxy.Builder proxy = NettyProxy.builder();
        private String defaultTarget;
        private String apiIp = "localhost";
        private int apiPort = -1;
        private Path apiSocket;
        private String authToken;
        private String metricsIp = "";
        private int metricsPort = -1;
        private Path metricsSocket;
        private int redirectPort = -1;
        private int redirectTo = -1;
        private ListenerTls apiTls;
        private ListenerTimeouts serviceTimeouts = ListenerTimeouts.NODE_DEFAULTS;

        private Builder() {
        }

        /**
         * How long the side listeners (the REST API, metrics and HTTPS redirect) wait for their
         * clients: a connection idle for the keep-alive timeout is closed; a request whose head
         * (or whole) has not arrived within the headers (or request) timeout of its first byte
         * gets a {@code 408} and the connection is closed. The proxy's own listener has its limits
         * on {@link NettyProxy.Builder}; {@code --keep-alive-timeout} is the proxy's only, as in
         * configurable-http-proxy.
         *
         * @param serviceTimeouts the limits; default {@link ListenerTimeouts#NODE_DEFAULTS} (5 s,
         *        60 s, 300 s), what configurable-http-proxy's API and metrics servers get from Node 20
         * @return this builder
         */
        public Builder serviceTimeouts(ListenerTimeouts serviceTimeouts) {
            this.serviceTimeouts = serviceTimeouts;
            return this;
        }

        /**
         * @param apiTls if not {@code null}, the REST API speaks HTTPS with this certificate, as
         *        {@code --api-ssl-key}/{@code --api-ssl-cert}; with
         *        {@link ListenerTls.ClientAuth#REQUIRE} only clients with a certificate signed by
         *        its {@link ListenerTls#clientCa() CA} connect ({@code --api-ssl-ca},
         *        {@code --api-ssl-request-cert}, {@code --api-ssl-reject-unauthorized}). Loaded
         *        once; not reloaded on change
         * @return this builder
         */
        public Builder apiTls(ListenerTls apiTls) {
            this.apiTls = apiTls;
            return this;
        }

        /**
         * @param proxy the proxy's configuration (listener, forwarding options, error pages, TLS)
         * @return this builder
         */
        public Builder proxy(NettyProxy.Builder proxy) {
            this.proxy = proxy;
            return this;
        }

        /**
         * @param defaultTarget if not {@code null}, the {@code /} route's target, stored as
         *        given and added once listening, as {@code --default-target}
         * @return this builder
         */
        public Builder defaultTarget(String defaultTarget) {
            this.defaultTarget = defaultTarget;
            return this;
        }

        /**
         * @param apiIp the API's address, as {@code --api-ip}; default {@code localhost}, empty
         *        for every interface
         * @return this builder
         */
        public Builder apiIp(String apiIp) {
            this.apiIp = apiIp;
            return this;
        }

        /**
         * @param apiPort the API's port, as {@code --api-port}; default -1: the proxy's port + 1
         *        (or any free port when the proxy's is 0); 0 for any free port
         * @return this builder
         */
        public Builder apiPort(int apiPort) {
            this.apiPort = apiPort;
            return this;
        }

        /**
         * Serves the API on a UNIX domain socket instead of {@link #apiIp}/{@link #apiPort}
         * (which are then ignored), as configurable-http-proxy's {@code --api-socket}. Needs
         * Netty's native epoll transport (Linux x86_64); {@link #build()} fails where it is not
         * available. The file must not exist at start; it is deleted on {@link #close()}. Then
         * {@link ChpCompatibleProxy#apiPort()} is -1.
         *
         * @param apiSocket the socket file, or {@code null} (the default) for IP and port
         * @return this builder
         */
        public Builder apiSocket(Path apiSocket) {
            this.apiSocket = apiSocket;
            return this;
        }

        /**
         * Serves Prometheus metrics at {@code /metrics} on a UNIX domain socket, as
         * configurable-http-proxy's {@code --metrics-socket}; replaces {@link #metrics(String, int)}.
         * Needs Netty's native epoll transport (Linux x86_64), and
         * {@code micrometer-registry-prometheus} on the class path. The file must not exist at
         * start; it is deleted on {@link #close()}.
         *
         * @param metricsSocket the socket file, or {@code null} (the default)
         * @return this builder
         */
        public Builder metricsSocket(Path metricsSocket) {
            this.metricsSocket = metricsSocket;
            return this;
        }

        /**
         * @param authToken the token API clients must send as {@code Authorization: token ...},
         *        as {@code CONFIGPROXY_AUTH_TOKEN}; {@code null} or empty leaves the API open
         *        (a warning is logged)
         * @return this builder
         */
        public Builder authToken(String authToken) {
            this.authToken = authToken;
            return this;
        }

        /**
         * Serves Prometheus metrics at {@code /metrics}, as {@code --metrics-ip/--metrics-port}.
         *
         * @param ip the address; empty for every interface
         * @param port the port; 0 for any free one
         * @return this builder
         */
        public Builder metrics(String ip, int port) {
            this.metricsIp = ip;
            this.metricsPort = port;
            return this;
        }

        /**
         * Listens for plain HTTP and redirects it to the HTTPS proxy, as {@code --redirect-port}
         * and {@code --redirect-to}. Needs {@link NettyProxy.Builder#tls}.
         *
         * @param port the plain-HTTP port; 0 for any free one
         * @param to the HTTPS port in the Location; -1 for the proxy's port
         * @return this builder
         */
        public Builder redirect(int port, int to) {
            this.redirectPort = port;
            this.redirectTo = to;
            return this;
        }

        /**
         * @return the proxy, not yet listening
         * @throws ConfigException listing every invalid field of this builder and the proxy's
         */
        public ChpCompatibleProxy build() {
            List<String> problems = new ArrayList<>();
            NettyProxy built = null;
            ProxyMetrics metrics = ProxyMetrics.NONE;
            if (metricsPort >= 0 || metricsSocket != null) {
                try {
                    metrics = new org.hubkit.proxy.netty.internal.PrometheusMetrics();
                } catch (LinkageError e) {
                    problems.add("metrics: needs io.micrometer:micrometer-registry-prometheus on the class path ("
                            + e + ")");
                }
            }
            if (proxy == null) {
                problems.add("proxy: must not be null");
            } else {
                try {
                    built = proxy.metrics(metrics).build();
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            if (apiIp == null) {
                problems.add("apiIp: must not be null (use \"\" for every interface)");
            }
            if (apiPort < -1 || apiPort > 65535) {
                problems.add("apiPort: must be between 0 and 65535, or -1 (got " + apiPort + ")");
            }
            if (metricsIp == null) {
                problems.add("metricsIp: must not be null (use \"\" for every interface)");
            }
            if (metricsPort < -1 || metricsPort > 65535) {
                problems.add("metricsPort: must be between 0 and 65535, or -1 (got " + metricsPort + ")");
            }
            if (redirectPort < -1 || redirectPort > 65535) {
                problems.add("redirectPort: must be between 0 and 65535, or -1 (got " + redirectPort + ")");
            }
            if (redirectPort >= 0 && built != null && !built.tls()) {
                problems.add("redirectPort: HTTPS redirection needs TLS certificates (proxy tls)");
            }
            if (redirectPort >= 0 && built != null && built.unixSocket().isPresent()) {
                problems.add("redirectPort: HTTPS redirection needs the proxy on a TCP port (it listens on a UNIX socket)");
            }
            String unixProblem = Transport.unixSocketsUnavailable();
            if (apiSocket != null && unixProblem != null) {
                problems.add("apiSocket: " + unixProblem);
            }
            if (metricsSocket != null && unixProblem != null) {
                problems.add("metricsSocket: " + unixProblem);
            }
            if (apiSocket != null && apiSocket.equals(metricsSocket)) {
                problems.add("metricsSocket: must differ from apiSocket (got '" + metricsSocket + "' for both)");
            }
            if (serviceTimeouts == null) {
                problems.add("serviceTimeouts: must not be null (ListenerTimeouts.NODE_DEFAULTS for Node's)");
            }
            if (defaultTarget != null && defaultTarget.isBlank()) {
                problems.add("defaultTarget: must not be blank");
            }
            TlsCertificates apiCertificates = null;
            if (apiTls != null) {
                try {
                    apiCertificates = TlsCertificates.load(NettyProxy.Builder.settings(apiTls), 0);
                } catch (IllegalArgumentException e) {
                    problems.add("apiTls: cannot load " + apiTls.certificateChain() + " and " + apiTls.privateKey()
                            + ": " + e.getMessage());
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new ChpCompatibleProxy(this, built, metrics, apiCertificates);
        }
    }
}
