package org.hubkit.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.Route;
import org.hubkit.proxy.netty.NettyProxy;

/**
 * Our proxy, alone in a JVM, for {@link ProxyBenchmark}: {@link NettyProxy} on a loopback port
 * with the routes given, and nothing else (no REST API, no hub).
 *
 * <pre>
 * java -cp hubkit-benchmarks.jar org.hubkit.benchmarks.NettyProxyMain \
 *     [--port 0] [--io-threads 0] [--route /=http://127.0.0.1:8081]... [--max-seconds 3600] [--exit-on-stdin-eof]
 * </pre>
 *
 * Once listening it prints {@code HUBKIT-BENCH READY port=<port> pid=<pid>} on standard output.
 * It exits on SIGTERM, after {@code --max-seconds}, or, with {@code --exit-on-stdin-eof}, when its
 * standard input closes (the benchmark that started it has gone).
 */
public final class NettyProxyMain {

    static final String READY = "HUBKIT-BENCH READY";

    private NettyProxyMain() {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) throws Exception {
        int port = 0;
        int ioThreads = 0;
        long maxSeconds = 3600;
        boolean exitOnEof = false;
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[++i]);
                case "--max-seconds" -> maxSeconds = Long.parseLong(args[++i]);
                case "--exit-on-stdin-eof" -> exitOnEof = true;
                case "--route" -> {
                    String r = args[++i];
                    int eq = r.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--route needs SPEC=TARGET, not " + r);
                    }
                    routes.add(Route.of(r.substring(0, eq), URI.create(r.substring(eq + 1)), Map.of()));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("at least one --route SPEC=TARGET is needed");
        }
        NettyProxy proxy = NettyProxy.builder().ip("127.0.0.1").port(port).ioThreads(ioThreads).build();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            proxy.close();
        }, "proxy-close"));
        proxy.start().toCompletableFuture().join();
        for (Route r : routes) {
            proxy.addRoute(r).toCompletableFuture().join();
        }
        if (exitOnEof) {
            StdinWatch.start(stop);
        }
        System.out.println(READY + " port=" + proxy.port() + " pid=" + ProcessHandle.current().pid()
                + " ioThreads=" + proxy.ioThreads() + " nativeTransport=" + proxy.nativeTransport());
        System.out.flush();
        if (!stop.await(maxSeconds, TimeUnit.SECONDS)) {
            System.out.println("max time of " + maxSeconds + " s reached: exiting");
        }
        System.exit(0);
    }

    /** Counts a latch down when standard input reaches its end. */
    static final class StdinWatch {
        private StdinWatch() {
        }

        static void start(CountDownLatch stop) {
            Thread t = new Thread(() -> {
                try {
                    byte[] buf = new byte[256];
                    while (System.in.read(buf) >= 0) {
                        // discard: only the end matters
                    }
                } catch (java.io.IOException ignored) {
                    // treated as the end
                }
                System.out.println("standard input closed: exiting");
                stop.countDown();
            }, "stdin-watch");
            t.setDaemon(true);
            t.start();
        }
    }
}
