package org.hubkit.core.internal;

import org.hubkit.core.Secrets;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.HubException;
import org.hubkit.api.HubListener;
import org.hubkit.api.Proxy;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.Spawner;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's state and lifecycle, composed of parts that each own one piece of state and state
 * their own locking rule: {@link Users} (the users map and the login pipeline), {@link Tokens}
 * (tokens, scopes, services), {@link Sessions} (login sessions), {@link OAuthProvider} (clients and
 * codes) and {@link ServerLifecycle} (spawn, stop, restore, poll). State lives in memory for speed
 * and is written through to the {@link Store} before it changes in memory.
 *
 * <p><b>Locking:</b> this class holds no state of its own beyond configuration and the shared
 * executors, and takes no monitor. The one lock order across parts: the users map's monitor (see
 * {@link Users}) before a server's (see {@link ServerLifecycle}), never after.
 * {@link #deleteUser} lives here because it spans parts: it stops the user's servers through the
 * lifecycle, then deletes the user and forgets what they own under the users map's monitor.
 */
public final class HubEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HubEngine.class);
    public static final Duration OAUTH_CODE_TTL = OAuthProvider.CODE_TTL;

    public final Settings settings;
    final Store store;
    final Spawner spawner;
    /** The first authenticator: it normalises names admins create; the API names it. */
    final Authenticator authenticator;
    final Logins logins;
    final Proxy proxy;
    final VolumePolicy volumes;
    final Users users;
    final Tokens tokens;
    final Sessions sessions;
    final OAuthProvider oauth;
    final ServerLifecycle servers;
    final AuthRefresher refresher;
    final RedirectStates redirectStates;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    final String cookieSecret;
    /** The hub's listeners, told of logins, spawns, stops, deaths and API requests. */
    public final HubEvents events;
    private volatile boolean cleanupOnClose;

    public HubEngine(Settings settings, Store store, Spawner spawner, Authenticator authenticator, Proxy proxy,
                     VolumePolicy volumes) {
        this(settings, store, spawner, authenticator, proxy, volumes, List.of());
    }

    public HubEngine(Settings settings, Store store, Spawner spawner, Authenticator authenticator, Proxy proxy,
                     VolumePolicy volumes, List<HubListener> listeners) {
        this(settings, store, spawner, new Logins(List.of(Logins.Login.of(authenticator, ""))), proxy, volumes, listeners);
    }

    public HubEngine(Settings settings, Store store, Spawner spawner, Logins logins, Proxy proxy,
                     VolumePolicy volumes, List<HubListener> listeners) {
        this.events = new HubEvents(listeners);
        this.settings = settings;
        this.store = store;
        this.spawner = spawner;
        this.logins = logins;
        this.authenticator = logins.primary().authenticator();
        this.proxy = proxy;
        this.volumes = volumes;
        this.workers = Executors.newCachedThreadPool(daemon("hubkit-worker"));
        // Two threads: a slow poll round must not delay progress keep-alives and deadlines.
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2, daemon("hubkit-scheduler"));
        timers.setRemoveOnCancelPolicy(true); // closed progress streams' deadlines do not linger in the queue
        this.scheduler = timers;
        this.users = new Users(store, logins, events, workers);
        this.tokens = new Tokens(store, users);
        this.sessions = new Sessions(settings, store, users, tokens);
        this.oauth = new OAuthProvider(settings, store, users, tokens);
        this.servers = new ServerLifecycle(settings, store, spawner, proxy, volumes, events, users, tokens, oauth, workers,
                scheduler);
        this.cookieSecret = store.secret("cookie_secret", Secrets::newToken);
        this.refresher = new AuthRefresher(logins, users, sessions, settings.authRefreshAge());
        this.redirectStates = new RedirectStates(cookieSecret);
        this.cleanupOnClose = settings.cleanupServers();
        if (!logins.allowsAnyone()) {
            LOG.warn("No allow rule is configured (no allowed users, no admin users, allowAll off): nobody can log in "
                    + "except users an admin adds");
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------ start-up

    /**
     * Loads state, registers services, starts the poll loop, and begins restoring the servers the
     * store says are running, without waiting for them: the API can answer at once, servers not
     * yet checked show as pending.
     *
     * @return completes when every server has been checked (restored, marked stopped, or left
     *         pending because its spawner could not tell)
     */
    public CompletableFuture<Void> start() {
        users.load();
        Map<Tokens.ServerKey, Long> serverTokens = tokens.load();
        oauth.load();
        tokens.registerServices(settings.services());
        List<Store.ServerRow> rows = store.loadServers();
        LOG.info("Loaded {} users, {} tokens, {} servers from the store", users.users.size(), tokens.tokensById.size(),
                rows.size());
        CompletableFuture<Void> restored = servers.start(rows, serverTokens);
        scheduler.scheduleWithFixedDelay(tokens::flushTokenActivity, 30, 30, TimeUnit.SECONDS);
        // Expired tokens, OAuth codes and sessions: purged once now, then every purgeInterval.
        new ExpiryPurge(store, tokens.tokensById, tokens.tokensByHash, sessions.sessionCache).startOn(scheduler,
                settings.purgeInterval());
        return restored;
    }

    /** @return whether closing the hub stops every server (cleanupServers, or the shutdown request's choice) */
    public boolean cleanupOnClose() {
        return cleanupOnClose;
    }

    /** @param cleanup the shutdown request's {@code servers} choice, overriding cleanupServers */
    public void cleanupOnClose(boolean cleanup) {
        this.cleanupOnClose = cleanup;
    }

    /** The engine's scheduler, for short timed tasks that must not block (keep-alives, deadlines). */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    // ------------------------------------------------------------------ users

    public UserState user(String name) {
        return users.user(name);
    }

    public Collection<UserState> users() {
        return users.users();
    }

    public Map<String, Service> services() {
        return tokens.services;
    }

    public UserState createUser(String name, boolean admin) {
        return users.createUser(name, admin);
    }

    public void setAdmin(UserState u, boolean admin) {
        users.setAdmin(u, admin);
    }

    public void setGroups(UserState u, Set<String> groups) {
        users.setGroups(u, groups);
    }

    public UserState renameUser(UserState u, String newName) {
        return users.renameUser(u, newName, tokens::reload);
    }

    /**
     * Stops the user's servers (cancelling pending spawns), then deletes the user with their
     * tokens and sessions. No spawn can begin for the user meanwhile.
     *
     * @return completes once the user is gone; exceptionally if a server could not be stopped
     */
    public CompletableFuture<Void> deleteUser(UserState u) {
        for (ServerState s : List.copyOf(u.servers.values())) {
            synchronized (s) {
                if (s.lingering != null) {
                    throw new BusyException("User " + u.name + "'s server " + s.id + " is still being cleaned up; try again later");
                }
            }
        }
        u.deleting = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ServerState s : List.copyOf(u.servers.values())) {
            if (s.active()) {
                try {
                    stops.add(servers.stop(u, s, false));
                } catch (RequestRefusedException raced) {
                    LOG.debug("Not stopping {}: {}", s.id, raced.getMessage());
                }
            }
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                .orTimeout(settings.startTimeout().toMillis() * 2 + 30_000, TimeUnit.MILLISECONDS)
                // On a worker: the spawner's deleteForever may take a while, and the stops may all be done already.
                .handleAsync((v, e) -> {
                    if (e != null || u.servers.values().stream().anyMatch(ServerState::active)) {
                        u.deleting = false;
                        throw new HubException("Could not stop " + u.name + "'s servers"
                                + (e == null ? "" : ": " + rootMessage(e)));
                    }
                    for (ServerState s : List.copyOf(u.servers.values())) {
                        servers.deleteForever(s, true);
                    }
                    users.delete(u, () -> {
                        tokens.forgetUser(u.name);
                        oauth.forgetUser(u.name);
                        sessions.forgetUser(u.name);
                    });
                    LOG.info("Deleted user {}", LogSafe.value(u.name));
                    return null;
                }, workers);
    }

    public CompletableFuture<Optional<UserState>> login(Credentials credentials) {
        return users.login(credentials);
    }

    public CompletableFuture<Optional<UserState>> login(Logins.Login login, java.util.concurrent.CompletionStage<org.hubkit.api.AuthResult> answer,
                                                        String shown) {
        return users.login(login, answer, shown);
    }

    public void touchUser(UserState u, Instant now) {
        users.touchUser(u, now);
    }

    public void recordActivity(UserState u, String serverName, Instant when) {
        users.recordActivity(u, serverName, when);
    }

    public Set<String> groupsOf(String user) {
        return users.groupsOf(user);
    }

    public Set<String> allGroups() {
        return users.allGroups();
    }

    // ------------------------------------------------------------------ tokens and scopes

    public String createToken(String user, String service, List<String> scopes, String note, Duration expiresIn, String kind,
                              String serverName, String oauthClient, String sessionId) {
        return tokens.createToken(user, service, scopes, note, expiresIn, kind, serverName, oauthClient, sessionId);
    }

    public TokenState tokenByHashOf(String token) {
        return tokens.tokenByHashOf(token);
    }

    public TokenState resolveToken(String token) {
        return tokens.resolveToken(token);
    }

    public TokenState tokenById(long id) {
        return tokens.tokenById(id);
    }

    public List<TokenState> tokensOf(String user) {
        return tokens.tokensOf(user);
    }

    public void deleteToken(TokenState t) {
        tokens.deleteToken(t);
    }

    public Set<String> ownerScopes(String user, String service) {
        return tokens.ownerScopes(user, service);
    }

    public Set<String> scopes(TokenState t) {
        return tokens.scopes(t);
    }

    // ------------------------------------------------------------------ sessions

    public String createSession(UserState u) {
        return sessions.createSession(u);
    }

    public Optional<Store.SessionRow> session(String id) {
        return sessions.session(id);
    }

    public void endSession(String id) {
        sessions.endSession(id);
    }

    // ------------------------------------------------------------------ OAuth provider

    public Store.ClientRow client(String id) {
        return oauth.client(id);
    }

    public String authorize(UserState user, Store.SessionRow session, Store.ClientRow client, String redirectUri) {
        return oauth.authorize(user, session, client, redirectUri);
    }

    public Map<String, Object> exchangeCode(String clientId, String clientSecret, String code, String redirectUri) {
        return oauth.exchangeCode(clientId, clientSecret, code, redirectUri);
    }

    // ------------------------------------------------------------------ servers

    public static String prefix(ServerId id) {
        return "/user/" + urlPath(id.user()) + "/" + (id.isDefault() ? "" : urlPath(id.serverName()) + "/");
    }

    static String urlPath(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public static String clientId(ServerId id) {
        return "jupyterhub-user-" + urlPath(id.user()) + (id.isDefault() ? "" : "-" + urlPath(id.serverName()));
    }

    public ServerState serverFor(UserState u, String serverName) {
        return servers.serverFor(u, serverName);
    }

    public long activeServers() {
        return servers.activeServers();
    }

    public int spawnsInFlight() {
        return servers.spawnsInFlight();
    }

    /** @return the spawner's options form as this user sees it, or {@link SpawnOptionsForm#NONE} */
    public SpawnOptionsForm optionsForm(UserState user) {
        return servers.optionsForm(user);
    }

    public CompletableFuture<Void> spawn(UserState user, String serverName, Map<String, Object> options) {
        if (!settings.refreshPreSpawn()) {
            return servers.spawn(user, serverName, options);
        }
        // refreshPreSpawn: the spawner gets the auth state as the authenticator has it now, or no spawn at all.
        return refresher.refresh(user).thenCompose(valid -> valid ? servers.spawn(user, serverName, options)
                : CompletableFuture.failedFuture(new NotPermittedException(
                        "Your login is no longer valid, so your server was not started: log in again")));
    }

    /** An authenticated request by {@code u}: refreshes their auth state in the background once it is older than authRefreshAge. */
    public void authenticated(UserState u) {
        refresher.refreshIfStale(u);
    }

    /** @return completes with whether the user is still valid once their auth state is no older than authRefreshAge */
    public CompletableFuture<Boolean> whenFresh(UserState u) {
        return refresher.whenFresh(u);
    }

    /** Ends every session of a user; @return how many */
    public int endUserSessions(String user) {
        return sessions.endUserSessions(user);
    }

    public CompletableFuture<Void> stop(UserState user, ServerState s, boolean remove) {
        return servers.stop(user, s, remove);
    }

    public void stopAll() {
        servers.stopAll();
    }

    public void pollAll() {
        servers.pollAll();
    }

    static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("Cleanup step failed: {}", LogSafe.value(e.getMessage(), 300));
        }
    }

    /** The current time at the store's precision (microseconds), so memory and store agree. */
    static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /** @return the exception inside a future's {@code CompletionException} or {@code ExecutionException} */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException
                || (t instanceof HubException && t.getCause() != null && t.getMessage() != null
                && t.getMessage().startsWith("Spawn failed"))) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() {
        servers.close();
        scheduler.shutdownNow();
        tokens.flushTokenActivity();
        // Not shutdownNow: an interrupted spawn would clean up half-way and forget a server that still
        // comes up. A spawn still running sees the hub closed and leaves its record for the next start.
        workers.shutdown();
    }
}
