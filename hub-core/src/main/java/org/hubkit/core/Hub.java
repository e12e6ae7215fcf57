package org.hubkit.core;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.api.Spawner;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.internal.ApiServlet;
import org.hubkit.core.internal.BodyReader;
import org.hubkit.core.internal.CryptKeeper;
import org.hubkit.core.internal.ErrorPages;
import org.hubkit.core.internal.HubEngine;
import org.hubkit.core.internal.PagesServlet;
import org.hubkit.core.internal.Settings;
import org.hubkit.core.internal.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running JupyterHub-compatible hub: the REST API, the OAuth2 provider for single-user
 * servers, the web pages and the spawn lifecycle, wired to the spawner, authenticator, proxy and
 * volume policy given to its {@link Builder}.
 *
 * <pre>{@code
 * NettyProxy proxy = NettyProxy.builder().ip("127.0.0.1").port(8000).build();
 * try (Hub hub = Hub.builder()
 *         .spawner(LocalProcessSpawner.builder().build())
 *         .authenticator(SharedPasswordAuthenticator.builder().password("a long shared password")
 *                 .accessRules(AccessRules.allowAllUsers()).build())
 *         .proxy(proxy)
 *         .publicUrl(URI.create("http://127.0.0.1:8000"))
 *         .build()) {
 *     hub.start();
 *     hub.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the hub and, as JupyterHub's {@code cleanup_servers}
 * does by default, every single-user server; with {@code cleanupServers(false)} servers keep
 * running and a hub started again on the same {@link Database} finds them.
 *
 * @since 0.1
 */
public final class Hub implements AutoCloseable {
    /** The Hubkit version. */
    public static final String VERSION = "0.1.0";
    private static final Logger LOG = LoggerFactory.getLogger(Hub.class);
    /** The largest request body the hub reads (JupyterHub's API bodies are small JSON objects). */
    private static final int MAX_BODY_BYTES = 1 << 20;
    /** How long a client may take to send a whole request body. */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(30);

    private Settings settings;
    private final Database database;
    private final Spawner spawner;
    private final Authenticator authenticator;
    private final Proxy proxy;
    private final VolumePolicy volumePolicy;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Store store;
    private HubEngine engine;
    private Server server;
    private volatile boolean closed;

    private Hub(Builder b, Settings settings) {
        this.settings = settings;
        this.database = b.database;
        this.spawner = b.spawner;
        this.authenticator = b.authenticator;
        this.proxy = b.proxy;
        this.volumePolicy = b.volumePolicy;
    }

    /** @return a builder; spawner, authenticator, proxy and public URL are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the store (migrating it), starts the HTTP server and the proxy, routes {@code /} to
     * the hub, restores the servers the store says are running, and starts polling.
     *
     * @return this hub
     * @throws HubException if any part cannot start; whatever started is closed again
     */
    public synchronized Hub start() {
        if (server != null) {
            throw new IllegalStateException("Hub already started");
        }
        try {
            QueuedThreadPool threads = new QueuedThreadPool(200, 8, 60_000);
            threads.setName("hubkit-http");
            threads.setDaemon(true);
            server = new Server(threads);
            // No "Server: Jetty(...)" header and no version on error pages.
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(settings.bindIp());
            connector.setPort(settings.port());
            server.addConnector(connector);
            connector.open();
            if (settings.hubConnectUrl() == null) {
                String host = settings.bindIp().equals("0.0.0.0") ? "127.0.0.1" : settings.bindIp();
                settings = settings.withHubConnectUrl(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host)
                        + ":" + connector.getLocalPort()));
            }
            database.prepareFiles(); // H2's directory and files private to the hub before anything is written
            store = new Store(database, settings.cryptKeeper());
            engine = new HubEngine(settings, store, spawner, authenticator, proxy, volumePolicy);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            // Bodies are read asynchronously before any servlet runs: a slow client holds no thread.
            FilterHolder bodies = new FilterHolder(new BodyReader(MAX_BODY_BYTES, BODY_TIMEOUT));
            bodies.setAsyncSupported(true);
            context.addFilter(bodies, "/*", EnumSet.of(DispatcherType.REQUEST));
            ServletHolder api = new ServletHolder(new ApiServlet(engine, this::close));
            api.setAsyncSupported(true);
            context.addServlet(api, "/hub/api/*");
            ServletHolder pages = new ServletHolder(new PagesServlet(engine));
            pages.setAsyncSupported(true);
            context.addServlet(pages, "/*");
            context.setErrorHandler(new ErrorPages.ContextErrors());
            server.setErrorHandler(new ErrorPages.ServerErrors());
            server.setHandler(context);
            server.setStopAtShutdown(false);
            // The port is bound already; requests wait in its backlog until state is loaded,
            // services are registered and running servers are restored.
            proxy.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            proxy.addRoute(Route.of("/", hubUrl(), Map.of("hub", true))).toCompletableFuture().get(30, TimeUnit.SECONDS);
            engine.start();
            server.start();
            LOG.info("Hub API listening on http://{}:{}/hub/", settings.bindIp(), port());
            LOG.info("Hubkit {} is running at {} (spawner {}, authenticator {})", VERSION, settings.publicUrl(), spawner.name(),
                    authenticator.name());
            return this;
        } catch (Exception e) {
            close();
            if (e instanceof HubException h) {
                throw h;
            }
            throw new HubException("Hub failed to start: " + HubEngine.rootMessage(e), e);
        }
    }

    private URI hubUrl() {
        return URI.create("http://" + (settings.bindIp().equals("0.0.0.0") ? "127.0.0.1" : settings.bindIp()) + ":" + port());
    }

    /** @return the port the hub's own HTTP server listens on (useful with port 0) */
    public int port() {
        return server == null ? settings.port() : ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** @return the public URL users reach the hub at, through the proxy */
    public URI publicUrl() {
        return settings.publicUrl();
    }

    /**
     * Creates an API token for a user (creating the user if needed) with the given scopes, as
     * {@code jupyterhub token} does.
     *
     * @param user the user name
     * @param admin whether a new user is an admin
     * @param note a note stored with the token
     * @return the token; shown once, stored hashed
     */
    public String createToken(String user, boolean admin, String note) {
        requireStarted();
        var u = engine.user(user) == null ? engine.createUser(user, admin) : engine.user(user);
        return engine.createToken(u.name(), null, List.of("inherit"), note, null, "api", null, null, null);
    }

    /** Runs one round of the server poll now (normally every {@code pollInterval}). */
    public void pollNow() {
        requireStarted();
        engine.pollAll();
    }

    private void requireStarted() {
        if (engine == null) {
            throw new IllegalStateException("Hub not started");
        }
    }

    /**
     * Blocks until {@link #close()} is called (for instance by {@code POST /hub/api/shutdown}).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops the HTTP server, the proxy and the store; with {@link Builder#cleanupServers} (the
     * default) every single-user server is stopped first, otherwise they keep running.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The HTTP server first: no request may start a spawn while the servers are being stopped.
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("Stopping the HTTP server failed: {}", e.getMessage());
            }
        }
        if (engine != null) {
            if (engine.cleanupOnClose()) {
                LOG.info("Hub stopping; stopping every single-user server first (cleanupServers)");
                engine.stopAll();
            } else {
                LOG.info("Hub stopping; single-user servers keep running");
            }
            engine.close();
        }
        try {
            proxy.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the proxy failed: {}", e.getMessage());
        }
        spawner.close();
        authenticator.close();
        if (store != null) {
            store.close();
        }
        stopped.countDown();
    }

    /**
     * Builds a {@link Hub}. Every setting has JupyterHub's default unless said otherwise;
     * {@link #build()} reports every problem at once in a {@link ConfigException}.
     */
    public static final class Builder {
        private Spawner spawner;
        private Authenticator authenticator;
        private Proxy proxy;
        private VolumePolicy volumePolicy;
        private Database database;
        private URI publicUrl;
        private URI hubConnectUrl;
        private String bindIp = "127.0.0.1";
        private int port = 8081;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration httpTimeout = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(30);
        private Duration slowSpawnTimeout = Duration.ofSeconds(10);
        private Duration cookieMaxAge = Duration.ofDays(14);
        private int concurrentSpawnLimit = 100;
        private int activeServerLimit = 0;
        private int apiPageDefaultLimit = Settings.DEFAULT_API_PAGE_DEFAULT_LIMIT;
        private int apiPageMaxLimit = Settings.DEFAULT_API_PAGE_MAX_LIMIT;
        private boolean allowNamedServers = true;
        private boolean cleanupServers = true;
        private final List<Service> services = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private List<byte[]> cryptKeys;

        private Builder() {
        }

        /** @param spawner starts single-user servers @return this */
        public Builder spawner(Spawner spawner) {
            this.spawner = spawner;
            return this;
        }

        /** @param authenticator checks logins @return this */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** @param proxy routes public traffic @return this */
        public Builder proxy(Proxy proxy) {
            this.proxy = proxy;
            return this;
        }

        /** @param policy how users' storage is mounted; default a directory per user under {@code ./hubkit-data/users} @return this */
        public Builder volumePolicy(VolumePolicy policy) {
            this.volumePolicy = policy;
            return this;
        }

        /** @param database where state lives; default H2 in {@code ./hubkit-data} @return this */
        public Builder database(Database database) {
            this.database = database;
            return this;
        }

        /** @param url the URL users reach the proxy at, e.g. {@code http://127.0.0.1:8000} @return this */
        public Builder publicUrl(URI url) {
            this.publicUrl = url;
            return this;
        }

        /** @param ip the address the hub's own HTTP server binds (default 127.0.0.1) @return this */
        public Builder bindIp(String ip) {
            this.bindIp = ip;
            return this;
        }

        /** @param port the hub's own HTTP port (default 8081; 0 picks a free port) @return this */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** @param url how single-user servers reach the hub's API; default {@code http://bindIp:port} @return this */
        public Builder hubConnectUrl(URI url) {
            this.hubConnectUrl = url;
            return this;
        }

        /** @param timeout how long a spawner may take to start a server (default 60 s) @return this */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** @param timeout how long a started server may take to answer HTTP (default 30 s) @return this */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = timeout;
            return this;
        }

        /** @param interval how often running servers are polled (default 30 s) @return this */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /** @param timeout how long a start request waits before answering "pending" (default 10 s) @return this */
        public Builder slowSpawnTimeout(Duration timeout) {
            this.slowSpawnTimeout = timeout;
            return this;
        }

        /** @param maxAge lifetime of the login cookie and OAuth tokens (default 14 days) @return this */
        public Builder cookieMaxAge(Duration maxAge) {
            this.cookieMaxAge = maxAge;
            return this;
        }

        /** @param limit spawns at once before answering 429 (default 100; 0 = no limit) @return this */
        public Builder concurrentSpawnLimit(int limit) {
            this.concurrentSpawnLimit = limit;
            return this;
        }

        /** @param limit running servers before answering 429 (default 0 = no limit) @return this */
        public Builder activeServerLimit(int limit) {
            this.activeServerLimit = limit;
            return this;
        }

        /**
         * How many items a page of a list endpoint ({@code GET /hub/api/users}, {@code /groups},
         * {@code /proxy}) holds when a client asks for pages ({@code Accept:
         * application/jupyterhub-pagination+json}) and gives no {@code limit}, as JupyterHub's
         * {@code api_page_default_limit}.
         *
         * @param limit at least 1 and at most {@link #apiPageMaxLimit}; default 50
         * @return this
         * @since 0.1
         */
        public Builder apiPageDefaultLimit(int limit) {
            this.apiPageDefaultLimit = limit;
            return this;
        }

        /**
         * The most items a page of a list endpoint holds, whatever {@code limit} a client asks for
         * (a larger one is cut to this), as JupyterHub's {@code api_page_max_limit}. Clients that do
         * not ask for pages get a page of this size: they see the first {@code limit} users, groups
         * or routes and no sign that there are more.
         *
         * @param limit at least 1; default 200
         * @return this
         * @since 0.1
         */
        public Builder apiPageMaxLimit(int limit) {
            this.apiPageMaxLimit = limit;
            return this;
        }

        /** @param allow whether users may start named servers (default true) @return this */
        public Builder allowNamedServers(boolean allow) {
            this.allowNamedServers = allow;
            return this;
        }

        /**
         * @param cleanup whether {@link Hub#close()} stops every single-user server first (default
         *        true, as JupyterHub's {@code cleanup_servers}); with false, servers keep running and
         *        a hub started again on the same database finds them
         * @return this
         */
        public Builder cleanupServers(boolean cleanup) {
            this.cleanupServers = cleanup;
            return this;
        }

        /** @param service a service with an API token @return this */
        public Builder addService(Service service) {
            this.services.add(Objects.requireNonNull(service));
            return this;
        }

        /** @param name an environment variable every server gets @param value its value @return this */
        public Builder environment(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        /**
         * Keys that encrypt users' auth state in the database (AES-256-GCM), as JupyterHub's
         * {@code JUPYTERHUB_CRYPT_KEY} does: each exactly 32 bytes ({@code openssl rand -hex 32}).
         * The first encrypts, every one decrypts. To rotate, put the new key first: values under
         * an older key are encrypted again with it when the hub starts and whenever they are
         * written, so the old key can be removed after one restart.
         *
         * <p>Without this call the keys come from the environment variable
         * {@code HUBKIT_CRYPT_KEY} ({@code ;}-separated, each 64 hex characters or base64);
         * after it, even with an empty list, the variable is ignored. With no key, auth state is
         * never stored: it is kept in memory until the hub stops, and users get it again at their
         * next login. Keys never appear in logs or messages.
         *
         * @param keys the keys, the encrypting one first; copied
         * @return this
         * @since 0.1
         */
        public Builder cryptKeys(List<byte[]> keys) {
            this.cryptKeys = keys == null ? null : keys.stream().map(k -> k == null ? null : k.clone()).toList();
            return this;
        }

        /** @return the hub, not yet started @throws ConfigException listing every problem */
        public Hub build() {
            List<String> problems = new ArrayList<>();
            if (spawner == null) {
                problems.add("spawner: required");
            }
            if (authenticator == null) {
                problems.add("authenticator: required");
            }
            if (proxy == null) {
                problems.add("proxy: required");
            }
            if (publicUrl == null || publicUrl.getScheme() == null || publicUrl.getHost() == null
                    || !(publicUrl.getScheme().equals("http") || publicUrl.getScheme().equals("https"))) {
                problems.add("publicUrl: required, an http or https URL, got " + publicUrl);
            }
            if (port < 0 || port > 65535) {
                problems.add("port: must be 0-65535, got " + port);
            }
            if (bindIp == null || bindIp.isBlank()) {
                problems.add("bindIp: required");
            }
            checkPositive(problems, "startTimeout", startTimeout);
            checkPositive(problems, "httpTimeout", httpTimeout);
            checkPositive(problems, "pollInterval", pollInterval);
            checkPositive(problems, "slowSpawnTimeout", slowSpawnTimeout);
            checkPositive(problems, "cookieMaxAge", cookieMaxAge);
            if (concurrentSpawnLimit < 0) {
                problems.add("concurrentSpawnLimit: must be >= 0, got " + concurrentSpawnLimit);
            }
            if (activeServerLimit < 0) {
                problems.add("activeServerLimit: must be >= 0, got " + activeServerLimit);
            }
            if (apiPageMaxLimit < 1) {
                problems.add("apiPageMaxLimit: must be >= 1, got " + apiPageMaxLimit);
            }
            if (apiPageDefaultLimit < 1 || (apiPageMaxLimit >= 1 && apiPageDefaultLimit > apiPageMaxLimit)) {
                problems.add("apiPageDefaultLimit: must be between 1 and apiPageMaxLimit (" + apiPageMaxLimit + "), got "
                        + apiPageDefaultLimit);
            }
            if (services.stream().map(Service::name).distinct().count() != services.size()) {
                problems.add("services: names must be unique");
            }
            CryptKeeper crypt = CryptKeeper.resolve(cryptKeys, System::getenv, problems);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            if (database == null) {
                database = Database.h2(Path.of("hubkit-data"));
            }
            if (volumePolicy == null) {
                volumePolicy = VolumePolicy.perUserDirectory(Path.of("hubkit-data", "users"), "/home/jovyan/work");
            }
            Settings settings = new Settings(publicUrl, bindIp, port, hubConnectUrl, startTimeout, httpTimeout, pollInterval,
                    slowSpawnTimeout, concurrentSpawnLimit, activeServerLimit, cookieMaxAge, List.copyOf(services),
                    Map.copyOf(environment), allowNamedServers, "https".equals(publicUrl.getScheme()), cleanupServers, crypt,
                    Settings.DEFAULT_PURGE_INTERVAL, apiPageDefaultLimit, apiPageMaxLimit);
            return new Hub(this, settings);
        }

        private static void checkPositive(List<String> problems, String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                problems.add(name + ": must be a positive duration, got " + d);
            }
        }
    }

}
