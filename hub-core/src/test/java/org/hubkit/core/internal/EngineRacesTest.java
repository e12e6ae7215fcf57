package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Races between lifecycle operations of one server, found by a hostile review: each used to end
 * with a running server the hub had lost, a new server destroyed by an old stop, a leaked slot or
 * a server pending forever. One operation holds a server at a time now, and each cleans up before
 * it lets go.
 */
@Timeout(60)
class EngineRacesTest {
    @TempDir
    Path dir;

    @Test
    void removingAStoppedNamedServerWhileItIsStartedAgainNeverOrphansIt() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("alice");
            for (int i = 0; i < 20; i++) {
                String name = "nb" + i;
                f.engine.spawn(u, name, Map.of()).get(10, TimeUnit.SECONDS);
                f.engine.stop(u, u.server(name), false).get(10, TimeUnit.SECONDS);
                ServerState s = u.server(name);
                CompletableFuture<Void> remove = f.engine.stop(u, s, true);
                CompletableFuture<Void> spawn;
                try {
                    spawn = f.engine.spawn(u, name, Map.of());
                } catch (RequestRefusedException busy) {
                    assertThat(ApiError.of(busy).status()).isEqualTo(400); // the removal holds the server a moment
                    spawn = CompletableFuture.completedFuture(null);
                }
                remove.get(10, TimeUnit.SECONDS);
                spawn.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
                assertThat(s.ready() && u.server(name) != s).as("a running server no longer in the user's map").isFalse();
            }
            assertThat(f.engine.activeServers()).isEqualTo(f.readyServers());
            assertThat(f.spawner.alive.size()).isEqualTo((int) f.readyServers());
            assertThat(f.routes()).hasSize((int) f.readyServers());
        }
    }

    @Test
    void aStopRequestedWhileThePollHandlesADeathWaitsForItAndCannotDestroyTheNextServer() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("bob");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            ServerState old = u.server("");
            CountDownLatch pollInDelete = new CountDownLatch(1);
            CountDownLatch releasePoll = new CountDownLatch(1);
            f.proxy.deleteHook = () -> {
                if (Thread.currentThread().getName().equals("poller") && pollInDelete.getCount() > 0) {
                    pollInDelete.countDown();
                    try {
                        releasePoll.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            f.spawner.poll = id -> CompletableFuture.completedFuture(PollResult.stopped(null, "gone"));
            Thread poller = new Thread(f.engine::pollAll, "poller");
            poller.start();
            assertThat(pollInDelete.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> userStop = f.engine.stop(u, old, false);
            assertThat(userStop).as("waits for the poll's own stop").isNotDone();
            releasePoll.countDown();
            poller.join(10_000);
            f.proxy.deleteHook = null;
            userStop.get(10, TimeUnit.SECONDS);
            f.spawner.poll = id -> CompletableFuture.completedFuture(PollResult.alive());
            int stopsBefore = (int) f.spawner.calls.stream().filter(c -> c.startsWith("stop")).count();

            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            ServerState fresh = u.server("");
            Thread.sleep(100); // anything still in flight from the old server would land now
            assertThat(fresh.ready()).isTrue();
            assertThat(f.routes()).contains("/user/bob");
            assertThat(f.engine.client(HubEngine.clientId(fresh.id))).isNotNull();
            assertThat(f.store.loadServers()).anyMatch(r -> r.user().equals("bob") && r.running());
            assertThat(f.spawner.alive).containsKey(fresh.id);
            assertThat(f.spawner.calls.stream().filter(c -> c.startsWith("stop")).count()).as("no second stop").isEqualTo(stopsBefore);
        }
    }

    @Test
    void noServerStartedWhileTheUserIsBeingDeletedSurvivesTheUser() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("carol");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> stopGate = new CompletableFuture<>();
            f.spawner.stopHook = (id, st) -> stopGate.thenRun(() -> f.spawner.alive.remove(id));
            CompletableFuture<Void> delete = f.engine.deleteUser(u);
            assertThatThrownBy(() -> f.engine.spawn(u, "second", Map.of())).isInstanceOf(RequestRefusedException.class)
                    .hasMessageContaining("being deleted");
            stopGate.complete(null);
            delete.get(10, TimeUnit.SECONDS);
            f.spawner.stopHook = null;
            assertThat(f.engine.user("carol")).isNull();
            assertThat(f.spawner.alive).isEmpty();
            assertThat(f.engine.activeServers()).isZero();
        }
    }

    @Test
    void deletingAUserCancelsTheirPendingSpawnInsteadOfFailingHalfWay() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("dora");
            f.engine.spawn(u, "first", Map.of()).get(10, TimeUnit.SECONDS);
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.supplyAsync(() -> {
                while (!context.isCancelled()) {
                    Thread.onSpinWait();
                }
                throw new SpawnException("cancelled as asked");
            });
            f.engine.spawn(u, "second", Map.of());
            f.engine.deleteUser(u).get(10, TimeUnit.SECONDS);
            assertThat(f.engine.user("dora")).isNull();
            assertThat(f.spawner.alive).isEmpty();
            assertThat(f.engine.activeServers()).isZero();
            assertThat(f.engine.spawnsInFlight()).isZero();
        }
    }

    @Test
    void aFailedStopLeavesTheServerRunningWithItsRoute() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("dave");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.spawner.stopHook = (id, st) -> CompletableFuture.failedFuture(new SpawnException("docker daemon down"));
            CompletableFuture<Void> stop = f.engine.stop(u, u.server(""), false);
            stop.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
            assertThat(stop).isCompletedExceptionally();
            ServerState s = u.server("");
            assertThat(s.ready()).isTrue();
            assertThat(s.pending()).isNull();
            assertThat(f.routes()).as("reachable again, not a redirect loop").contains("/user/dave");
        }
    }

    @Test
    void aLateSaveStateCannotMarkAStoppedServerRunning() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            AtomicReference<SpawnContext> ctx = new AtomicReference<>();
            f.spawner.behaviour = (request, context, self) -> {
                ctx.set(context);
                return CompletableFuture.completedFuture(self.launched(request));
            };
            UserState u = f.user("erin");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.engine.stop(u, u.server(""), false).get(10, TimeUnit.SECONDS);
            ctx.get().saveState(new SpawnerState(Map.of("pid", "4242"))); // e.g. a watcher thread, late
            assertThat(f.store.loadServers()).noneMatch(r -> r.user().equals("erin") && r.running());
        }
    }

    @Test
    void aStartThatNeverReturnsIsNeverOverlappedNorStoppedWhileItRuns() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.startTimeout(EngineFixture.limits(s, 1, 0),
                Duration.ofMillis(300)))) {
            CompletableFuture<SpawnResult> hanging = new CompletableFuture<>();
            AtomicReference<SpawnRequest> asked = new AtomicReference<>();
            f.spawner.behaviour = (request, context, self) -> {
                asked.set(request);
                return hanging;
            };
            UserState u = f.user("frank");
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            ServerState s = u.server("");
            assertThat(s.pending()).as("not shown as pending").isNull();
            assertThat(f.engine.spawnsInFlight()).as("its slot is given back").isZero();
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of())).isInstanceOf(RequestRefusedException.class)
                    .hasMessageContaining("not returned");
            assertThat(f.spawner.calls).noneMatch(c -> c.startsWith("stop"));
            assertThat(f.spawner.startsInProgress.get()).isEqualTo(1);
            // Another user is not held up by it.
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
            f.engine.spawn(f.user("grace"), "", Map.of()).get(10, TimeUnit.SECONDS);

            hanging.complete(f.spawner.launched(asked.get())); // the spawner finally returns
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (f.spawner.alive.containsKey(s.id) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(f.spawner.calls).containsSubsequence("start returned frank/", "stop frank/");
            assertThat(f.spawner.alive).doesNotContainKey(s.id);
            while (System.nanoTime() < deadline) {
                try {
                    f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
                    break;
                } catch (RequestRefusedException stillLingering) {
                    Thread.sleep(10);
                }
            }
            assertThat(u.server("").ready()).as("startable again once the spawner returned and was stopped").isTrue();
        }
    }

    @Test
    void closingTheHubDuringASpawnLeavesItsRecordForTheNextStart() throws Exception {
        EngineFixture f = new EngineFixture(dir, s -> s);
        try {
            CompletableFuture<SpawnResult> late = new CompletableFuture<>();
            CountDownLatch started = new CountDownLatch(1);
            f.spawner.behaviour = (request, context, self) -> {
                context.saveState(new SpawnerState(Map.of("container", "c-" + request.server().user())));
                started.countDown();
                return late;
            };
            UserState u = f.user("ivan");
            f.engine.spawn(u, "", Map.of());
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            f.engine.close();
            late.complete(f.spawner.launched(new SpawnRequest(new ServerId("ivan", ""),
                    new UserInfo("ivan", false, Set.of(), Map.of()), Map.of(), Map.of(), List.of(), Duration.ofSeconds(10))));
            Thread.sleep(300);
            assertThat(f.spawner.calls).as("not stopped half-way by the closing hub").noneMatch(c -> c.startsWith("stop"));
            assertThat(f.store.loadServers()).as("the record the next start restores from")
                    .anyMatch(r -> r.user().equals("ivan") && r.running());
        } finally {
            f.spawner.close();
            f.store.close();
            f.http.stop(0);
        }
    }

    @Test
    void anErrorFromTheSpawnerFailsTheSpawnAndGivesTheSlotBack() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.limits(s, 1, 0))) {
            f.spawner.behaviour = (request, context, self) -> {
                throw new NoClassDefFoundError("io/fabric8/kubernetes/client/KubernetesClient");
            };
            UserState u = f.user("judy");
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("KubernetesClient");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (f.engine.spawnsInFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(u.server("").pending()).isNull();
            assertThat(f.engine.spawnsInFlight()).isZero();
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
            f.engine.spawn(f.user("kim"), "", Map.of()).get(10, TimeUnit.SECONDS);
        }
    }
}
