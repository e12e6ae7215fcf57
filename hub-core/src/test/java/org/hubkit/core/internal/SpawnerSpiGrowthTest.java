package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hubkit.api.Credentials;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What container spawners need from the engine: the previous state at the next start, one
 * {@code pollAll} call per poll round, a poll that moves a server's URL or changes its state, and
 * the events a listener is told.
 */
@Timeout(60)
class SpawnerSpiGrowthTest {
    @TempDir
    Path dir;

    @Test
    void theNextStartGetsTheStateTheServerHadWhenItStoppedAlsoAfterAHubRestart() throws Exception {
        List<SpawnerState> previous = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger containers = new AtomicInteger();
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            f.spawner.behaviour = (request, context, self) -> {
                previous.add(request.previousState());
                self.alive.put(request.server(), true);
                return CompletableFuture.completedFuture(new org.hubkit.api.SpawnResult(self.url,
                        new SpawnerState(Map.of("container", "c" + containers.incrementAndGet()))));
            };
            UserState u = f.user("alice");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.engine.stop(u, u.server(""), false).get(10, TimeUnit.SECONDS);
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.engine.stop(u, u.server(""), false).get(10, TimeUnit.SECONDS);
        }
        try (EngineFixture again = new EngineFixture(dir, s -> s)) {
            again.spawner.behaviour = (request, context, self) -> {
                previous.add(request.previousState());
                return CompletableFuture.completedFuture(self.launched(request));
            };
            again.engine.spawn(again.engine.user("alice"), "", Map.of()).get(10, TimeUnit.SECONDS);
        }
        assertThat(previous).extracting(p -> p.get("container").orElse("none")).containsExactly("none", "c1", "c2");
    }

    @Test
    void deletingANamedServerForgetsItsState() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            List<SpawnerState> previous = new ArrayList<>();
            f.spawner.behaviour = (request, context, self) -> {
                previous.add(request.previousState());
                return CompletableFuture.completedFuture(self.launched(request));
            };
            UserState u = f.user("bob");
            f.engine.spawn(u, "lab", Map.of()).get(10, TimeUnit.SECONDS);
            f.engine.stop(u, u.server("lab"), true).get(10, TimeUnit.SECONDS);
            f.engine.spawn(u, "lab", Map.of()).get(10, TimeUnit.SECONDS);
            assertThat(previous).allMatch(SpawnerState::isEmpty);
        }
    }

    @Test
    void aPollRoundIsOnePollAllCallAndAMovedServerGetsItsNewRouteAndState() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            AtomicInteger calls = new AtomicInteger();
            URI moved = URI.create(f.spawner.url.toString().replace("127.0.0.1", "localhost"));
            EngineFixture.FakeSpawner spawner = f.spawner;
            UserState u = f.user("carol");
            for (String name : List.of("", "a", "b")) {
                f.engine.spawn(u, name, Map.of()).get(10, TimeUnit.SECONDS);
            }
            f.spawner.pollAllOverride = servers -> {
                calls.incrementAndGet();
                Map<ServerId, PollResult> out = new java.util.HashMap<>();
                servers.forEach((id, state) -> out.put(id, id.serverName().equals("a")
                        ? PollResult.alive().withUrl(moved).withState(new SpawnerState(Map.of("container", "new")))
                        : PollResult.alive()));
                return CompletableFuture.completedFuture(out);
            };
            f.engine.pollAll();
            assertThat(calls.get()).as("one call for the whole round").isEqualTo(1);
            assertThat(f.proxy.routes.get("/user/carol/a").target()).isEqualTo(moved);
            assertThat(f.store.loadServers()).anyMatch(r -> r.name().equals("a") && "new".equals(r.spawnerState().get("container")));
            assertThat(u.server("").ready() && u.server("a").ready() && u.server("b").ready()).isTrue();
            assertThat(spawner).isNotNull();
        }
    }

    @Test
    void aServerMissingFromThePollAllAnswerKeepsRunning() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("dave");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.spawner.pollAllOverride = servers -> CompletableFuture.completedFuture(Map.of());
            f.engine.pollAll();
            assertThat(u.server("").ready()).isTrue();
        }
    }

    @Test
    void theDefaultPollAllAsksEachServerAndSkipsOnesThatFail() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        org.hubkit.api.Spawner spawner = new org.hubkit.api.Spawner() {
            @Override
            public CompletionStage<org.hubkit.api.SpawnResult> start(SpawnRequest request, org.hubkit.api.SpawnContext context) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                return CompletableFuture.supplyAsync(() -> {
                    inFlight.decrementAndGet();
                    if (server.serverName().equals("s7")) {
                        throw new SpawnException("cannot tell");
                    }
                    return server.serverName().equals("s3") ? PollResult.stopped(0, "exited") : PollResult.alive();
                }, CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
            }

            @Override
            public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
                return CompletableFuture.completedFuture(null);
            }
        };
        Map<ServerId, SpawnerState> ask = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            ask.put(new ServerId("u", "s" + i), SpawnerState.EMPTY);
        }
        Map<ServerId, PollResult> answers = spawner.pollAll(ask).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(answers).hasSize(99).doesNotContainKey(new ServerId("u", "s7"));
        assertThat(answers.get(new ServerId("u", "s3")).running()).isFalse();
        assertThat(maxInFlight.get()).isBetween(2, org.hubkit.api.Spawner.POLL_PARALLELISM);
    }

    @Test
    void aListenerIsToldOfSpawnsStopsDeathsAndLogins() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("erin");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.engine.stop(u, u.server(""), false).get(10, TimeUnit.SECONDS);
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.failedFuture(new SpawnException("no image"));
            assertThatThrownBy(() -> f.engine.spawn(u, "x", Map.of()).get(10, TimeUnit.SECONDS)).hasMessageContaining("no image");
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
            f.engine.spawn(u, "y", Map.of()).get(10, TimeUnit.SECONDS);
            f.spawner.poll = id -> CompletableFuture.completedFuture(PollResult.stopped(137, "killed"));
            f.engine.pollAll();
            f.engine.login(new Credentials("frank", "pw", Map.of())).get(10, TimeUnit.SECONDS);
            f.engine.login(new Credentials("not a valid name/", "pw", Map.of())).get(10, TimeUnit.SECONDS);
            assertThat(f.events).containsSubsequence("spawnStarted erin/", "spawnSucceeded erin/",
                    "serverStopped erin/ stopped on request", "spawnStarted erin/x", "spawnFailed erin/x no image",
                    "spawnStarted erin/y", "spawnSucceeded erin/y", "serverDied erin/y killed", "serverStopped erin/y died",
                    "loggedIn frank", "loginRefused not a valid name/");
        }
    }
}
