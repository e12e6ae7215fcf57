package org.hubkit.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WebSocket load client of {@link ProxyBenchmark}, alone in a JVM ({@code java.net.http.WebSocket}).
 *
 * <p>Opens {@code --connections} WebSockets to {@code --url} (at most 32 handshakes at a time) and
 * then, on each, sends a {@code --size}-byte text message and waits for its echo:
 * <ul>
 *   <li>closed loop ({@code --interval-ms 0}, the default): the next message leaves as soon as
 *       the echo is in, for {@code --warmup} seconds not counted, then {@code --seconds} counted;</li>
 *   <li>paced ({@code --interval-ms N}): one message per connection every N ms (random phase),
 *       for {@code --seconds}; a message whose echo is not in after 5 s counts as a timeout.</li>
 * </ul>
 * Echoes are checked byte for byte. Prints {@code HUBKIT-BENCH CONNECTED open=N failed=M} once
 * the connections are open, {@code HUBKIT-BENCH PROGRESS ...} every {@code --progress} seconds if
 * asked, and last one {@code HUBKIT-BENCH RESULT key=value ...} line ({@link Result#parse}).
 * Bounded: it exits after {@code --seconds} plus at most 60 s whatever happens.
 */
public final class WsLoad {

    static final String PREFIX = "HUBKIT-BENCH ";
    private static final long ECHO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * What one run measured. Latencies in milliseconds; -1 without samples. {@code cpuPercent}: the
     * client's own CPU time from the start of the warm-up to the end of the measured window, in
     * percent of one core (-1 when the client did not say).
     */
    record Result(int open, int failedConnects, long messages, double seconds, double rate, double p50Millis,
                  double p99Millis, double maxMillis, long mismatches, long timeouts, long closedEarly, long sendErrors,
                  double cpuPercent) {

        /** Every connection opened and stayed open, every echo came back intact and in time. */
        boolean clean() {
            return failedConnects == 0 && mismatches == 0 && timeouts == 0 && closedEarly == 0 && sendErrors == 0
                    && messages > 0;
        }

        String errorSummary() {
            return String.format(Locale.ROOT, "failed connects %d, closed early %d, send errors %d, timeouts %d, mismatches %d",
                    failedConnects, closedEarly, sendErrors, timeouts, mismatches);
        }

        String line() {
            return String.format(Locale.ROOT,
                    "%sRESULT open=%d failed=%d messages=%d seconds=%.3f rate=%.1f p50=%.3f p99=%.3f max=%.3f"
                            + " mismatches=%d timeouts=%d closed=%d senderrors=%d cpu=%.1f",
                    PREFIX, open, failedConnects, messages, seconds, rate, p50Millis, p99Millis, maxMillis,
                    mismatches, timeouts, closedEarly, sendErrors, cpuPercent);
        }

        private static final Pattern KV = Pattern.compile("(\\w+)=(-?[0-9.]+)");

        /** Reads the RESULT line from a client's output (WsLoad's or wsload.c's; {@code cpu} may be absent). */
        static Result parse(String output) throws IOException {
            String line = null;
            for (String l : output.split("\n")) {
                if (l.startsWith(PREFIX + "RESULT ")) {
                    line = l;
                }
            }
            if (line == null) {
                throw new IOException("no RESULT line in the WebSocket client's output:\n" + output);
            }
            Map<String, String> kv = new LinkedHashMap<>();
            Matcher m = KV.matcher(line);
            while (m.find()) {
                kv.put(m.group(1), m.group(2));
            }
            try {
                return new Result(Integer.parseInt(kv.get("open")), Integer.parseInt(kv.get("failed")),
                        Long.parseLong(kv.get("messages")), Double.parseDouble(kv.get("seconds")),
                        Double.parseDouble(kv.get("rate")), Double.parseDouble(kv.get("p50")),
                        Double.parseDouble(kv.get("p99")), Double.parseDouble(kv.get("max")),
                        Long.parseLong(kv.get("mismatches")), Long.parseLong(kv.get("timeouts")),
                        Long.parseLong(kv.get("closed")), Long.parseLong(kv.get("senderrors")),
                        kv.containsKey("cpu") ? Double.parseDouble(kv.get("cpu")) : -1);
            } catch (RuntimeException e) {
                throw new IOException("unreadable RESULT line: " + line, e);
            }
        }
    }

    private final URI url;
    private final int connections;
    private final int seconds;
    private final int warmup;
    private final int intervalMillis;
    private final int progressSeconds;
    private final String message;

    private final AtomicLong mismatches = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong closedEarly = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicInteger openNow = new AtomicInteger();
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureTo = Long.MAX_VALUE;
    private volatile boolean stopping;

    private WsLoad(URI url, int connections, int seconds, int warmup, int intervalMillis, int size, int progressSeconds) {
        this.url = url;
        this.connections = connections;
        this.seconds = seconds;
        this.warmup = warmup;
        this.intervalMillis = intervalMillis;
        this.progressSeconds = progressSeconds;
        StringBuilder b = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            b.append((char) ('a' + i % 26));
        }
        this.message = b.toString();
    }

    /**
     * Entry point.
     *
     * @param args {@code --url ws://... [--connections 64] [--seconds 10] [--warmup 2] [--size 32]
     *        [--interval-ms 0] [--progress 0]}
     */
    public static void main(String[] args) throws Exception {
        URI url = null;
        int connections = 64;
        int seconds = 10;
        int warmup = 2;
        int size = 32;
        int interval = 0;
        int progress = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = URI.create(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--interval-ms" -> interval = Integer.parseInt(args[++i]);
                case "--progress" -> progress = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url ws://host:port/path is needed");
        }
        int limit = seconds + warmup + 60;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(limit));
                System.out.println(PREFIX + "ABORT time limit of " + limit + " s reached");
                System.out.flush();
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException done) {
                // finished
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Result r = new WsLoad(url, connections, seconds, warmup, interval, size, progress).run();
        System.out.println(r.line());
        System.out.flush();
        System.exit(0);
    }

    /** One WebSocket and its samples; one message in flight at a time. */
    private final class Conn implements WebSocket.Listener {
        final int index;
        volatile WebSocket ws;
        final StringBuilder received = new StringBuilder();
        volatile long sentAt;          // 0 when nothing is in flight
        volatile CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);
        long[] samples = new long[1024];
        int count;
        volatile boolean closed;

        Conn(int index) {
            this.index = index;
        }

        /**
         * Sends the message once the previous send has completed: the echo can be in before the
         * client has seen its own write complete, and a second send then fails ("Send pending").
         */
        void send() {
            if (stopping || closed) {
                return;
            }
            CompletableFuture<WebSocket> previous = lastSend;
            if (previous.isDone()) {
                sendNow();
            } else {
                previous.whenComplete((w, e) -> sendNow());
            }
        }

        private void sendNow() {
            if (stopping || closed) {
                return;
            }
            // Set before sending: the echo may be in before sendText returns.
            CompletableFuture<WebSocket> done = new CompletableFuture<>();
            lastSend = done;
            sentAt = System.nanoTime();
            ws.sendText(message, true).whenComplete((w, e) -> {
                if (e != null && !stopping) {
                    if (sendErrors.getAndIncrement() == 0) {
                        System.out.println(PREFIX + "first send error: " + e);
                    }
                    sentAt = 0;
                }
                done.complete(w);
            });
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.append(data);
            if (last) {
                long now = System.nanoTime();
                long start = sentAt;
                sentAt = 0;
                if (!message.contentEquals(received)) {
                    mismatches.incrementAndGet();
                }
                received.setLength(0);
                if (start != 0 && start >= measureFrom && now <= measureTo) {
                    record(now - start);
                }
                if (intervalMillis == 0) {
                    send();
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
            mismatches.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            gone();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            gone();
        }

        private void gone() {
            if (!closed) {
                closed = true;
                openNow.decrementAndGet();
                if (!stopping) {
                    closedEarly.incrementAndGet();
                }
            }
        }

        private void record(long nanos) {
            synchronized (this) {
                if (count == samples.length) {
                    if (count >= 50_000_000) {
                        return;
                    }
                    samples = Arrays.copyOf(samples, count * 2);
                }
                samples[count++] = nanos;
            }
        }

        synchronized long[] takeSamples() {
            return Arrays.copyOf(samples, count);
        }

        /** Paced mode: sends if idle; counts an echo that is late. */
        void tick() {
            long s = sentAt;
            if (s != 0) {
                if (System.nanoTime() - s > ECHO_TIMEOUT_NANOS) {
                    timeouts.incrementAndGet();
                    sentAt = 0;
                }
                return;
            }
            send();
        }
    }

    private Result run() throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<Conn> conns = new ArrayList<>();
        List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
        Semaphore handshakes = new Semaphore(32);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < connections; i++) {
            Conn c = new Conn(i);
            conns.add(c);
            handshakes.acquire();
            CompletableFuture<WebSocket> f = client.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(url, c)
                    .whenComplete((ws, e) -> {
                        handshakes.release();
                        if (e != null) {
                            if (failed.getAndIncrement() == 0) {
                                System.out.println(PREFIX + "first connect failure: " + e);
                            }
                            c.closed = true;
                        } else {
                            c.ws = ws;
                            openNow.incrementAndGet();
                        }
                    });
            opening.add(f);
        }
        try {
            CompletableFuture.allOf(opening.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // counted per connection
        }
        List<Conn> open = conns.stream().filter(c -> c.ws != null && !c.closed).toList();
        System.out.println(PREFIX + "CONNECTED open=" + open.size() + " failed=" + failed.get());
        System.out.flush();

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ws-load-timer");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        if (intervalMillis == 0) {
            measureFrom = t0 + TimeUnit.SECONDS.toNanos(warmup);
            measureTo = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
            open.forEach(Conn::send);
        } else {
            measureFrom = t0;
            measureTo = t0 + TimeUnit.SECONDS.toNanos(seconds);
            for (Conn c : open) {
                long phase = ThreadLocalRandom.current().nextLong(intervalMillis);
                timer.scheduleAtFixedRate(c::tick, phase, intervalMillis, TimeUnit.MILLISECONDS);
            }
        }
        if (progressSeconds > 0) {
            timer.scheduleAtFixedRate(() -> {
                long n = open.stream().mapToLong(c -> {
                    synchronized (c) {
                        return c.count;
                    }
                }).sum();
                System.out.printf(Locale.ROOT, "%sPROGRESS t=%ds open=%d echoes=%d timeouts=%d closed=%d senderrors=%d mismatches=%d%n",
                        PREFIX, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), openNow.get(), n, timeouts.get(),
                        closedEarly.get(), sendErrors.get(), mismatches.get());
                System.out.flush();
            }, progressSeconds, progressSeconds, TimeUnit.SECONDS);
        }
        long sleep = measureTo - System.nanoTime();
        if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
        }
        long cpu1 = cpuNanos();
        double cpuPercent = cpu0 < 0 || cpu1 < 0 ? -1 : 100.0 * (cpu1 - cpu0) / (measureTo - t0);
        stopping = true;
        timer.shutdownNow();
        // In-flight echoes get a moment; they are not counted (they end after measureTo).
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < drainUntil && open.stream().anyMatch(c -> c.sentAt != 0 && !c.closed)) {
            Thread.sleep(10);
        }
        double measured = (Math.min(System.nanoTime(), measureTo) - measureFrom) / 1e9;
        long total = 0;
        List<long[]> all = new ArrayList<>();
        for (Conn c : open) {
            long[] s = c.takeSamples();
            all.add(s);
            total += s.length;
        }
        long[] merged = new long[(int) Math.min(Integer.MAX_VALUE - 8, total)];
        int at = 0;
        for (long[] s : all) {
            int n = Math.min(s.length, merged.length - at);
            System.arraycopy(s, 0, merged, at, n);
            at += n;
        }
        Arrays.sort(merged);
        List<CompletableFuture<WebSocket>> closing = new ArrayList<>();
        for (Conn c : open) {
            if (!c.closed) {
                closing.add(c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").toCompletableFuture());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(new CompletableFuture[0])).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing is best effort: the JVM exits next
        }
        open.forEach(c -> c.ws.abort());
        return new Result(open.size(), connections - open.size(), total, measured,
                measured > 0 ? total / measured : 0, percentile(merged, 0.50), percentile(merged, 0.99),
                merged.length == 0 ? -1 : merged[merged.length - 1] / 1e6,
                mismatches.get(), timeouts.get(), closedEarly.get(), sendErrors.get(), cpuPercent);
    }

    /** This JVM's CPU time so far (all threads), or -1. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds; -1 when empty. */
    static double percentile(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }
}
