package org.hubkit.core;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
import org.hubkit.api.HubListener;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.api.Spawner;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.internal.ActiveHubElection;
import org.hubkit.core.internal.ApiRequestEvents;
import org.hubkit.core.internal.ApiServlet;
import org.hubkit.core.internal.BodyReader;
import org.hubkit.core.internal.CryptKeeper;
import org.hubkit.core.internal.DatabaseSetup;
import org.hubkit.core.internal.ErrorPages;
import org.hubkit.core.internal.HubEngine;
import org.hubkit.core.internal.Logins;
import org.hubkit.core.internal.PagesServlet;
import org.hubkit.core.internal.Settings;
import org.hubkit.core.internal.StandbyGate;
import org.hubkit.core.internal.Versions;
import org.hubkit.core.internal.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running JupyterHub-compatible hub: the REST API, the OAuth2 provider for single-user
 * servers, the web pages and the spawn lifecycle, wired to the spawner, authenticator, proxy and
 * volume policy given to its {@link Builder}.
 *
 * <p>The README's program, whose lines these are, is compiled and run by
 * {@code examples/sdk-consumer}; a test checks that this example is part of it:
 * <pre>{@code
 * Hub hub = Hub.builder()
 *         .spawner(LocalProcessSpawner.builder().build())             // jupyterhub-singleuser per user
 *         .authenticator(SharedPasswordAuthenticator.builder()
 *                 .password(password)
 *                 .accessRules(AccessRules.allow(Set.of("alice", "bob")))
 *                 .build())
 *         .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
 *         .database(Database.h2(dataDir))                             // also homes in dataDir/users, logs in dataDir/logs
 *         .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
 *         .port(0)                                                    // the hub's own API port; 8081 by default
 *         .build();
 * Runtime.getRuntime().addShutdownHook(new Thread(hub::close));      // Ctrl-C or SIGTERM: stop the hub and its servers
 * hub.start();
 * hub.awaitShutdown();                                                // the hub's threads are daemons: keep main alive
 * }</pre>
 *
 * <p><b>Files.</b> The hub keeps its files in one {@linkplain Builder#dataDirectory data
 * directory}: the H2 database (unless {@link Builder#database} names another), users' homes in
 * {@code users/} (unless {@link Builder#volumePolicy} says otherwise) and, with a
 * {@link LocalProcessSpawner} built without a log directory, server logs in {@code logs/}. By
 * default it is the directory of the H2 database given to {@link Builder#database}, else
 * {@code ./hubkit-data}.
 *
 * <p>Thread-safe. {@link #close()} stops the hub and, as JupyterHub's {@code cleanup_servers}
 * does by default, every single-user server; with {@code cleanupServers(false)} servers keep
 * running and a hub started again on the same {@link Database} finds them.
 *
 * <p><b>One active hub per database.</b> Tokens, sessions, spawn locks and routes live in the
 * active hub's memory, so two hubs on one database would split them. A hub started on a database
 * that another hub (in any process, on any machine) is active on waits as a <em>standby</em>: its
 * HTTP port answers 503 ({@code {"status": "standby"}} on {@code /hub/api/...} and
 * {@code /hub/health}), and it loads nothing, starts no proxy and polls nothing. Every
 * {@link Builder#standbyPollInterval standbyPollInterval} it tries again; when the active hub's
 * process dies (or it is closed), the standby takes over: it loads the store, restores the
 * running servers (re-adding their routes to its proxy) and starts polling, as a hub restarted on
 * the database would. The log says which role a hub has, and a standby names the active hub.
 * On PostgreSQL the lock is a session-level advisory lock on a connection of its own; on an
 * embedded H2 file it is H2's own file lock. An active hub that finds another one holding the lock
 * (after losing its database connection for long enough) closes itself and leaves every
 * single-user server running for the new one.
 *
 * @since 0.1
 */
public final class Hub implements AutoCloseable {
    /** The Hubkit version. */
    public static final String VERSION = Versions.HUBKIT;
    private static final Logger LOG = LoggerFactory.getLogger(Hub.class);
    /** The largest API request body the hub reads (JupyterHub's API bodies are small JSON objects). */
    private static final int MAX_BODY_BYTES = 1 << 20;
    /** The largest page form body (login, spawn): sent before login, so small. */
    private static final int MAX_FORM_BYTES = 64 << 10;
    /** The most bytes of request bodies the hub holds at once, all requests together. */
    private static final long MAX_BUFFERED_BODY_BYTES = 64L << 20;
    /** How long a client may take to send a whole request body. */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(30);

    private Settings settings;
    private final Database database;
    private final Spawner spawner;
    private final Authenticator authenticator;
    private final Logins logins;
    private final Proxy proxy;
    private final VolumePolicy volumePolicy;
    private final List<HubListener> listeners;
    private final Path dataDirectory;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Duration standbyPollInterval;
    private final CompletableFuture<Hub> active = new CompletableFuture<>();
    private Store store;
    private volatile HubEngine engine;
    private Server server;
    private StandbyGate gate;
    private ActiveHubElection election;
    private volatile boolean closed;
    private volatile CompletableFuture<Void> restored = new CompletableFuture<>();

    private Hub(Builder b, Settings settings, Path dataDirectory, Database database, VolumePolicy volumePolicy) {
        this.settings = settings;
        this.dataDirectory = dataDirectory;
        this.standbyPollInterval = b.standbyPollInterval;
        this.database = database;
        this.spawner = b.spawner;
        this.logins = new Logins(b.logins());
        this.authenticator = logins.primary().authenticator();
        this.proxy = b.proxy;
        this.volumePolicy = volumePolicy;
        this.listeners = List.copyOf(b.listeners);
    }

    /** @return a builder; spawner, authenticator, proxy and public URL are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the API port on the addresses the spawner's servers reach the hub at
     * ({@link Spawner#hubListenAddresses}: a Docker network's gateway), unless the hub already
     * listens on every address.
     */
    private void listenForServers(HttpConfiguration http, int port) throws Exception {
        String bind = settings.bindIp();
        if (bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]")) {
            return;
        }
        List<String> extra;
        try {
            extra = spawner.hubListenAddresses();
        } catch (RuntimeException e) {
            throw new HubException("The spawner could not say where its servers reach the hub: " + e.getMessage(), e);
        }
        for (String address : new java.util.LinkedHashSet<>(extra == null ? List.<String>of() : extra)) {
            if (address.equals(bind)) {
                continue;
            }
            ServerConnector more = new ServerConnector(server, new HttpConnectionFactory(http));
            more.setHost(address);
            more.setPort(port);
            server.addConnector(more);
            try {
                more.open();
            } catch (java.io.IOException e) {
                throw new HubException("Cannot listen on " + address + ":" + port + ", where " + spawner.name()
                        + "'s servers reach the hub: " + e.getMessage(), e);
            }
            LOG.info("Hub API also listening on http://{}:{}/hub/ for {}'s servers", address, port, spawner.name());
        }
    }

    /**
     * Starts the hub as the active one on its database or, while another hub is active there, as
     * a standby, and returns once it is one or the other ({@link #isActive()} says which).
     *
     * <p>Active: opens the store (migrating it), starts the HTTP server and the proxy, routes
     * {@code /} to the hub, restores the servers the store says are running, and starts polling.
     * Standby: starts only the HTTP server, which answers 503; the hub takes over, doing all of the
     * above on its own thread, once the active hub is gone ({@link #whenActive()}).
     *
     * @return this hub
     * @throws HubException if any part cannot start (the database cannot be reached, for one);
     *         whatever started is closed again
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
            listenForServers(http, connector.getLocalPort());
            if (settings.hubConnectUrl() == null) {
                String host = settings.bindIp().equals("0.0.0.0") ? "127.0.0.1" : settings.bindIp();
                settings = settings.withHubConnectUrl(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host)
                        + ":" + connector.getLocalPort()));
            }
            DatabaseSetup.prepareFiles(database); // H2's directory and files private to the hub before anything is written
            // One active hub per database: the others answer 503 from the gate and wait for the lock.
            gate = new StandbyGate(standbyPollInterval);
            server.setHandler(gate);
            server.setErrorHandler(new ErrorPages.ServerErrors());
            server.setStopAtShutdown(false);
            election = new ActiveHubElection(DatabaseSetup.activeHubLock(database), standbyPollInterval, settings.hubConnectUrl());
            if (election.tryAcquire()) {
                activate();
                server.start();
                logRunning();
            } else {
                server.start();
                LOG.info("Hub API listening on http://{}:{}/hub/ as a standby: it answers 503 until it takes over",
                        settings.bindIp(), port());
            }
            election.run(this::takeOver, this::stepDown);
            return this;
        } catch (Exception e) {
            close();
            if (e instanceof HubException h) {
                throw h;
            }
            throw new HubException("Hub failed to start: " + HubEngine.rootMessage(e), e);
        }
    }

    /**
     * Becomes the active hub: opens the store, builds the engine and the hub's handlers, starts
     * the proxy, restores running servers and starts polling, then opens the gate. At start-up the
     * port is bound but the server not started yet, so requests wait in its backlog; at a takeover
     * they are answered 503 "starting" meanwhile. Called with this hub's monitor held.
     */
    private void activate() throws Exception {
        store = new Store(database, settings.cryptKeeper());
        election.announce();
        engine = new HubEngine(settings, store, spawner, logins, proxy, volumePolicy, listeners);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        // First, so that it sees every API request to its end, asynchronous ones included.
        FilterHolder apiEvents = new FilterHolder(new ApiRequestEvents(engine.events));
        apiEvents.setAsyncSupported(true);
        context.addFilter(apiEvents, "/hub/api/*", EnumSet.of(DispatcherType.REQUEST));
        // Bodies are read asynchronously before any servlet runs: a slow client holds no thread,
        // and only the requests that take one, within limits, so bodies hold bounded memory.
        FilterHolder bodies = new FilterHolder(new BodyReader(MAX_BODY_BYTES, MAX_FORM_BYTES, MAX_BUFFERED_BODY_BYTES,
                BODY_TIMEOUT));
        bodies.setAsyncSupported(true);
        context.addFilter(bodies, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder api = new ServletHolder(new ApiServlet(engine, this::close));
        api.setAsyncSupported(true);
        context.addServlet(api, "/hub/api/*");
        ServletHolder pages = new ServletHolder(new PagesServlet(engine));
        pages.setAsyncSupported(true);
        context.addServlet(pages, "/*");
        context.setErrorHandler(new ErrorPages.ContextErrors());
        proxy.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        proxy.addRoute(Route.of("/", hubUrl(), Map.of("hub", true))).toCompletableFuture().get(30, TimeUnit.SECONDS);
        // The API answers while the servers that were running are checked; they show as pending meanwhile.
        restored = engine.start();
        gate.open(context);
        active.complete(this);
    }

    private void logRunning() {
        LOG.info("Hub API listening on http://{}:{}/hub/", settings.bindIp(), port());
        LOG.info("Hubkit {} is running at {} (spawner {}, authenticator {})", VERSION, settings.publicUrl(), spawner.name(),
                logins.names());
    }

    /** The standby's takeover, on the election's thread once the lock is this hub's. */
    private void takeOver() {
        long begin = System.nanoTime();
        synchronized (this) {
            if (closed) {
                return;
            }
            gate.starting();
            try {
                activate();
            } catch (Exception e) {
                LOG.error("Hub could not take over as the active hub: {}; it stops, leaving every single-user server running",
                        HubEngine.rootMessage(e), e);
                active.completeExceptionally(e instanceof HubException ? e
                        : new HubException("Taking over failed: " + HubEngine.rootMessage(e), e));
                if (engine != null) {
                    engine.cleanupOnClose(false);
                }
                close();
                return;
            }
        }
        LOG.info("Hub took over as the active hub in {} ms", (System.nanoTime() - begin) / 1_000_000);
        logRunning();
    }

    /** Another hub holds the lock now: stop without touching its servers (on a thread of its own: closing ends the election). */
    private void stepDown() {
        Thread t = new Thread(() -> {
            synchronized (this) {
                HubEngine e = engine;
                if (e != null) {
                    e.cleanupOnClose(false);
                }
                close();
            }
        }, "hubkit-step-down");
        t.start();
    }

    /**
     * @return whether this hub is the active one on its database, serving its API and routes;
     *         false while it stands by, while it is taking over, and once closed
     * @since 0.1
     */
    public boolean isActive() {
        return active.isDone() && !active.isCompletedExceptionally() && !closed;
    }

    /**
     * Completes with this hub when it is the active one: at once if it was when {@link #start()}
     * returned, otherwise once it has taken over (state loaded, servers restored, polling). Completes
     * exceptionally with a {@link HubException} if the hub is closed first or its takeover fails.
     * Dependent actions given without an executor run on the thread that completes it (the caller
     * of {@code start()}, or the hub's election thread): they must not block.
     *
     * @return the stage
     * @since 0.1
     */
    public CompletionStage<Hub> whenActive() {
        return active.minimalCompletionStage();
    }

    private URI hubUrl() {
        return URI.create("http://" + (settings.bindIp().equals("0.0.0.0") ? "127.0.0.1" : settings.bindIp()) + ":" + port());
    }

    /**
     * When every server the store said was running has been checked after {@link #start()} (or a
     * standby's takeover): restored with its route, marked stopped, or left pending because its
     * spawner could not tell (checked again at the next poll). The API answers before that.
     *
     * @return completes once the check is done; never completes for a hub that never becomes active
     * @since 0.2
     */
    public CompletionStage<Void> whenRestored() {
        return active.thenCompose(h -> restored);
    }

    /** @return the port the hub's own HTTP server listens on (useful with port 0) */
    public int port() {
        return server == null ? settings.port() : ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /**
     * @return the directory the hub keeps its files in (absolute): see {@link Builder#dataDirectory}
     * @since 0.1
     */
    public Path dataDirectory() {
        return dataDirectory;
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
     * @throws IllegalStateException if the hub is not started, or stands by
     */
    public String createToken(String user, boolean admin, String note) {
        requireStarted();
        var u = engine.user(user) == null ? engine.createUser(user, admin) : engine.user(user);
        return engine.createToken(u.name(), null, List.of("inherit"), note, null, "api", null, null, null);
    }

    /**
     * Runs one round of the server poll now (normally every {@code pollInterval}).
     *
     * @throws IllegalStateException if the hub is not started, or stands by
     */
    public void pollNow() {
        requireStarted();
        engine.pollAll();
    }

    private void requireStarted() {
        if (engine == null) {
            throw new IllegalStateException(election != null && !closed
                    ? "Hub is a standby: another hub is active on its database" : "Hub not started");
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
        for (Logins.Login l : logins.all()) {
            l.authenticator().close();
        }
        if (store != null) {
            store.close();
        }
        // Last: nothing of this hub acts on the database once a standby can take over.
        if (election != null) {
            election.close();
        }
        active.completeExceptionally(new HubException("Hub closed before it became active"));
        stopped.countDown();
    }

    /**
     * Builds a {@link Hub}. Every setting has JupyterHub's default unless said otherwise;
     * {@link #build()} reports every problem at once in a {@link ConfigException}.
     */
    public static final class Builder {
        private static final Path DEFAULT_DATA_DIRECTORY = Path.of("hubkit-data");
        private Spawner spawner;
        private final List<Logins.Login> authenticators = new ArrayList<>();
        private Proxy proxy;
        private VolumePolicy volumePolicy;
        private Database database;
        private Path dataDirectory;
        private URI publicUrl;
        private URI hubConnectUrl;
        private String bindIp = "127.0.0.1";
        private int port = 8081;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration httpTimeout = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(30);
        private Duration slowSpawnTimeout = Duration.ofSeconds(10);
        private Duration cookieMaxAge = Duration.ofDays(14);
        private Duration standbyPollInterval = Duration.ofSeconds(3);
        private int concurrentSpawnLimit = 100;
        private int activeServerLimit = 0;
        private int apiPageDefaultLimit = Settings.DEFAULT_API_PAGE_DEFAULT_LIMIT;
        private int apiPageMaxLimit = Settings.DEFAULT_API_PAGE_MAX_LIMIT;
        private boolean allowNamedServers = false;
        private boolean cleanupServers = true;
        private Duration authRefreshAge = Settings.DEFAULT_AUTH_REFRESH_AGE;
        private boolean refreshPreSpawn = false;
        private final Map<String, String> authStateEnvironment = new LinkedHashMap<>();
        private final List<Service> services = new ArrayList<>();
        private final List<HubListener> listeners = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private List<byte[]> cryptKeys;

        private Builder() {
        }

        /** @param spawner starts single-user servers @return this */
        public Builder spawner(Spawner spawner) {
            this.spawner = spawner;
            return this;
        }

        /**
         * Sets the hub's only authenticator, replacing any given before.
         *
         * @param authenticator checks logins
         * @return this
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticators.clear();
            if (authenticator != null) {
                this.authenticators.add(Logins.Login.of(authenticator, ""));
            }
            return this;
        }

        /**
         * Adds one of several authenticators: the login page shows a button for each
         * {@linkplain Authenticator#redirectLogin() redirect login} and the password form for the
         * one (at most) that {@linkplain Authenticator#acceptsPasswords() takes passwords}. Each
         * needs its own {@link Authenticator#id()}. A user belongs to the authenticator they first
         * logged in with (recorded in the store): a login under the same name through another one
         * is refused (and logged), unless the owner is no longer configured. With a single
         * authenticator every user is its own, so replacing it keeps the users. The first
         * authenticator normalises the names of users an admin creates.
         *
         * @param authenticator checks logins
         * @return this
         * @since 0.3
         */
        public Builder addAuthenticator(Authenticator authenticator) {
            return addAuthenticator(authenticator, "");
        }

        /**
         * Adds one of several authenticators whose users' names all start with a prefix
         * ({@code github-}), so that names from two logins never meet. The authenticator's own
         * access rules name users without it.
         *
         * @param authenticator checks logins
         * @param usernamePrefix put before every name it logs in; no {@code /}
         * @return this
         * @since 0.3
         */
        public Builder addAuthenticator(Authenticator authenticator, String usernamePrefix) {
            this.authenticators.add(Logins.Login.of(Objects.requireNonNull(authenticator, "authenticator"),
                    Objects.requireNonNull(usernamePrefix, "usernamePrefix")));
            return this;
        }

        /**
         * How old a user's auth state may get before an authenticated request (a page, an API
         * call) makes the hub ask the authenticator to {@linkplain Authenticator#refresh refresh}
         * it, as JupyterHub's {@code auth_refresh_age}. The request goes on meanwhile; a refusal
         * ends the user's sessions. {@code GET /hub/api/user} waits for a refresh that is due, so a
         * server reading its user's tokens there gets current ones. Zero turns it off.
         *
         * @param age default 300 seconds
         * @return this
         * @since 0.3
         */
        public Builder authRefreshAge(Duration age) {
            this.authRefreshAge = age;
            return this;
        }

        /**
         * Whether every spawn first refreshes the user's auth state and waits for it, as
         * JupyterHub's {@code refresh_pre_spawn}: a refusal fails the spawn ("log in again").
         *
         * @param refresh default {@code false}
         * @return this
         * @since 0.3
         */
        public Builder refreshPreSpawn(boolean refresh) {
            this.refreshPreSpawn = refresh;
            return this;
        }

        /**
         * Passes a value of the user's auth state into every server's environment, as JupyterHub's
         * {@code Spawner.auth_state_hook} is used for: an access token for a data service, for one
         * ({@code authStateEnvironment("ACCESS_TOKEN", "access_token")}). The value at the key, or
         * dotted path ({@code user.email}), when it is a string, number or boolean; left out when
         * absent. Never logged. Needs the state: with a crypt key it survives restarts.
         *
         * @param variable the environment variable
         * @param path a key or dotted path in the auth state
         * @return this
         * @since 0.3
         */
        public Builder authStateEnvironment(String variable, String path) {
            this.authStateEnvironment.put(Objects.requireNonNull(variable, "variable"), Objects.requireNonNull(path, "path"));
            return this;
        }

        List<Logins.Login> logins() {
            return authenticators;
        }

        /** @param proxy routes public traffic @return this */
        public Builder proxy(Proxy proxy) {
            this.proxy = proxy;
            return this;
        }

        /**
         * @param policy how users' storage is mounted; default a directory per user under
         *        {@code users/} of the {@link #dataDirectory}, mounted at {@code /home/jovyan/work}
         * @return this
         */
        public Builder volumePolicy(VolumePolicy policy) {
            this.volumePolicy = policy;
            return this;
        }

        /**
         * @param database where state lives; default H2 in the {@link #dataDirectory}. An H2
         *        database in a directory ({@link Database#h2}) also makes that directory the
         *        data directory unless {@link #dataDirectory} is set.
         * @return this
         */
        public Builder database(Database database) {
            this.database = database;
            return this;
        }

        /**
         * The directory everything the hub writes to disk defaults to: the H2 database
         * ({@code hubkit.mv.db}) when no {@link #database} is set, users' homes ({@code users/},
         * when no {@link #volumePolicy} is set) and the logs of a {@link LocalProcessSpawner}
         * built without {@link LocalProcessSpawner.Builder#logDirectory} ({@code logs/}).
         *
         * <p>Default: the directory of an H2 {@link #database} ({@code Database.h2(dir)} makes
         * it {@code dir}), else {@code ./hubkit-data} in the working directory. Set it when the
         * state lives in PostgreSQL and the files should go elsewhere.
         *
         * @param directory the data directory; relative paths resolve against the working directory
         * @return this
         * @since 0.1
         */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
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

        /**
         * @param interval how often a standby hub tries to take over from the active hub on its
         *        database, and the active hub checks that it still is (default 3 s); a takeover
         *        starts at most this long after the active hub died
         * @return this
         * @since 0.1
         */
        public Builder standbyPollInterval(Duration interval) {
            this.standbyPollInterval = interval;
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

        /**
         * @param allow whether users may start named servers, besides their default one (default
         *        false, as JupyterHub's {@code allow_named_servers}); when false, starting one
         *        answers 400
         * @return this
         */
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

        /**
         * @param listener told of logins, spawns, stops, servers found dead and API requests (for
         *        metrics, audit logs, an idle culler); called on hub threads, must not block
         * @return this
         */
        public Builder listener(HubListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
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
            if (authenticators.isEmpty()) {
                problems.add("authenticator: required");
            } else {
                problems.addAll(Logins.problems(authenticators));
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
            checkPositive(problems, "standbyPollInterval", standbyPollInterval);
            if (authRefreshAge == null || authRefreshAge.isNegative()) {
                problems.add("authRefreshAge: must be zero (no refresh by age) or a positive duration, got " + authRefreshAge);
            }
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
            Path dataDir = (dataDirectory != null ? dataDirectory
                    : database != null ? database.h2File().map(Path::getParent).orElse(DEFAULT_DATA_DIRECTORY)
                    : DEFAULT_DATA_DIRECTORY).toAbsolutePath().normalize();
            Database db = database != null ? database : Database.h2(dataDir);
            VolumePolicy volumes = volumePolicy != null ? volumePolicy
                    : VolumePolicy.perUserDirectory(dataDir.resolve("users"), "/home/jovyan/work");
            if (spawner instanceof LocalProcessSpawner local) {
                local.useHubDataDirectory(dataDir);
            }
            Settings settings = new Settings(publicUrl, bindIp, port, hubConnectUrl, startTimeout, httpTimeout, pollInterval,
                    slowSpawnTimeout, concurrentSpawnLimit, activeServerLimit, cookieMaxAge, List.copyOf(services),
                    Map.copyOf(environment), allowNamedServers, "https".equals(publicUrl.getScheme()), cleanupServers, crypt,
                    Settings.DEFAULT_PURGE_INTERVAL, apiPageDefaultLimit, apiPageMaxLimit, authRefreshAge, refreshPreSpawn,
                    Map.copyOf(authStateEnvironment));
            return new Hub(this, settings, dataDir, db, volumes);
        }

        private static void checkPositive(List<String> problems, String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                problems.add(name + ": must be a positive duration, got " + d);
            }
        }
    }

}
