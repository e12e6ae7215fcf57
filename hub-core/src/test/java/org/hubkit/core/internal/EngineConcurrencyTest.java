package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hubkit.api.SpawnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine under concurrent starts, stops and cancellations with both limits set: no deadlock,
 * no limit ever exceeded, nothing left pending and no spawn slot leaked. (The engine's first
 * version deadlocked here: a spawn held one server's monitor while counting active servers
 * through every other server's.)
 */
class EngineConcurrencyTest {
    private static final int USERS = 2_000;
    private static final int THREADS = 16;
    private static final int OPERATIONS_PER_THREAD = 1_000;
    private static final int CONCURRENT_LIMIT = 20;
    private static final int ACTIVE_LIMIT = 50;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sixteenThreadsStartingStoppingAndCancellingNeverDeadlockAndRespectBothLimits() throws Exception {
        try (EngineFixture f = new EngineFixture(dir, s -> EngineFixture.limits(s, CONCURRENT_LIMIT, ACTIVE_LIMIT))) {
            // Starts finish after 0-3 ms, one in ten fails.
            f.spawner.behaviour = (request, context, self) -> {
                CompletableFuture<org.hubkit.api.SpawnResult> r = new CompletableFuture<>();
                int delay = ThreadLocalRandom.current().nextInt(4);
                self.timer.schedule(() -> {
                    if (ThreadLocalRandom.current().nextInt(10) == 0) {
                        r.completeExceptionally(new SpawnException("failing on purpose"));
                    } else {
                        r.complete(self.launched(request));
                    }
                }, delay, TimeUnit.MILLISECONDS);
                return r;
            };
            List<UserState> users = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                users.add(f.user("u" + i));
            }
            AtomicInteger refusedForLimits = new AtomicInteger();
            AtomicInteger maxActiveSeen = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            List<Future<?>> work = new ArrayList<>();
            List<CompletableFuture<Void>> lifecycles = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < THREADS; t++) {
                work.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < OPERATIONS_PER_THREAD; i++) {
                        UserState u = users.get(rnd.nextInt(USERS));
                        String server = rnd.nextInt(4) == 0 ? "named" : "";
                        try {
                            switch (rnd.nextInt(3)) {
                                case 0 -> lifecycles.add(f.engine.spawn(u, server, java.util.Map.of("n", i)));
                                case 1 -> {
                                    ServerState s = u.server(server);
                                    if (s != null) {
                                        lifecycles.add(f.engine.stop(u, s, rnd.nextBoolean() && !server.isEmpty()));
                                    }
                                }
                                default -> {
                                    // what GET /hub/api/users does, concurrently with the rest
                                    Models.user(f.engine, u, new Caller(null, null, null, null, java.util.Set.of("admin:users")), true);
                                    maxActiveSeen.accumulateAndGet((int) f.engine.activeServers(), Math::max);
                                }
                            }
                        } catch (RequestRefusedException refused) {
                            ApiError e = ApiError.of(refused);
                            if (e.status() == 429) {
                                refusedForLimits.incrementAndGet();
                            } else {
                                assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
                            }
                        }
                    }
                    return null;
                }));
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (Future<?> w : work) {
                while (true) {
                    try {
                        w.get(2, TimeUnit.SECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException stillRunning) {
                        assertThat(threads.findDeadlockedThreads()).as("deadlocked threads").isNull();
                    }
                }
            }
            pool.shutdown();
            for (CompletableFuture<Void> c : List.copyOf(lifecycles)) {
                c.handle((v, e) -> null).get(60, TimeUnit.SECONDS);
            }
            assertThat(threads.findDeadlockedThreads()).isNull();
            // Wait until stops and cleanups that were still running when their futures were collected end.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((!f.pendingServers().isEmpty() || f.engine.spawnsInFlight() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(f.pendingServers()).as("servers left pending").isEmpty();
            assertThat(f.engine.spawnsInFlight()).as("spawn slots not given back").isZero();
            assertThat(f.engine.activeServers()).as("the active count matches the servers").isEqualTo(f.readyServers());
            assertThat(f.spawner.maxStartsInProgress.get()).as("concurrent spawn limit").isLessThanOrEqualTo(CONCURRENT_LIMIT);
            assertThat(f.spawner.maxAlive.get()).as("active server limit").isLessThanOrEqualTo(ACTIVE_LIMIT);
            assertThat(maxActiveSeen.get()).isLessThanOrEqualTo(ACTIVE_LIMIT);
            assertThat(refusedForLimits.get()).as("the limits were reached").isPositive();
            assertThat(f.spawner.alive.size()).as("every running server is known to the hub").isEqualTo((int) f.readyServers());
            assertThat(f.routes()).hasSize((int) f.readyServers());
        }
    }
}
