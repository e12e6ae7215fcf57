package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.hubkit.core.internal.HubEngine.clientId;
import static org.hubkit.core.internal.HubEngine.daemon;
import static org.hubkit.core.internal.HubEngine.now;
import static org.hubkit.core.internal.HubEngine.prefix;
import static org.hubkit.core.internal.HubEngine.rootMessage;
import static org.hubkit.core.internal.HubEngine.safely;
import static org.hubkit.core.internal.HubEngine.urlPath;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hubkit.api.HubException;
import org.hubkit.api.InvalidOptionsException;
import org.hubkit.api.Mount;
import org.hubkit.api.PollResult;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.hubkit.api.VolumePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.hubkit.core.internal.Tokens.ServerKey;

/**
 * The lifecycle of servers: spawn, stop, cancel, remove, the restore of servers running when the
 * hub stopped, the periodic poll, the readiness check and the spawn's environment, and stopping
 * them all. It owns the hub-wide active-server and concurrent-spawn counts.
 *
 * <p><b>Locking discipline</b> (one rule, so no lock-order deadlock can form):
 * <ul>
 *   <li>Each {@link ServerState}'s monitor guards that server's fields and is a leaf: while holding
 *       it, code takes no other server's monitor, calls no spawner, proxy or store method and
 *       waits for nothing. The monitor of the users map (creating, renaming, deleting users, see
 *       {@link Users}) is taken before a server's, never after.</li>
 *   <li>Hub-wide counts are atomics, never sums over servers under a lock: the active-server count
 *       is kept by {@link ServerState#transition} on every change, the concurrent-spawn count by
 *       {@link #spawn} and the end of each spawn. Limits are checked and reserved with
 *       compare-and-set, so two spawns can never both take the last place.</li>
 *   <li>Slow work (spawner calls, readiness checks, store writes, proxy updates) runs on worker
 *       threads without any monitor held; its results are applied afterwards under the server's
 *       monitor, re-checking that the server is still in the state the work began from.</li>
 *   <li>One lifecycle operation per server at a time. A spawn (pending spawn, then pending stop while
 *       it cleans up), a stop or a poll that found the server dead (pending stop, with its
 *       {@code stopping} future), and a restore check ({@code check} future) each hold the server
 *       from their first transition to their last; another request waits for that future or is
 *       refused. Each operation does its store, proxy and token cleanup before the transition that
 *       releases the server, so nothing of it can touch the next spawn's route, client or row.</li>
 *   <li>A spawn attempt's own monitor (for its {@code saveState} writes) may be taken before a
 *       server's, never after.</li>
 * </ul>
 */
final class ServerLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(ServerLifecycle.class);
    private static final int RESTORE_PARALLELISM = 16;

    private final Settings settings;
    private final Store store;
    private final Spawner spawner;
    private final Proxy proxy;
    private final VolumePolicy volumes;
    private final HubEvents events;
    private final Users users;
    private final Tokens tokens;
    private final OAuthProvider oauth;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http;
    private final AtomicInteger spawnsInFlight = new AtomicInteger();
    private final AtomicInteger activeServers = new AtomicInteger();
    private volatile boolean closed;

    ServerLifecycle(Settings settings, Store store, Spawner spawner, Proxy proxy, VolumePolicy volumes, HubEvents events,
                    Users users, Tokens tokens, OAuthProvider oauth, ExecutorService workers,
                    ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.store = store;
        this.spawner = spawner;
        this.proxy = proxy;
        this.volumes = volumes;
        this.events = events;
        this.users = users;
        this.tokens = tokens;
        this.oauth = oauth;
        this.workers = workers;
        this.scheduler = scheduler;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(2)).executor(workers).build();
    }

    /**
     * Begins restoring the servers the store says are running, at most {@value #RESTORE_PARALLELISM}
     * at a time, without waiting for them, and starts the poll loop.
     *
     * @return completes when every server has been checked (restored, marked stopped, or left
     *         pending because its spawner could not tell)
     */
    CompletableFuture<Void> start(List<Store.ServerRow> rows, Map<ServerKey, Long> serverTokens) {
        List<CompletableFuture<Void>> restores = new ArrayList<>();
        ExecutorService restorers = Executors.newFixedThreadPool(RESTORE_PARALLELISM, daemon("hubkit-restore"));
        long began = System.nanoTime();
        {
            for (Store.ServerRow row : rows) {
                UserState user = users.user(row.user());
                if (user == null) {
                    continue;
                }
                ServerState s = new ServerState(new ServerId(row.user(), row.name()), activeServers);
                synchronized (s) {
                    s.url = row.url() == null ? null : URI.create(row.url());
                    s.spawnerState = new SpawnerState(row.spawnerState());
                    s.userOptions = row.userOptions();
                    s.started = row.started();
                    s.lastActivity = row.lastActivity();
                    s.transition(false, row.running() ? ServerState.Pending.CHECK : null);
                    s.check = row.running() ? new CompletableFuture<>() : null;
                    s.apiTokenId = serverTokens.getOrDefault(new ServerKey(row.user(), row.name()), -1L);
                }
                user.servers.put(row.name(), s);
                if (row.running()) {
                    restores.add(CompletableFuture.runAsync(() -> restore(user, s), restorers));
                }
            }
        }
        CompletableFuture<Void> restored = CompletableFuture.allOf(restores.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> {
                    restorers.shutdown();
                    if (!restores.isEmpty()) {
                        LOG.info("Checked the {} servers that were running in {} ms", restores.size(),
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                    }
                });
        if (restores.isEmpty()) {
            restorers.shutdown();
        }
        long every = settings.pollInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::pollAll, every, every, TimeUnit.MILLISECONDS);
        return restored;
    }

    /** From now on a spawn that ends sees the hub closing, and polls stop. */
    void close() {
        closed = true;
    }

    /**
     * Hub restart (and later polls while undecided): find a server the store says is running.
     * A definite "not running" marks it stopped; a poll that fails leaves it pending and it is
     * checked again at the next poll, unless it answers HTTP, which shows it is running. Runs
     * while {@code s.check} is set: the check holds the server's lifecycle, a stop waits for it.
     */
    private void restore(UserState user, ServerState s) {
        try {
            restoreOnce(user, s);
        } catch (RuntimeException e) {
            LOG.warn("Checking {} failed: {}; trying again at the next poll", s.id, LogSafe.value(rootMessage(e), 300));
        } finally {
            CompletableFuture<Void> check;
            synchronized (s) {
                check = s.check;
                s.check = null;
            }
            if (check != null) {
                check.complete(null);
            }
        }
    }

    private void restoreOnce(UserState user, ServerState s) {
        URI url;
        SpawnerState state;
        synchronized (s) {
            url = s.url;
            state = s.spawnerState;
        }
        if (url == null) {
            LOG.warn("Server {} was still spawning when the hub stopped; stopping it", s.id);
            try {
                spawner.stop(s.id, state).toCompletableFuture().get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
                markStopped(user, s, "interrupted spawn", false);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("Stopping the interrupted spawn of {} failed: {}; trying again at the next poll", s.id,
                        LogSafe.value(rootMessage(e), 300));
            }
            return;
        }
        PollResult poll = null;
        String failure = null;
        try {
            poll = spawner.poll(s.id, state).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            failure = rootMessage(e);
        }
        if (poll != null && !poll.running()) {
            markStopped(user, s, "found stopped at hub start (" + LogSafe.value(poll.detail(), 300) + ")", false);
            return;
        }
        if (poll == null) {
            try {
                waitForHttp(url, prefix(s.id), Duration.ofSeconds(2), null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("Cannot tell whether server {} runs (poll failed: {}); it stays pending and is checked again "
                        + "at the next poll", s.id, LogSafe.value(failure, 300));
                return;
            }
            LOG.info("Polling {} failed ({}) but it answers HTTP: restoring it", s.id, LogSafe.value(failure, 300));
        }
        try {
            proxy.addRoute(route(s.id, url)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("Could not add the route of {}: {}; trying again at the next poll", s.id, LogSafe.value(rootMessage(e), 300));
            return;
        }
        synchronized (s) {
            s.transition(true, null);
        }
        LOG.info("Restored server {} at {} after hub start", s.id, url);
    }

    private void restoreLater(UserState user, ServerState s, long delayMillis) {
        try {
            scheduler.schedule(() -> workers.execute(() -> restore(user, s)), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            CompletableFuture<Void> check;
            synchronized (s) {
                check = s.check;
                s.check = null;
            }
            if (check != null) {
                check.complete(null);
            }
        }
    }

    private static Route route(ServerId id, URI url) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("user", id.user());
        data.put("server_name", id.serverName());
        return Route.of(prefix(id), url, data);
    }

    public ServerState serverFor(UserState u, String serverName) {
        return u.servers.computeIfAbsent(serverName, n -> new ServerState(new ServerId(u.name, n), activeServers));
    }

    /** @return servers running or pending, hub-wide (kept by {@link ServerState#transition}) */
    public long activeServers() {
        return activeServers.get();
    }

    /** @return spawns in progress, cleanup of cancelled ones included */
    /**
     * The spawner's options form as this user sees it (choices outside their groups left out);
     * {@link SpawnOptionsForm#NONE} when the spawner offers none or fails to say.
     */
    public SpawnOptionsForm optionsForm(UserState user) {
        SpawnOptionsForm form;
        try {
            form = spawner.optionsForm();
        } catch (RuntimeException e) {
            LOG.warn("The spawner's options form failed: {}", LogSafe.value(rootMessage(e), 300));
            throw new HubException("The spawn options are not available right now");
        }
        return form == null || form.isEmpty() ? SpawnOptionsForm.NONE : form.forUser(userInfo(user));
    }

    /**
     * The options a spawn will get: with an options form, the user's answers checked against the
     * choices they may make, defaults filled in (a choice not offered, or an unknown field, is a
     * 400 naming the field); without one, the options as sent, as JupyterHub passes them.
     */
    Map<String, Object> resolveOptions(UserState user, Map<String, Object> options) {
        SpawnOptionsForm form = optionsForm(user);
        if (form.isEmpty()) {
            // JSON objects may hold nulls (JupyterHub accepts them), which Map.copyOf refuses.
            return options == null || options.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
        }
        try {
            return Collections.unmodifiableMap(form.resolve(options));
        } catch (InvalidOptionsException e) {
            LOG.info("Spawn options of {} refused: {}", LogSafe.value(user.name), LogSafe.value(e.getMessage(), 300));
            throw new InvalidRequestException(e.getMessage());
        }
    }

    static UserInfo userInfo(UserState user) {
        return new UserInfo(user.name, user.admin, user.groups, user.authState);
    }

    /**
     * Tells the spawner a stopped server is gone for good ({@link Spawner#deleteForever}); waits
     * for it up to the start timeout. A failure is logged: the deletion goes on.
     */
    void deleteForever(ServerState s, boolean userDeleted) {
        SpawnerState state;
        synchronized (s) {
            state = s.spawnerState;
        }
        try {
            spawner.deleteForever(s.id, state, userDeleted).toCompletableFuture()
                    .get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Deleted {} for good{}", s.id, userDeleted ? " with its user" : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Deleting {} for good was interrupted", s.id);
        } catch (Exception e) {
            LOG.warn("The spawner could not delete {} for good: {}", s.id, LogSafe.value(rootMessage(e), 300));
        }
    }

    public int spawnsInFlight() {
        return spawnsInFlight.get();
    }

    /** Takes a place under the concurrent spawn limit ({@code limit <= 0}: no limit). */
    private boolean reserveSpawnSlot(int limit) {
        while (true) {
            int n = spawnsInFlight.get();
            if (limit > 0 && n >= limit) {
                return false;
            }
            if (spawnsInFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Starts a spawn. The returned future completes when the server is ready, or exceptionally
     * when the spawn failed or was cancelled (after the spawner's cleanup); the caller may stop
     * waiting at any time without affecting the spawn.
     */
    public CompletableFuture<Void> spawn(UserState user, String serverName, Map<String, Object> options) {
        if (!serverName.isEmpty() && !settings.allowNamedServers()) {
            throw new InvalidRequestException("Named servers are not enabled");
        }
        Map<String, Object> userOptions = resolveOptions(user, options);
        SpawnAttempt attempt = new SpawnAttempt();
        ServerState s;
        while (true) {
            s = serverFor(user, serverName);
            synchronized (s) {
                if (user.servers.get(serverName) != s) {
                    continue; // removed as stopped between the lookup and the lock: look again
                }
                if (s.pending != null) {
                    throw new BusyException(s.id + " is already pending " + s.pending.name().toLowerCase());
                }
                if (s.ready) {
                    throw new InvalidRequestException(s.id + " is already running");
                }
                if (s.lingering != null) {
                    throw new BusyException(s.id + "'s last spawn has not returned from the spawner yet; try again later");
                }
                if (s.removing != null) {
                    throw new BusyException(s.id + " is being removed");
                }
                if (!s.reserveSpawn(settings.activeServerLimit())) {
                    LOG.info("Active server limit {} reached; refusing to start {}", settings.activeServerLimit(), s.id);
                    throw new LimitReachedException("Active user limit exceeded. Try again in a few minutes.", 30);
                }
                if (!reserveSpawnSlot(settings.concurrentSpawnLimit())) {
                    s.transition(false, null);
                    LOG.info("Concurrent spawn limit {} reached; refusing to start {}", settings.concurrentSpawnLimit(), s.id);
                    throw new LimitReachedException("Too many users trying to log in right now. Try again in a minute.", 30);
                }
                if (user.deleting) {
                    // Checked after the reservation, under the same lock deleteUser reads it with: never both miss.
                    s.transition(false, null);
                    spawnsInFlight.decrementAndGet();
                    throw new BusyException("User " + user.name + " is being deleted");
                }
                s.newGeneration();
                s.attempt = attempt;
                s.stopping = null;
                s.userOptions = userOptions;
                s.started = now();
                s.lastActivity = s.started;
            }
            break;
        }
        s.addEvent(ProgressEvent.step(0, "Server requested"));
        LOG.info("Spawning server {} with {}", s.id, spawner.name());
        events.spawnStarted(s.id);
        ServerState server = s;
        try {
            workers.execute(() -> runSpawn(user, server, attempt));
        } catch (RejectedExecutionException e) {
            releaseSlot(attempt);
            reset(user, server, new ProgressEvent(100, "Spawn failed: the hub is shutting down", false, true, null), false);
            attempt.finished.completeExceptionally(new HubException("The hub is shutting down"));
        }
        return attempt.finished;
    }

    /** Gives a spawn's place under the concurrent spawn limit back, once. */
    private void releaseSlot(SpawnAttempt attempt) {
        if (attempt.slotReleased.compareAndSet(false, true)) {
            spawnsInFlight.decrementAndGet();
        }
    }

    /** A spawn that was cancelled: its start timeout passed or someone asked to stop it. */
    private static final class SpawnCancelledException extends HubException {
        private static final long serialVersionUID = 1L;

        SpawnCancelledException(String reason) {
            super(reason);
        }
    }

    /**
     * The whole of one spawn, on a worker thread, holding the server's lifecycle (pending spawn,
     * then pending stop while cleaning up). On failure or cancellation the spawner's {@code start}
     * stage is first allowed to complete, then {@code stop} is called, then the server is reset;
     * only then is its spawn slot given back and may the user start it again. A start that has
     * not returned after a further start timeout gives its slot back and the server shows as
     * stopped, but it cannot start again before the spawner returns and is told to stop: the
     * spawner never sees two starts, or a start and a stop, at once.
     */
    private void runSpawn(UserState user, ServerState s, SpawnAttempt attempt) {
        ServerId id = s.id;
        SpawnerState[] saved = {SpawnerState.EMPTY};
        CompletableFuture<SpawnResult> start = null;
        boolean routed = false;
        try {
            List<String> accessScopes = List.of("access:servers!server=" + id.qualifiedName(), "access:servers!user=" + id.user());
            String token = useServerToken(s, Secrets.newToken());
            String clientId = clientId(id);
            UserInfo info = userInfo(user);
            List<Mount> mounts = volumes.mounts(id, info);
            Map<String, String> env = environment(id, token, clientId, accessScopes);
            authStateVariables(info.authState(), env);
            store.saveServer(s.row(true));
            Map<String, Object> userOptions;
            SpawnerState previousState;
            synchronized (s) {
                userOptions = s.userOptions;
                previousState = s.spawnerState; // kept from the last stop until the server is deleted
            }
            SpawnRequest request = new SpawnRequest(id, info, env, userOptions, mounts, settings.startTimeout(), previousState);
            SpawnContext context = new SpawnContext() {
                @Override
                public void progress(int percent, String message) {
                    if (!attempt.isCancelled()) {
                        s.addEvent(ProgressEvent.step(percent, message));
                    }
                }

                @Override
                public void saveState(SpawnerState state) {
                    saved[0] = state;
                    // The attempt's own lock (taken before the server's, never after) orders this write
                    // before the end of the spawn: a late call can never mark a stopped server running.
                    synchronized (attempt) {
                        if (attempt.stateClosed) {
                            return;
                        }
                        synchronized (s) {
                            if (s.attempt != attempt) {
                                return;
                            }
                            s.spawnerState = state;
                        }
                        store.saveServer(s.row(true));
                    }
                }

                @Override
                public boolean isCancelled() {
                    return attempt.isCancelled();
                }
            };
            s.addEvent(ProgressEvent.step(10, "Starting server with " + spawner.name()));
            start = spawner.start(request, context).toCompletableFuture();
            SpawnResult result = awaitStart(start, attempt);
            saved[0] = result.state();
            if (result.apiToken() != null && !result.apiToken().equals(token)) {
                adoptReusedToken(s, result.apiToken());
            }
            synchronized (attempt) {
                attempt.stateClosed = true;
            }
            synchronized (s) {
                s.url = result.url();
                s.spawnerState = result.state();
            }
            store.saveServer(s.row(true));
            LOG.info("Server {} launched at {}; waiting for it to answer", id, result.url());
            s.addEvent(ProgressEvent.step(80, "Server launched, waiting for it to answer"));
            waitForHttp(result.url(), prefix(id), settings.httpTimeout(), attempt);
            routed = true;
            proxy.addRoute(route(id, result.url())).toCompletableFuture().get(30, TimeUnit.SECONDS);
            ProgressEvent ready = new ProgressEvent(100, "Server ready at " + prefix(id), true, false, prefix(id));
            List<java.util.function.Consumer<ProgressEvent>> readyListeners;
            LOG.info("Route {} -> {} added", prefix(id), result.url());
            synchronized (s) {
                if (attempt.isCancelled()) {
                    throw new SpawnCancelledException(attempt.reason());
                }
                s.transition(true, null);
                s.attempt = null;
                readyListeners = s.appendEvent(ready);
            }
            ServerState.tell(readyListeners, ready);
            LOG.info("Server {} is ready", id);
            releaseSlot(attempt);
            events.spawnSucceeded(id, attempt.elapsed()); // before the future: whoever waits on it sees the event first
            attempt.finished.complete(null);
        } catch (Throwable e) {
            // Throwable: an Error from a spawner must not leave the server pending and its slot taken.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String why = e instanceof SpawnCancelledException ? e.getMessage() : rootMessage(e);
            attempt.cancel(why);
            synchronized (attempt) {
                attempt.stateClosed = true;
            }
            boolean cancelled = e instanceof SpawnCancelledException;
            if (closed) {
                // The hub is stopping: what the spawn left is for the next hub's restore to find and stop
                // (its store row says running, without a URL).
                LOG.warn("Spawn of {} interrupted by the hub's shutdown; the next start of the hub cleans it up", id);
                releaseSlot(attempt);
                attempt.finished.completeExceptionally(new HubException("The hub is shutting down", e));
                return;
            }
            LOG.warn("Spawn of {} {}: {}", id, cancelled ? "cancelled" : "failed", LogSafe.value(why, 300));
            synchronized (s) {
                s.transition(false, ServerState.Pending.STOP);
            }
            s.addEvent(ProgressEvent.step(90, (cancelled ? "Spawn cancelled: " : "Spawn failed: ") + why + "; cleaning up"));
            if (routed) {
                safely(() -> proxy.deleteRoute(prefix(s.id)).toCompletableFuture().join());
            }
            ProgressEvent last = new ProgressEvent(100, (cancelled ? "Spawn cancelled: " : "Spawn failed: ") + why, false, true, null);
            if (awaitReturn(s, start, saved)) {
                stopQuietly(s.id, saved[0]);
                reset(user, s, last, false);
            } else {
                CompletableFuture<SpawnResult> late = start;
                LOG.warn("The spawner's start of {} has not returned {} s after the spawn ended; the server cannot start again "
                        + "until it returns and is stopped", s.id, settings.startTimeout().toSeconds());
                synchronized (s) {
                    s.lingering = attempt;
                }
                reset(user, s, last, false);
                late.whenComplete((r, err) -> workers.execute(() -> {
                    stopQuietly(s.id, r != null ? r.state() : saved[0]);
                    synchronized (s) {
                        if (s.lingering == attempt) {
                            s.lingering = null;
                        }
                    }
                    LOG.info("The late start of {} returned and was stopped", s.id);
                }));
            }
            releaseSlot(attempt);
            events.spawnFailed(id, attempt.elapsed(), why);
            attempt.finished.completeExceptionally(new HubException("Spawn failed: " + why, e));
        }
    }

    /** Waits for the spawner's start stage, the start timeout, or a cancellation, whichever comes first. */
    private SpawnResult awaitStart(CompletableFuture<SpawnResult> start, SpawnAttempt attempt) throws Exception {
        Duration timeout = settings.startTimeout();
        try {
            CompletableFuture.anyOf(start, attempt.onCancel()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            attempt.cancel("Spawner did not start the server within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            // start failed: reported below
        }
        if (attempt.isCancelled()) {
            throw new SpawnCancelledException(attempt.reason());
        }
        try {
            return start.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Lets a cancelled or failed start return (up to another start timeout), keeping the state it
     * returns for the stop.
     *
     * @return false if it has not returned by then
     */
    private boolean awaitReturn(ServerState s, CompletableFuture<SpawnResult> start, SpawnerState[] saved) {
        if (start == null) {
            return true;
        }
        try {
            SpawnResult late = start.get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (late != null) {
                saved[0] = late.state();
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !start.isDone() ? false : true;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return true; // it failed: there may still be something to stop
        }
    }

    private void stopQuietly(ServerId id, SpawnerState state) {
        try {
            spawner.stop(id, state).toCompletableFuture().get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception stopError) {
            LOG.warn("Cleaning up after the spawn of {} failed: {}", id, LogSafe.value(rootMessage(stopError), 300));
        }
    }

    /** Forgets the server's API token; the caller holds its monitor and deletes the returned id's token after releasing it. */
    private static long takeServerToken(ServerState s) {
        assert Thread.holdsLock(s);
        long id = s.apiTokenId;
        s.apiTokenId = -1;
        return id;
    }

    /**
     * Makes {@code token} the server's API token and OAuth client secret (scoped to that server, as
     * JupyterHub's server tokens), dropping the one it had; returns it.
     */
    private String useServerToken(ServerState s, String token) {
        ServerId id = s.id;
        tokens.registerToken(token, id.user(), null, List.of("users:activity!user=" + id.user(),
                "access:servers!server=" + id.qualifiedName()), "Server at " + prefix(id), null, "server", id.serverName(), null, null);
        // The client may grant access to this one server only (JupyterHub's oauth_client_allowed_scopes).
        oauth.register(new Store.ClientRow(clientId(id), Secrets.hash(token), prefix(id) + "oauth_callback", id.user(),
                id.serverName(), List.of("access:servers!server=" + id.qualifiedName())));
        long tokenId = tokens.tokenByHashOf(token).row.id();
        long previous;
        synchronized (s) {
            previous = takeServerToken(s);
            s.apiTokenId = tokenId;
        }
        deleteServerToken(previous);
        return token;
    }

    /**
     * The spawner restarted a kept server that runs with the token of an earlier start: that token
     * becomes the server's again, unless it is some other token the hub knows (then the spawn fails).
     */
    private void adoptReusedToken(ServerState s, String reused) {
        TokenState known = tokens.tokenByHashOf(reused);
        if (known != null) {
            throw new SpawnException("The spawner restarted " + s.id + " with a token the hub already uses elsewhere; "
                    + "refusing it");
        }
        useServerToken(s, reused);
        LOG.info("Server {} was started again with the API token of its earlier start; that token is its own again", s.id);
    }

    private void deleteServerToken(long tokenId) {
        if (tokenId >= 0) {
            TokenState old = tokens.tokenById(tokenId);
            if (old != null) {
                safely(() -> tokens.deleteToken(old));
            }
        }
    }

    /** A stopped server keeps its record, with its spawner state, until the server or its user is deleted. */
    private void persistStopped(ServerState s) {
        store.saveServer(s.row(false));
    }


    Map<String, String> environment(ServerId id, String token, String clientId, List<String> accessScopes) {
        Map<String, String> env = new LinkedHashMap<>(settings.environment());
        String api = settings.hubConnectUrl().toString().replaceAll("/+$", "") + "/hub/api";
        String prefix = prefix(id);
        env.put("JUPYTERHUB_API_TOKEN", token);
        env.put("JPY_API_TOKEN", token);
        env.put("JUPYTERHUB_CLIENT_ID", clientId);
        env.put("JUPYTERHUB_HOST", "");
        env.put("JUPYTERHUB_OAUTH_CALLBACK_URL", prefix + "oauth_callback");
        env.put("JUPYTERHUB_OAUTH_SCOPES", Json.write(accessScopes));
        env.put("JUPYTERHUB_OAUTH_ACCESS_SCOPES", Json.write(accessScopes));
        env.put("JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES", Json.write(List.of()));
        env.put("JUPYTERHUB_USER", id.user());
        env.put("JUPYTERHUB_SERVER_NAME", id.serverName());
        env.put("JUPYTERHUB_API_URL", api);
        env.put("JUPYTERHUB_ACTIVITY_URL", api + "/users/" + urlPath(id.user()) + "/activity");
        env.put("JUPYTERHUB_BASE_URL", "/");
        env.put("JUPYTERHUB_SERVICE_PREFIX", prefix);
        env.put("JUPYTERHUB_PUBLIC_URL", "");
        env.put("JUPYTERHUB_PUBLIC_HUB_URL", "");
        env.put("JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED", "0");
        return env;
    }

    /**
     * The variables {@code Hub.Builder.authStateEnvironment} names, from the user's auth state (an
     * access token for a data service, for one): a string or number at the key or dotted path; a
     * missing one is left out. Never logged.
     */
    void authStateVariables(Map<String, Object> authState, Map<String, String> env) {
        settings.authStateEnvironment().forEach((variable, path) -> {
            Object at = authState.containsKey(path) ? authState.get(path) : null;
            if (at == null) {
                Object node = authState;
                for (String part : path.split("\\.")) {
                    node = node instanceof Map<?, ?> m ? m.get(part) : null;
                }
                at = node;
            }
            if (at instanceof String || at instanceof Number || at instanceof Boolean) {
                env.put(variable, String.valueOf(at));
            }
        });
    }

    /** JupyterHub's readiness check: any answer below 500 at {@code {prefix}api}, redirects not followed. */
    void waitForHttp(URI base, String prefix, Duration timeout, SpawnAttempt attempt) throws InterruptedException {
        URI probe = URI.create(base.toString().replaceAll("/+$", "") + prefix + "api");
        long deadline = System.nanoTime() + timeout.toNanos();
        // 20, 40, 80, then every 100 ms: a container's server answers about a second after its start, and a
        // coarser step (this was 50 doubling to 250 ms) added 100-200 ms to each spawn (benchmarks/README.md).
        long sleep = 20;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (attempt != null && attempt.isCancelled()) {
                throw new SpawnCancelledException(attempt.reason());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() < 500) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            if (attempt == null) {
                Thread.sleep(sleep);
            } else {
                try {
                    attempt.onCancel().get(sleep, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // slept
                }
            }
            sleep = Math.min(sleep * 2, 100);
        }
        throw new HubException("Server at " + base + prefix + " did not answer within " + timeout.toSeconds() + " s (" + last + ")");
    }

    /**
     * Stops a server; {@code remove} deletes a named server's record too. A pending spawn is
     * cancelled (as JupyterHub's DELETE does): the returned future completes once the spawner's
     * start has returned and the server is cleaned up. Stopping a server that is already stopping
     * returns that stop's future; one being checked after a hub restart is stopped once the check
     * is done. Only one lifecycle operation (spawn, stop, check) runs per server at a time.
     */
    public CompletableFuture<Void> stop(UserState user, ServerState s, boolean remove) {
        SpawnerState state;
        CompletableFuture<Void> done;
        synchronized (s) {
            if (s.attempt != null && (s.pending == ServerState.Pending.SPAWN || s.pending == ServerState.Pending.STOP)) {
                SpawnAttempt attempt = s.attempt;
                if (!attempt.isCancelled()) {
                    LOG.info("Cancelling the pending spawn of {} on request", s.id);
                }
                attempt.cancel("cancelled on request");
                return thenRemove(user, s, remove, attempt.finished.handle((v, e) -> null));
            }
            if (s.pending == ServerState.Pending.STOP && s.stopping != null) {
                return thenRemove(user, s, remove, s.stopping.handle((v, e) -> null));
            }
            if (s.check != null) {
                // A restore check holds the server: decide once it is done.
                return s.check.thenCompose(v -> {
                    try {
                        return stop(user, s, remove);
                    } catch (RequestRefusedException notRunning) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                });
            }
            if (!s.ready && s.pending == null) {
                if (s.lingering != null) {
                    throw new BusyException(s.id + "'s last spawn has not returned from the spawner yet; try again later");
                }
                if (remove) {
                    return removeIfStopped(user, s);
                }
                throw new InvalidRequestException(s.id + " is not running");
            }
            s.transition(s.ready, ServerState.Pending.STOP);
            state = s.spawnerState;
            done = new CompletableFuture<>();
            s.stopping = done;
        }
        LOG.info("Stopping server {}", s.id);
        try {
            workers.execute(() -> {
                try {
                    safely(() -> proxy.deleteRoute(prefix(s.id)).toCompletableFuture().join());
                    spawner.stop(s.id, state).toCompletableFuture().get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    markStopped(user, s, "stopped on request", remove);
                    done.complete(null);
                } catch (Throwable e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    stopFailed(s, e);
                    done.completeExceptionally(new HubException("Stopping " + s.id + " failed: " + rootMessage(e), e));
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (s) {
                s.transition(s.ready, null);
                s.stopping = null;
            }
            done.completeExceptionally(new HubException("The hub is shutting down"));
        }
        return done;
    }

    /** A stop that failed: as far as the hub knows the server still runs, so it gets its route back. */
    private void stopFailed(ServerState s, Throwable e) {
        LOG.warn("Stopping {} failed: {}; it stays running", s.id, LogSafe.value(rootMessage(e), 300));
        URI url;
        synchronized (s) {
            url = s.url;
        }
        if (url != null) {
            safely(() -> proxy.addRoute(route(s.id, url)).toCompletableFuture().join());
        }
        synchronized (s) {
            s.transition(s.ready, null);
            s.stopping = null;
        }
    }

    private CompletableFuture<Void> thenRemove(UserState user, ServerState s, boolean remove, CompletableFuture<Void> ended) {
        return remove ? ended.thenCompose(v -> removeIfStopped(user, s)) : ended;
    }

    /**
     * Deletes a stopped named server's record, holding its lifecycle meanwhile (shown as stopping)
     * so that no spawn can begin on it while the record goes; a server started again in between
     * is left alone.
     */
    private CompletableFuture<Void> removeIfStopped(UserState user, ServerState s) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (s) {
            if (s.removing != null) {
                return s.removing;
            }
            if (s.active() || s.lingering != null || s.check != null || user.servers.get(s.id.serverName()) != s) {
                return CompletableFuture.completedFuture(null);
            }
            s.removing = done; // not active (it counts under no limit), but no spawn may begin
        }
        try {
            workers.execute(() -> {
                try {
                    deleteForever(s, false);
                    safely(() -> store.deleteServer(s.id.user(), s.id.serverName()));
                } finally {
                    synchronized (s) {
                        user.servers.remove(s.id.serverName(), s);
                        s.removing = null;
                    }
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (s) {
                s.removing = null;
            }
            done.complete(null);
        }
        return done;
    }

    /**
     * Forgets a server's process: state, API token, OAuth client, store row; {@code last} is its
     * final progress event. The caller holds the server's lifecycle (it is pending): everything is
     * cleaned up first and the lifecycle released last, so nothing of this server's can undo the
     * next spawn's work.
     *
     * @param remove delete a named server's record and drop it from the map
     */
    private void reset(UserState user, ServerState s, ProgressEvent last, boolean remove) {
        long oldToken;
        synchronized (s) {
            s.url = null; // the spawner state stays: the next start gets it as its previous state
            oldToken = takeServerToken(s);
        }
        deleteServerToken(oldToken);
        oauth.forget(clientId(s.id));
        if (remove) {
            deleteForever(s, false);
            safely(() -> store.deleteServer(s.id.user(), s.id.serverName()));
        } else {
            safely(() -> persistStopped(s));
        }
        List<java.util.function.Consumer<ProgressEvent>> tell = List.of();
        synchronized (s) {
            if (last != null) {
                tell = s.appendEvent(last); // before the transition: the next spawn starts a new list
            }
            s.transition(false, null);
            s.attempt = null;
            s.stopping = null;
            if (remove) {
                user.servers.remove(s.id.serverName(), s);
            }
        }
        ServerState.tell(tell, last);
    }

    /** Marks a server stopped everywhere: route, token, OAuth client, store. The caller holds its lifecycle. */
    void markStopped(UserState user, ServerState s, String why, boolean remove) {
        safely(() -> proxy.deleteRoute(prefix(s.id)).toCompletableFuture().join());
        reset(user, s, null, remove);
        LOG.info("Server {} stopped ({})", s.id, why);
        events.serverStopped(s.id, why);
    }

    /** Stops every running or pending server and waits for them (shutdown with {@code servers: true}, cleanupServers). */
    public void stopAll() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (UserState u : users.users()) {
            for (ServerState s : List.copyOf(u.servers.values())) {
                if (s.active()) {
                    try {
                        stops.add(stop(u, s, false));
                    } catch (RequestRefusedException raced) {
                        LOG.debug("Not stopping {}: {}", s.id, raced.getMessage());
                    }
                }
            }
        }
        if (!stops.isEmpty()) {
            LOG.info("Stopping {} servers", stops.size());
        }
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(settings.startTimeout().toMillis() * 2 + 30_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Not every server stopped before shutdown: {}", LogSafe.value(rootMessage(e), 300));
        }
    }

    /**
     * One round of the periodic poll: servers found dead lose their route and are marked stopped.
     * A poll that fails (the spawner cannot tell) changes nothing; servers whose restore could
     * not decide are checked again.
     */
    public void pollAll() {
        if (closed) {
            return;
        }
        Map<ServerId, SpawnerState> batch = new LinkedHashMap<>();
        Map<ServerId, ServerState> servers = new HashMap<>();
        Map<ServerId, UserState> owners = new HashMap<>();
        for (UserState u : users.users()) {
            for (ServerState s : u.servers.values()) {
                synchronized (s) {
                    if (s.pending == ServerState.Pending.CHECK && s.check == null) {
                        s.check = new CompletableFuture<>();
                        restoreLater(u, s, 0);
                        continue;
                    }
                    if (!s.ready || s.pending != null) {
                        continue;
                    }
                    batch.put(s.id, s.spawnerState);
                }
                servers.put(s.id, s);
                owners.put(s.id, u);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<ServerId, PollResult> results;
        try {
            // One call per round: a spawner that can list all its servers at once answers for all.
            results = spawner.pollAll(batch).toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            LOG.warn("Polling {} servers failed: {}; they keep running", batch.size(), LogSafe.value(rootMessage(e), 300));
            return;
        }
        for (Map.Entry<ServerId, ServerState> e : servers.entrySet()) {
            PollResult r = results.get(e.getKey());
            if (r == null) {
                LOG.debug("The poll could not tell whether {} runs; it keeps running", e.getKey());
                continue;
            }
            ServerState s = e.getValue();
            UserState u = owners.get(e.getKey());
            if (r.running()) {
                applyPollChanges(s, r);
                continue;
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            synchronized (s) {
                if (!s.ready || s.pending != null) {
                    continue;
                }
                // The death is handled as a stop: a stop request meanwhile waits for it.
                s.transition(true, ServerState.Pending.STOP);
                s.stopping = done;
            }
            LOG.warn("Server {} is no longer running ({}{})", s.id, LogSafe.value(r.detail(), 300),
                    r.exitCode().isPresent() ? ", exit code " + r.exitCode().getAsInt() : "");
            events.serverDied(s.id, r);
            try {
                markStopped(u, s, "died", false);
            } finally {
                done.complete(null);
            }
        }
    }

    /** A running server whose poll reported a new URL (the route follows) or state (saved). */
    private void applyPollChanges(ServerState s, PollResult r) {
        if (r.url().isEmpty() && r.state().isEmpty()) {
            return;
        }
        URI moved = null;
        synchronized (s) {
            if (!s.ready || s.pending != null) {
                return;
            }
            if (r.url().isPresent() && !r.url().get().equals(s.url)) {
                moved = r.url().get();
                s.url = moved;
            }
            r.state().ifPresent(state -> s.spawnerState = state);
        }
        if (moved != null) {
            URI target = moved;
            LOG.info("Server {} moved to {}; updating its route", s.id, target);
            safely(() -> proxy.addRoute(route(s.id, target)).toCompletableFuture().join());
        }
        safely(() -> store.saveServer(s.row(true)));
    }
}
