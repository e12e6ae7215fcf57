package org.hubkit.core.internal;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.PollResult;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;

/**
 * A {@link HubEngine} on an H2 file with in-memory fakes for the spawner and the proxy, and
 * one JDK HTTP server that answers every prefix (so the readiness check passes): engine tests
 * without Python or sockets per server.
 */
final class EngineFixture implements AutoCloseable {
    /** What one start does; by default it succeeds at once. */
    interface StartBehaviour {
        CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context, FakeSpawner spawner);
    }

    /** A spawner whose servers are entries in a map; behaviour set per test. */
    static final class FakeSpawner implements Spawner {
        final Map<ServerId, Boolean> alive = new ConcurrentHashMap<>();
        final List<String> calls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.concurrent.atomic.AtomicInteger startsInProgress = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger maxStartsInProgress = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger maxAlive = new java.util.concurrent.atomic.AtomicInteger();
        final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-spawner");
            t.setDaemon(true);
            return t;
        });
        volatile URI url;
        /** If set, what stop does instead of succeeding at once (the server is removed from {@code alive} only by the hook). */
        volatile java.util.function.BiFunction<ServerId, SpawnerState, CompletionStage<Void>> stopHook;
        volatile StartBehaviour behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
        volatile java.util.function.Function<ServerId, CompletionStage<PollResult>> poll =
                id -> CompletableFuture.completedFuture(alive.containsKey(id) ? PollResult.alive() : PollResult.stopped(null, "gone"));

        /** Marks the server alive and returns its result. */
        SpawnResult launched(SpawnRequest request) {
            alive.put(request.server(), true);
            maxAlive.accumulateAndGet(alive.size(), Math::max);
            return new SpawnResult(url, new SpawnerState(Map.of("id", request.server().qualifiedName())));
        }

        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            calls.add("start " + request.server().qualifiedName());
            maxStartsInProgress.accumulateAndGet(startsInProgress.incrementAndGet(), Math::max);
            CompletionStage<SpawnResult> stage;
            try {
                stage = behaviour.start(request, context, this);
            } catch (RuntimeException e) {
                startsInProgress.decrementAndGet();
                throw e;
            }
            return stage.whenComplete((r, e) -> {
                startsInProgress.decrementAndGet();
                calls.add("start returned " + request.server().qualifiedName());
            });
        }

        @Override
        public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
            return poll.apply(server);
        }

        /** If set, answers pollAll instead of the default one-by-one polling. */
        volatile java.util.function.Function<Map<ServerId, SpawnerState>, CompletionStage<Map<ServerId, PollResult>>>
                pollAllOverride;

        @Override
        public CompletionStage<Map<ServerId, PollResult>> pollAll(Map<ServerId, SpawnerState> servers) {
            var override = pollAllOverride;
            return override != null ? override.apply(servers) : Spawner.super.pollAll(servers);
        }

        @Override
        public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
            calls.add("stop " + server.qualifiedName());
            java.util.function.BiFunction<ServerId, SpawnerState, CompletionStage<Void>> hook = stopHook;
            if (hook != null) {
                return hook.apply(server, state);
            }
            alive.remove(server);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** A proxy that keeps its routes in a map. */
    static final class FakeProxy implements Proxy {
        final Map<String, Route> routes = new ConcurrentHashMap<>();
        /** If set, runs at the start of every deleteRoute (to hold a caller there). */
        volatile Runnable deleteHook;

        @Override
        public CompletionStage<Void> addRoute(Route route) {
            routes.put(route.routespec(), route);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> deleteRoute(String routespec) {
            Runnable hook = deleteHook;
            if (hook != null) {
                hook.run();
            }
            routes.remove(Route.normalizeSpec(routespec));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Map<String, Route>> routes() {
            return CompletableFuture.completedFuture(Map.copyOf(routes));
        }
    }

    static final Authenticator ANYONE = new Authenticator() {
        @Override
        public CompletionStage<AuthResult> authenticate(Credentials credentials) {
            return CompletableFuture.completedFuture(AuthResult.accepted(credentials.username()));
        }

        @Override
        public AccessRules accessRules() {
            return AccessRules.allowAllUsers();
        }
    };

    final FakeSpawner spawner = new FakeSpawner();
    final FakeProxy proxy = new FakeProxy();
    /** Every event the engine reported, as text. */
    final List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final org.hubkit.api.HubListener listener = new org.hubkit.api.HubListener() {
        @Override
        public void loggedIn(String user) {
            events.add("loggedIn " + user);
        }

        @Override
        public void loginRefused(String username) {
            events.add("loginRefused " + username);
        }

        @Override
        public void spawnStarted(ServerId server) {
            events.add("spawnStarted " + server.qualifiedName());
        }

        @Override
        public void spawnSucceeded(ServerId server, Duration took) {
            events.add("spawnSucceeded " + server.qualifiedName() + (took.isNegative() ? " negative" : ""));
        }

        @Override
        public void spawnFailed(ServerId server, Duration took, String reason) {
            events.add("spawnFailed " + server.qualifiedName() + " " + reason);
        }

        @Override
        public void serverStopped(ServerId server, String reason) {
            events.add("serverStopped " + server.qualifiedName() + " " + reason);
        }

        @Override
        public void serverDied(ServerId server, PollResult poll) {
            events.add("serverDied " + server.qualifiedName() + " " + poll.detail());
        }
    };
    final HttpServer http;
    final Store store;
    final HubEngine engine;
    final Settings settings;

    EngineFixture(Path dir, UnaryOperator<Settings> customize) throws IOException {
        this(dir, customize, spawner -> { });
    }

    /** @param prepare runs before the engine starts (and restores what the store holds) */
    EngineFixture(Path dir, UnaryOperator<Settings> customize, java.util.function.Consumer<FakeSpawner> prepare)
            throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        http.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-server");
            t.setDaemon(true);
            return t;
        }));
        http.start();
        spawner.url = URI.create("http://127.0.0.1:" + http.getAddress().getPort());
        settings = customize.apply(settings());
        prepare.accept(spawner);
        store = new Store(Database.h2(dir));
        engine = new HubEngine(settings, store, spawner, ANYONE, proxy, VolumePolicy.none(), List.of(listener));
        engine.start().join();
    }

    static Settings settings() {
        return new Settings(URI.create("http://127.0.0.1:8000"), "127.0.0.1", 0, URI.create("http://127.0.0.1:8081"),
                Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(10), 100, 0,
                Duration.ofDays(1), List.of(), Map.of(), true, false, false);
    }

    static Settings limits(Settings s, int concurrentSpawnLimit, int activeServerLimit) {
        return new Settings(s.publicUrl(), s.bindIp(), s.port(), s.hubConnectUrl(), s.startTimeout(), s.httpTimeout(),
                s.pollInterval(), s.slowSpawnTimeout(), concurrentSpawnLimit, activeServerLimit, s.cookieMaxAge(), s.services(),
                s.environment(), s.allowNamedServers(), s.cookieSecure(), s.cleanupServers(), s.cryptKeeper(), s.purgeInterval());
    }

    static Settings startTimeout(Settings s, Duration startTimeout) {
        return new Settings(s.publicUrl(), s.bindIp(), s.port(), s.hubConnectUrl(), startTimeout, s.httpTimeout(),
                s.pollInterval(), s.slowSpawnTimeout(), s.concurrentSpawnLimit(), s.activeServerLimit(), s.cookieMaxAge(),
                s.services(), s.environment(), s.allowNamedServers(), s.cookieSecure(), s.cleanupServers(), s.cryptKeeper(), s.purgeInterval());
    }

    UserState user(String name) {
        UserState u = engine.user(name);
        return u != null ? u : engine.createUser(name, false);
    }

    /** Every server of every user that is pending, for assertions. */
    List<String> pendingServers() {
        return engine.users().stream().flatMap(u -> u.servers.values().stream())
                .filter(s -> s.pending() != null).map(s -> s.id.qualifiedName() + ":" + s.pending()).toList();
    }

    long readyServers() {
        return engine.users().stream().flatMap(u -> u.servers.values().stream()).filter(ServerState::ready).count();
    }

    /** The proxy's route specs (normalised: {@code /user/alice}, no trailing slash). */
    Set<String> routes() {
        return proxy.routes.keySet();
    }

    @Override
    public void close() {
        engine.close();
        spawner.close();
        store.close();
        http.stop(0);
    }
}
