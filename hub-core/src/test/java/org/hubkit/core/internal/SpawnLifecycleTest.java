package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.PollResult;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.SpawnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spawns that fail, hang, time out or are cancelled, and polls that fail: the engine with a fake
 * spawner, so each case is exact. Every case must end with nothing pending and the spawn slot
 * given back, and {@code stop} must come only after {@code start} has returned.
 */
@Timeout(60)
class SpawnLifecycleTest {
    @TempDir
    Path dir;

    private static void awaitIdle(EngineFixture f) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((!f.pendingServers().isEmpty() || f.engine.spawnsInFlight() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(f.pendingServers()).as("pending servers").isEmpty();
        assertThat(f.engine.spawnsInFlight()).as("spawn slots in use").isZero();
    }

    @Test
    void nullInUserOptionsIsAcceptedAndKept() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("alice");
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("x", null);
            options.put("image", "base");
            f.engine.spawn(u, "", options).get(10, TimeUnit.SECONDS);
            assertThat(u.server("").ready()).isTrue();
            Map<String, Object> model = Models.server(f.engine, u.server(""), null);
            @SuppressWarnings("unchecked")
            Map<String, Object> kept = (Map<String, Object>) model.get("user_options");
            assertThat(kept).containsEntry("x", null).containsEntry("image", "base");
            awaitIdle(f);
        }
    }

    @Test
    void aFailingStartLeavesNothingPendingAndGivesTheSlotBack() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.limits(s, 1, 0))) {
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.failedFuture(new SpawnException("no image"));
            UserState u = f.user("alice");
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("no image");
            awaitIdle(f);
            assertThat(u.server("").lastEvent()).satisfies(e -> assertThat(e.failed()).isTrue());
            // The one slot is free again: another user can spawn.
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
            f.engine.spawn(f.user("bob"), "", Map.of()).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStartThatThrowsAtOnceLeavesNothingPending() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.limits(s, 1, 1))) {
            f.spawner.behaviour = (request, context, self) -> {
                throw new IllegalStateException("bug in the spawner");
            };
            UserState u = f.user("alice");
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("bug in the spawner");
            awaitIdle(f);
            assertThat(f.engine.activeServers()).isZero();
        }
    }

    @Test
    void aTimedOutStartIsCancelledAndStopComesOnlyAfterStartReturned() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.startTimeout(EngineFixture.limits(s, 1, 0),
                Duration.ofMillis(300)))) {
            CountDownLatch sawCancel = new CountDownLatch(1);
            CountDownLatch mayReturn = new CountDownLatch(1);
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.supplyAsync(() -> {
                // A spawner that checks the flag between its steps, and needs a moment to undo its work.
                while (!context.isCancelled()) {
                    Thread.onSpinWait();
                }
                sawCancel.countDown();
                try {
                    mayReturn.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return self.launched(request);
            });
            UserState u = f.user("alice");
            CompletableFuture<Void> spawn = f.engine.spawn(u, "", Map.of());
            assertThat(sawCancel.await(10, TimeUnit.SECONDS)).as("the spawner is told the spawn is cancelled").isTrue();
            ServerState s = u.server("");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.pending() != ServerState.Pending.STOP && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(s.pending()).as("cleaning up: shown as stopping, not startable").isEqualTo(ServerState.Pending.STOP);
            assertThatThrownBy(() -> f.engine.spawn(u, "", Map.of())).isInstanceOf(RequestRefusedException.class)
                    .satisfies(e -> assertThat(ApiError.of((RequestRefusedException) e).status()).isEqualTo(400));
            assertThat(f.spawner.calls).as("no stop while start runs").doesNotContain("stop alice/");
            mayReturn.countDown();
            assertThatThrownBy(() -> spawn.get(10, TimeUnit.SECONDS)).hasMessageContaining("within");
            awaitIdle(f);
            assertThat(f.spawner.calls).containsSubsequence("start alice/", "start returned alice/", "stop alice/");
            assertThat(f.spawner.alive).as("what the late start launched was stopped").isEmpty();
            assertThat(f.engine.activeServers()).isZero();
            List<String> messages = s.events.stream().map(ProgressEvent::message).toList();
            assertThat(messages.get(messages.size() - 1)).contains("cancelled").contains("within");
        }
    }

    @Test
    void stoppingAPendingSpawnCancelsIt() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.limits(s, 1, 1))) {
            CountDownLatch started = new CountDownLatch(1);
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.supplyAsync(() -> {
                started.countDown();
                while (!context.isCancelled()) {
                    Thread.onSpinWait();
                }
                throw new SpawnException("gave up as asked");
            });
            UserState u = f.user("alice");
            CompletableFuture<Void> spawn = f.engine.spawn(u, "", Map.of());
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            f.engine.stop(u, u.server(""), false).get(10, TimeUnit.SECONDS);
            assertThat(spawn).isCompletedExceptionally();
            awaitIdle(f);
            assertThat(u.server("") == null || !u.server("").active()).isTrue();
            assertThat(f.spawner.calls).containsSubsequence("start returned alice/", "stop alice/");
            // and it can be started again
            f.spawner.behaviour = (request, context, self) -> CompletableFuture.completedFuture(self.launched(request));
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            assertThat(u.server("").ready()).isTrue();
        }
    }

    @Test
    void aPollThatFailsDoesNotStopTheServerButADefiniteNoDoes() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> s)) {
            UserState u = f.user("alice");
            f.engine.spawn(u, "", Map.of()).get(10, TimeUnit.SECONDS);
            f.spawner.poll = id -> CompletableFuture.failedFuture(new SpawnException("docker API down"));
            f.engine.pollAll();
            assertThat(u.server("").ready()).as("a failed poll changes nothing").isTrue();
            assertThat(f.routes()).contains("/user/alice");
            f.spawner.poll = id -> CompletableFuture.completedFuture(PollResult.stopped(1, "exited"));
            f.engine.pollAll();
            assertThat(u.server("").active()).as("stopped").isFalse();
            assertThat(f.routes()).doesNotContain("/user/alice");
        }
    }

    @Test
    void atRestoreAServerTheSpawnerKnowsToBeGoneIsMarkedStopped() throws Exception {
        try (EngineFixture first = new EngineFixture(dir, s -> s)) {
            first.engine.spawn(first.user("alice"), "", Map.of()).get(10, TimeUnit.SECONDS);
        }
        // A new engine on the same store; its spawner knows of no running server.
        try (EngineFixture second = new EngineFixture(dir, s -> s)) {
            assertThat(second.engine.user("alice").server("").active()).isFalse();
            assertThat(second.routes()).doesNotContain("/user/alice");
        }
    }

    @Test
    void atRestoreAFailedPollKeepsTheServerPendingUntilAPollCanTell() throws Exception {
        try (EngineFixture first = new EngineFixture(dir, s -> s)) {
            first.engine.spawn(first.user("alice"), "", Map.of()).get(10, TimeUnit.SECONDS);
        }
        // The container API is down at start-up, and the old server's address does not answer.
        try (EngineFixture second = new EngineFixture(dir, s -> s,
                spawner -> spawner.poll = id -> CompletableFuture.failedFuture(new SpawnException("cannot tell")))) {
            ServerState s = second.engine.user("alice").server("");
            assertThat(s).as("not stopped on a failed poll").isNotNull();
            assertThat(s.pending()).isEqualTo(ServerState.Pending.CHECK);
            assertThat(s.active()).isTrue();
            assertThat(second.engine.activeServers()).isEqualTo(1);
            second.spawner.poll = id -> CompletableFuture.completedFuture(PollResult.alive());
            second.engine.pollAll();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!s.ready() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(s.ready()).as("restored once the spawner could tell").isTrue();
            assertThat(s.pending()).isNull();
            assertThat(second.routes()).contains("/user/alice");
        }
    }
}
