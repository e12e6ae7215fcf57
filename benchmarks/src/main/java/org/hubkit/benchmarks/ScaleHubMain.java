package org.hubkit.benchmarks;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.DummyAuthenticator;
import org.hubkit.core.Hub;
import org.hubkit.core.Service;
import org.hubkit.proxy.netty.NettyProxy;

/**
 * The hub {@link ScaleBenchmark} kills and starts again: a real {@link Hub} (H2 in {@code --data},
 * the in-process {@link NettyProxy}, an admin service token, {@code cleanupServers(false)} as the
 * reference server runs) whose spawner starts nothing: every server is the one HTTP server at
 * {@code --backend} (answering 200 on every path, so the readiness check passes), and every poll
 * says it is alive. What is measured is the hub, not servers.
 *
 * <pre>
 * java -cp hubkit-benchmarks.jar org.hubkit.benchmarks.ScaleHubMain --data DIR --port P --proxy-port P2 \
 *     --backend http://127.0.0.1:B --token T [--poll-delay-ms 0] [--max-seconds 3600] [--exit-on-stdin-eof]
 * </pre>
 *
 * Once {@code Hub.start()} has returned it prints {@code HUBKIT-BENCH READY start_ms=<ms> jvm_ms=<ms>}:
 * how long {@code start()} took, and how long after the JVM's own start it returned.
 */
public final class ScaleHubMain {

    private ScaleHubMain() {
    }

    /**
     * A spawner for the benchmark: one shared backend for every server, always alive. With a poll
     * delay each poll answers that much later (without holding a thread), as a container API
     * would.
     */
    static final class SharedBackendSpawner implements Spawner {
        private final URI backend;
        private final long pollDelayMillis;

        SharedBackendSpawner(URI backend, long pollDelayMillis) {
            this.backend = backend;
            this.pollDelayMillis = pollDelayMillis;
        }

        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            return CompletableFuture.completedFuture(
                    new SpawnResult(backend, new SpawnerState(Map.of("bench", request.server().qualifiedName()))));
        }

        @Override
        public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
            if (pollDelayMillis <= 0) {
                return CompletableFuture.completedFuture(PollResult.alive());
            }
            return CompletableFuture.supplyAsync(PollResult::alive,
                    CompletableFuture.delayedExecutor(pollDelayMillis, TimeUnit.MILLISECONDS));
        }

        @Override
        public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String name() {
            return "SharedBackendSpawner";
        }
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) throws Exception {
        Path data = null;
        int port = 0;
        int proxyPort = 0;
        URI backend = null;
        String token = null;
        long maxSeconds = 3600;
        boolean exitOnEof = false;
        long pollDelayMillis = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--proxy-port" -> proxyPort = Integer.parseInt(args[++i]);
                case "--backend" -> backend = URI.create(args[++i]);
                case "--token" -> token = args[++i];
                case "--max-seconds" -> maxSeconds = Long.parseLong(args[++i]);
                case "--exit-on-stdin-eof" -> exitOnEof = true;
                case "--poll-delay-ms" -> pollDelayMillis = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null || backend == null || token == null || port == 0 || proxyPort == 0) {
            throw new IllegalArgumentException("--data, --port, --proxy-port, --backend and --token are required");
        }
        Hub hub = Hub.builder()
                .spawner(new SharedBackendSpawner(backend, pollDelayMillis))
                .authenticator(new DummyAuthenticator())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(data.resolve("db")))
                .volumePolicy(VolumePolicy.none())
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .port(port)
                .cleanupServers(false)
                .concurrentSpawnLimit(0)
                .startTimeout(Duration.ofSeconds(60))
                .addService(new Service("bench", token, true))
                .build();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            hub.close();
        }, "hub-close"));
        long t0 = System.nanoTime();
        hub.start();
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long jvmMillis = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        if (exitOnEof) {
            NettyProxyMain.StdinWatch.start(stop);
        }
        System.out.println(NettyProxyMain.READY + " start_ms=" + startMillis + " jvm_ms=" + jvmMillis + " pid="
                + ProcessHandle.current().pid());
        System.out.flush();
        if (!stop.await(maxSeconds, TimeUnit.SECONDS)) {
            System.out.println("max time of " + maxSeconds + " s reached: exiting");
        }
        System.exit(0);
    }
}
