package org.hubkit.benchmarks;

import static org.hubkit.benchmarks.Cli.value;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Restart at scale, for the issue "5,000 running servers restored in seconds": a hub
 * ({@link ScaleHubMain}) with 50,000 users, one API token each and 5,000 running servers is
 * killed with SIGKILL ({@code kill -9}) and started again on the same H2 database; printed are
 * the time until {@code GET /hub/api/} answers, until every server's route is back in the proxy,
 * of {@code GET /hub/api/users?limit=200} deep in the list, and the hub's RSS and heap. Not a
 * test: it asserts nothing, the goals are printed next to the figures.
 *
 * <p>Every server is one HTTP server in this JVM that answers 200 on every path (the hub's
 * readiness check and the probes through the proxy go there); the hub's spawner only hands out
 * its URL and says "alive" to every poll. First the same hub on an empty database is started
 * {@code --empty-runs} times: the time its API takes to answer is the baseline the goal is
 * relative to. Then the hub is filled through its own REST API (users in bulk, a token each,
 * servers started), killed, and started again {@code --restarts} times.
 *
 * <p>Everything is on loopback, in one temporary folder; each wait has a time limit, the whole run
 * {@code --max-minutes}; a shutdown hook ends the hub (by pid) and deletes the folder on any exit.
 *
 * <p>Run with {@code benchmarks/scale-run.sh [options]}; {@code --help} lists the options.
 */
public final class ScaleBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BACKEND_BODY = "hubkit-bench-backend\n";
    private static final Pattern LOG_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");
    private static final Pattern READY = Pattern.compile(NettyProxyMain.READY + " start_ms=(\\d+) jvm_ms=(\\d+)");

    /**
     * Times of one start, in milliseconds from the moment the hub's JVM was launched;
     * {@code storedServers} is how many running servers the hub found in its store (-1 unknown).
     */
    record Start(String label, long apiMillis, long routesMillis, long routes, long storedServers, long startMethodMillis,
                 long jvmMillis, Map<String, Long> phases, List<long[]> timeline) {
    }

    /** Latencies of one query, in microseconds. */
    record Latency(String query, int requests, int items, long first, long median, long p95, long max) {
    }

    /** The hub's memory; KiB, -1 when unknown. */
    record Memory(long rssKb, long heapUsedKb, long heapCommittedKb, long liveHeapKb, int threads) {
    }

    /** One restart's figures. */
    record Restart(Start start, List<Latency> latencies, Memory memory, int probesOk, int probes, long readyUsers) {
    }

    private final Options options;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final Ports ports = new Ports();
    private final AtomicLong backendRequests = new AtomicLong();
    private final HttpClient probeClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    private HttpServer backend;
    private Path work;
    private String token;
    private int hubPort;
    private int proxyPort;

    private ScaleBenchmark(Options options) {
        this.options = options;
    }

    /**
     * Entry point.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) throws Exception {
        Cli.main(args, Options::parse, o -> o.help, Options.USAGE, o -> new ScaleBenchmark(o).run());
    }

    private int run() throws Exception {
        Thread watchdog = Cli.guard(this::closeAll, "scale-cleanup", options.maxMinutes);
        work = Files.createTempDirectory("hubkit-bench-scale-");
        token = newToken();
        backend = startBackend();
        hubPort = ports.free();
        proxyPort = ports.free();
        printSetup();

        List<Start> empty = new ArrayList<>();
        for (int i = 1; i <= options.emptyRuns; i++) {
            Launched launched = launch("empty-" + i, Files.createDirectories(work.resolve("empty-" + i)));
            Child hub = launched.child();
            Start s = awaitStart(launched, "empty hub, start " + i, 0);
            empty.add(s);
            say("empty hub %d: GET /hub/api/ answered after %.2f s (Hub.start() %d ms, returned %d ms after the JVM started)", i,
                    s.apiMillis() / 1e3, s.startMethodMillis(), s.jvmMillis());
            hub.close();
            children.remove(hub);
        }

        Path data = Files.createDirectories(work.resolve("hub"));
        Launched seeding = launch("seed", data);
        Child hub = seeding.child();
        awaitStart(seeding, "seeding hub", 0);
        HubApi api = api();
        List<String> users = IntStream.rangeClosed(1, options.users).mapToObj(i -> String.format(Locale.ROOT, "u%05d", i)).toList();
        seed(api, users);
        long dbBytes = treeSize(data);
        say("database folder after seeding: %.1f MiB", dbBytes / 1048576.0);

        List<Restart> restarts = new ArrayList<>();
        for (int r = 1; r <= options.restarts; r++) {
            // H2 (by default) writes commits to its file up to a second after they return: a hub killed
            // sooner forgets the last servers it started. Let it write them, then kill it.
            Thread.sleep(options.settleMillis);
            say("kill -9 %d (SIGKILL: no shutdown hook, no clean close of H2), %d ms after its last write", hub.pid(),
                    options.settleMillis);
            killHard(hub);
            Launched restarted = launch("restart-" + r, data);
            hub = restarted.child();
            Start s = awaitStart(restarted, "restart " + r, options.servers);
            say("restart %d: GET /hub/api/ after %.2f s, all %,d routes after %s (Hub.start() %d ms)", r, s.apiMillis() / 1e3,
                    options.servers, s.routesMillis() < 0 ? "never" : String.format(Locale.ROOT, "%.2f s", s.routesMillis() / 1e3),
                    s.startMethodMillis());
            restarts.add(measureRunning(hub, api, s, users));
        }
        hub.close();
        children.remove(hub);
        watchdog.interrupt();
        System.out.println();
        System.out.print(report(empty, restarts, dbBytes));
        return restarts.stream().allMatch(r -> r.start().routesMillis() >= 0) ? 0 : 1;
    }

    // ------------------------------------------------------------------ the hub process

    /** A hub process and when it was launched (both clocks, taken just before the fork). */
    record Launched(Child child, long nanos, long wallMillis) {
    }

    private Launched launch(String label, Path data) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options.hubJavaOpts);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScaleHubMain.class.getName(),
                "--data", data.toString(), "--port", Integer.toString(hubPort), "--proxy-port", Integer.toString(proxyPort),
                "--backend", "http://127.0.0.1:" + backend.getAddress().getPort(), "--token", token,
                "--poll-delay-ms", Integer.toString(options.pollDelayMillis),
                "--max-seconds", Long.toString(options.maxMinutes * 60L), "--exit-on-stdin-eof"));
        long nanos = System.nanoTime();
        long wall = System.currentTimeMillis();
        Child c = Child.start("hub-" + label, cmd, work.resolve("hub-" + label + ".log"), Map.of(), true);
        children.add(c);
        return new Launched(c, nanos, wall);
    }

    private HubApi api() {
        return new HubApi("http://127.0.0.1:" + hubPort + "/hub/api", token);
    }

    /** SIGKILL, and wait until the process is gone. */
    private void killHard(Child hub) throws IOException, InterruptedException {
        hub.handle().destroyForcibly(); // SIGKILL on Linux
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hub.alive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (hub.alive()) {
            throw new IOException("pid " + hub.pid() + " still alive 30 s after SIGKILL");
        }
        hub.close();
        children.remove(hub);
    }

    /**
     * Times a start: until {@code GET /hub/api/} answers (a request sent while the hub loads is
     * answered as soon as it can: its port is bound early), then, when {@code servers > 0}, until
     * the proxy holds a route for each server besides the hub's own.
     */
    private Start awaitStart(Launched process, String label, int servers) throws IOException, InterruptedException {
        Child hub = process.child();
        long launched = process.nanos();
        long launchedWall = process.wallMillis();
        HubApi api = api();
        long deadline = launched + TimeUnit.SECONDS.toNanos(options.startTimeout);
        long apiMillis = -1;
        String last = "no answer";
        while (System.nanoTime() < deadline && apiMillis < 0) {
            if (!hub.alive()) {
                throw new IOException(hub.exitDescription() + " during " + label + "; output:\n" + hub.tail(40));
            }
            try {
                HubApi.Answer a = api.version(Duration.ofSeconds(options.startTimeout));
                if (a.status() == 200) {
                    apiMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched);
                } else {
                    last = "HTTP " + a.status();
                    Thread.sleep(options.sampleMillis);
                }
            } catch (IOException e) {
                last = e.toString();
                Thread.sleep(options.sampleMillis);
            }
        }
        if (apiMillis < 0) {
            throw new IOException(label + ": GET /hub/api/ did not answer within " + options.startTimeout + " s (" + last + ")");
        }
        List<long[]> timeline = new ArrayList<>();
        long routesMillis = -1;
        long routes = -1;
        long stored = storedServers(hub, deadline);
        if (servers > 0 && stored >= 0 && stored < servers) {
            say("WARNING: the store held only %,d of the %,d servers started before the kill: waiting for those", stored, servers);
            servers = (int) stored;
        }
        while (servers > 0 && System.nanoTime() < deadline) {
            HubApi.Answer a = api.get("/proxy?limit=1", true, Duration.ofSeconds(60));
            long t = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched);
            routes = a.status() == 200 && a.json() != null ? a.json().path("_pagination").path("total").asLong(-1) - 1 : -1;
            timeline.add(new long[] {t, routes});
            if (routes >= servers) {
                routesMillis = t;
                break;
            }
            Thread.sleep(Math.max(options.sampleMillis, 100)); // each probe lists every route: not too often
        }
        Matcher ready = logLine(hub, READY, deadline);
        if (ready == null) {
            throw new IOException(label + ": the hub printed no ready line; output:\n" + hub.tail(40));
        }
        return new Start(label, apiMillis, routesMillis, routes, stored, Long.parseLong(ready.group(1)),
                Long.parseLong(ready.group(2)), phases(hub, launchedWall), timeline);
    }

    /** The number of servers in the hub's "Loaded ... from the store" line (-1 when it has not logged it in time). */
    private static long storedServers(Child hub, long deadline) throws InterruptedException {
        Matcher m = logLine(hub, Pattern.compile("Loaded \\d+ users, \\d+ tokens, (\\d+) servers from the store"), deadline);
        return m == null ? -1 : Long.parseLong(m.group(1));
    }

    /**
     * The first line of the hub's whole log file that matches, waiting for it until {@code deadline}
     * (System.nanoTime()) or the hub's exit; null then. The whole file: the 5,000 lines of a restore
     * push early lines out of what {@link Child} keeps in memory.
     */
    private static Matcher logLine(Child hub, Pattern pattern, long deadline) throws InterruptedException {
        while (true) {
            for (String line : hub.grepLog(pattern)) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline || !hub.alive()) {
                return null;
            }
            Thread.sleep(50);
        }
    }

    /** When the hub logged its milestones, in ms after its launch (log times are wall-clock times of day). */
    private static Map<String, Long> phases(Child hub, long launchedWall) {
        Map<String, Pattern> milestones = new LinkedHashMap<>();
        milestones.put("store migrated", Pattern.compile("Database .* at schema version"));
        milestones.put("state loaded", Pattern.compile("Loaded \\d+ users, \\d+ tokens, \\d+ servers from the store"));
        milestones.put("first server restored", Pattern.compile("Restored server "));
        milestones.put("HTTP server started", Pattern.compile("Hub API listening"));
        milestones.put("every server checked", Pattern.compile("Checked the \\d+ servers"));
        Map<String, Long> out = new LinkedHashMap<>();
        Long lastRestore = null;
        long restored = 0;
        LocalDate day = LocalDate.now();
        for (String line : hub.grepLog(Pattern.compile("Database .* at schema version|Loaded \\d+ users|Restored server |"
                + "Hub API listening|Checked the \\d+ servers"))) {
            Matcher t = LOG_TIME.matcher(line);
            if (!t.find()) {
                continue;
            }
            long wall = LocalTime.parse(t.group(1)).atDate(day).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            long at = wall - launchedWall;
            if (at < -12 * 3600_000L) {
                at += 24 * 3600_000L; // the run crossed midnight
            }
            for (var m : milestones.entrySet()) {
                if (!out.containsKey(m.getKey()) && m.getValue().matcher(line).find()) {
                    out.put(m.getKey(), at);
                }
            }
            if (line.contains("Restored server ")) {
                lastRestore = at;
                restored++;
            }
        }
        if (lastRestore != null) {
            out.put("last server restored (" + restored + " logged)", lastRestore);
        }
        Map<String, Long> byTime = new LinkedHashMap<>();
        out.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> byTime.put(e.getKey(), e.getValue()));
        return byTime;
    }

    // ------------------------------------------------------------------ filling the hub

    private void seed(HubApi api, List<String> users) throws Exception {
        long t0 = System.nanoTime();
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < users.size(); i += 1000) {
            batches.add(users.subList(i, Math.min(users.size(), i + 1000)));
        }
        parallel("create users", batches, 4, batch -> api.postJson("/users",
                JSON.writeValueAsString(Map.of("usernames", batch)), Duration.ofSeconds(300)), 201);
        say("seed: %,d users created in %.1f s (POST /users, 1,000 names a request)", users.size(), seconds(t0));

        t0 = System.nanoTime();
        List<String> withToken = users.subList(0, Math.min(options.tokens, users.size()));
        parallel("create tokens", withToken, options.seedThreads, u -> api.postJson("/users/" + HubApi.enc(u) + "/tokens",
                "{\"note\": \"bench\"}", Duration.ofSeconds(60)), 201);
        say("seed: %,d API tokens created in %.1f s (POST /users/{name}/tokens)", withToken.size(), seconds(t0));

        t0 = System.nanoTime();
        List<String> running = serverUsers(users, options.servers);
        parallel("start servers", running, options.seedThreads, u -> api.postJson("/users/" + HubApi.enc(u) + "/server", "",
                Duration.ofSeconds(120)), 201, 202);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.startTimeout);
        long ready = readyUsers(api);
        while (ready < running.size() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            ready = readyUsers(api);
        }
        if (ready < running.size()) {
            throw new IOException("only " + ready + " of " + running.size() + " servers became ready");
        }
        say("seed: %,d servers started and ready in %.1f s (POST /users/{name}/server, %d at a time)", running.size(),
                seconds(t0), options.seedThreads);
    }

    /** The users whose default server runs: spread evenly over the list, so that every page has some. */
    static List<String> serverUsers(List<String> users, int servers) {
        int n = Math.min(servers, users.size());
        if (n == 0) {
            return List.of();
        }
        double step = (double) users.size() / n;
        return IntStream.range(0, n).mapToObj(i -> users.get((int) Math.floor((i + 1) * step) - 1)).toList();
    }

    private static long readyUsers(HubApi api) throws IOException, InterruptedException {
        HubApi.Answer a = api.get("/users?state=ready&limit=1", true, Duration.ofSeconds(60));
        return a.status() == 200 && a.json() != null ? a.json().path("_pagination").path("total").asLong(-1) : -1;
    }

    private interface Call<T> {
        HubApi.Answer call(T item) throws Exception;
    }

    /** Runs {@code call} for every item on {@code threads} threads; fails with the first answer not in {@code ok}. */
    private <T> void parallel(String what, List<T> items, int threads, Call<T> call, int... ok) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "seed");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<HubApi.Answer>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> call.call(item)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seedTimeout);
            for (Future<HubApi.Answer> f : futures) {
                HubApi.Answer a = f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (!a.is(ok)) {
                    throw new IOException(what + ": answered " + a.status() + ": " + a.body());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ with the hub back

    private Restart measureRunning(Child hub, HubApi api, Start start, List<String> users) throws Exception {
        List<String> running = serverUsers(users, options.servers);
        // The data path: a request through the proxy reaches the server's URL.
        int probes = Math.min(20, running.size());
        int probesOk = 0;
        for (int i = 0; i < probes; i++) {
            String u = running.get((int) ((long) i * running.size() / probes));
            HttpResponse<String> r = probeClient.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + proxyPort + "/user/" + u + "/probe")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && BACKEND_BODY.equals(r.body())) {
                probesOk++;
            }
        }
        long ready = readyUsers(api);
        List<Latency> latencies = new ArrayList<>();
        for (long offset : new long[] {Math.max(0, users.size() - 200), users.size() / 2}) {
            latencies.add(latency(api, "/users?limit=200&offset=" + offset, false));
        }
        latencies.add(latency(api, "/users?limit=200&offset=" + Math.max(0, users.size() - 200), true));
        ProcMemory pm = new ProcMemory(System.getProperty("java.home"));
        ProcMemory.Sample before = pm.sample(hub.pid(), 0);
        long live = liveHeapKb(hub.pid(), pm);
        Memory memory = new Memory(before.rssKb(), before.heapUsedKb(), before.heapCommittedKb(), live, before.threads());
        say("restart: %d of %d probes through the proxy reached the server; %,d users with a ready server", probesOk, probes, ready);
        for (Latency l : latencies) {
            say("GET %s: first %.1f ms, median %.1f ms, p95 %.1f ms, max %.1f ms (%d requests, %d items)", l.query(),
                    l.first() / 1e3, l.median() / 1e3, l.p95() / 1e3, l.max() / 1e3,
                    l.requests(), l.items());
        }
        say("memory: RSS %.1f MiB, heap used %.1f MiB of %.1f MiB committed, live heap after a full GC %.1f MiB, %d threads",
                mib(memory.rssKb()), mib(memory.heapUsedKb()), mib(memory.heapCommittedKb()), mib(memory.liveHeapKb()),
                memory.threads());
        return new Restart(start, latencies, memory, probesOk, probes, ready);
    }

    private Latency latency(HubApi api, String query, boolean paged) throws IOException, InterruptedException {
        long[] micros = new long[options.deepRequests];
        int items = -1;
        for (int i = 0; i < micros.length; i++) {
            long t = System.nanoTime();
            HubApi.Answer a = api.get(query, paged, Duration.ofSeconds(60));
            micros[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t);
            if (a.status() != 200 || a.json() == null) {
                throw new IOException("GET " + query + " answered " + a.status() + ": " + a.body());
            }
            JsonNode list = paged ? a.json().get("items") : a.json();
            items = list == null ? -1 : list.size();
        }
        long first = micros[0];
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new Latency(query + (paged ? " (paged)" : ""), micros.length, items, first, sorted[sorted.length / 2],
                sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)], sorted[sorted.length - 1]);
    }

    /** The heap in use right after a full collection ({@code jcmd PID GC.run}), -1 without jcmd. */
    private static long liveHeapKb(long pid, ProcMemory pm) throws InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return -1;
        }
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
        } catch (IOException e) {
            return -1;
        }
        return pm.sample(pid, 0).heapUsedKb();
    }

    // ------------------------------------------------------------------ the servers' one backend

    private HttpServer startBackend() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 512);
        byte[] body = BACKEND_BODY.getBytes(StandardCharsets.UTF_8);
        s.createContext("/", exchange -> {
            backendRequests.incrementAndGet();
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "backend");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(pool);
        s.start();
        return s;
    }

    // ------------------------------------------------------------------ report

    private String report(List<Start> empty, List<Restart> restarts, long dbBytes) {
        StringBuilder b = new StringBuilder();
        long emptyMedian = median(empty.stream().mapToLong(Start::apiMillis).toArray());
        b.append(String.format(Locale.ROOT, "Restart at scale: %,d users (%,d with an API token), %,d running servers, H2 (%.1f MiB), "
                        + "%d cores, spawner poll %d ms, hub JVM options %s%n", options.users, Math.min(options.tokens, options.users),
                options.servers, dbBytes / 1048576.0, Runtime.getRuntime().availableProcessors(), options.pollDelayMillis,
                options.hubJavaOpts.isEmpty() ? "(the JVM's defaults)" : String.join(" ", options.hubJavaOpts)));
        b.append(String.format(Locale.ROOT, "%n| figure | %s | goal |%n|---|%s---|%n",
                String.join(" | ", restarts.stream().map(r -> r.start().label()).toList()), "---|".repeat(restarts.size())));
        row(b, "empty hub: `GET /hub/api/` answers (median of " + empty.size() + ")", restarts,
                r -> String.format(Locale.ROOT, "%.2f s", emptyMedian / 1e3), "baseline");
        row(b, "after `kill -9`: `GET /hub/api/` answers", restarts, r -> String.format(Locale.ROOT, "%.2f s (+%.2f s)",
                r.start().apiMillis() / 1e3, (r.start().apiMillis() - emptyMedian) / 1e3), "<= empty + 2 s");
        row(b, "servers the store held after the kill", restarts, r -> String.format(Locale.ROOT, "%,d", r.start().storedServers()),
                String.format(Locale.ROOT, "%,d", options.servers));
        row(b, "all " + String.format(Locale.ROOT, "%,d", options.servers) + " routes back in the proxy", restarts,
                r -> r.start().routesMillis() < 0 ? "not within " + options.startTimeout + " s"
                        : String.format(Locale.ROOT, "%.2f s", r.start().routesMillis() / 1e3), "< 10 s");
        row(b, "`Hub.start()` returned (in the hub, from the call)", restarts,
                r -> String.format(Locale.ROOT, "%.2f s", r.start().startMethodMillis() / 1e3), "-");
        for (int i = 0; i < restarts.get(0).latencies().size(); i++) {
            int k = i;
            row(b, "`GET /hub/api" + restarts.get(0).latencies().get(i).query() + "`: median / p95 / first", restarts, r -> {
                Latency l = r.latencies().get(k);
                return String.format(Locale.ROOT, "%.1f / %.1f / %.1f ms", l.median() / 1e3, l.p95() / 1e3, l.first() / 1e3);
            }, "-");
        }
        row(b, "RSS", restarts, r -> String.format(Locale.ROOT, "%.0f MiB", mib(r.memory().rssKb())), "< 1 GiB");
        row(b, "heap used / committed", restarts, r -> String.format(Locale.ROOT, "%.0f / %.0f MiB", mib(r.memory().heapUsedKb()),
                mib(r.memory().heapCommittedKb())), "-");
        row(b, "live heap after a full GC", restarts, r -> String.format(Locale.ROOT, "%.0f MiB", mib(r.memory().liveHeapKb())), "-");
        row(b, "probes through the proxy answered by the server", restarts, r -> r.probesOk() + " of " + r.probes(), "all");
        b.append(String.format(Locale.ROOT, "%nWhen the hub logged its milestones (s after its JVM was launched):%n"));
        for (Restart r : restarts) {
            StringBuilder line = new StringBuilder("  " + r.start().label() + ":");
            r.start().phases().forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.2f;", k, v / 1e3)));
            b.append(line).append(System.lineSeparator());
            StringBuilder t = new StringBuilder("    routes in the proxy (s: routes):");
            List<long[]> tl = r.start().timeline();
            for (int i = 0; i < tl.size(); i += Math.max(1, tl.size() / 12)) {
                t.append(String.format(Locale.ROOT, " %.2f: %,d;", tl.get(i)[0] / 1e3, tl.get(i)[1]));
            }
            if (!tl.isEmpty()) {
                long[] last = tl.get(tl.size() - 1);
                t.append(String.format(Locale.ROOT, " %.2f: %,d", last[0] / 1e3, last[1]));
            }
            b.append(t).append(System.lineSeparator());
        }
        b.append(String.format(Locale.ROOT, "%nFor comparison, JupyterHub's published figures (not measured here): over 15 minutes to "
                + "start with 50,000+ users (jupyterhub#2928, 2020); 5,000 users of whom 500 running, under 3 s after #1643 (2018)."
                + "%nThe backend answered %,d requests.%n", backendRequests.get()));
        return b.toString();
    }

    private interface Cell {
        String of(Restart r);
    }

    private static void row(StringBuilder b, String figure, List<Restart> restarts, Cell cell, String goal) {
        b.append("| ").append(figure).append(" | ");
        b.append(String.join(" | ", restarts.stream().map(cell::of).toList()));
        b.append(" | ").append(goal).append(" |").append(System.lineSeparator());
    }

    private void printSetup() {
        System.out.println("Hubkit restart-at-scale benchmark, on this machine");
        System.out.printf(Locale.ROOT, "  %,d users, %,d with an API token, %,d running servers; %d empty starts, %d restarts after "
                        + "kill -9; %d requests per list query; cores %d; work folder %s%n", options.users,
                Math.min(options.tokens, options.users), options.servers, options.emptyRuns, options.restarts,
                options.deepRequests, Runtime.getRuntime().availableProcessors(), work);
        System.out.println("  hub: java " + String.join(" ", options.hubJavaOpts) + " -cp " + System.getProperty("java.class.path")
                + " " + ScaleHubMain.class.getName() + " (hub port " + hubPort + ", proxy port " + proxyPort + ", backend port "
                + backend.getAddress().getPort() + ")");
    }

    private void closeAll() {
        for (Child c : children) {
            c.close();
        }
        if (backend != null) {
            backend.stop(0);
        }
        if (work != null) {
            if (options.keep) {
                System.err.println("kept " + work);
            } else {
                RunningHub.deleteTree(work);
            }
        }
    }

    private static void say(String format, Object... args) {
        System.out.println("[scale] " + String.format(Locale.ROOT, format, args));
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double mib(long kb) {
        return kb < 0 ? -1 : kb / 1024.0;
    }

    private static long median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s.length == 0 ? -1 : s[s.length / 2];
    }

    private static long treeSize(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: benchmarks/scale-run.sh [options]",
                "  --users N               users (50000)",
                "  --tokens N              users that get an API token (all of them)",
                "  --servers N             running servers, one per user, spread over the list (5000)",
                "  --empty-runs N          starts of an empty hub, for the baseline (3)",
                "  --restarts N            kill -9 and start again, measured each time (2)",
                "  --deep-requests N       requests per list query (30)",
                "  --seed-threads N        requests at once while filling the hub (16)",
                "  --sample-ms MS          pause between probes while the hub starts (20)",
                "  --settle-ms MS          pause between the hub's last write and kill -9 (2000; H2 writes within 1 s)",
                "  --poll-delay-ms MS      each poll of the spawner answers this late, as a container API would (0)",
                "  --start-timeout S       limit for one start, API and routes (600)",
                "  --seed-timeout S        limit for each seeding step (1800)",
                "  --hub-java-opts 'OPTS'  JVM options of the hub (none: the JVM's defaults)",
                "  --max-minutes M         limit for the whole run (60)",
                "  --keep                  keep the work folder (the hub's logs and database)");

        boolean help;
        boolean keep;
        int users = 50_000;
        int tokens = Integer.MAX_VALUE;
        int servers = 5_000;
        int emptyRuns = 3;
        int restarts = 2;
        int deepRequests = 30;
        int seedThreads = 16;
        int sampleMillis = 20;
        int settleMillis = 2000;
        int pollDelayMillis = 0;
        int startTimeout = 600;
        int seedTimeout = 1800;
        int maxMinutes = 60;
        List<String> hubJavaOpts = List.of();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--keep" -> o.keep = true;
                    case "--users" -> o.users = Cli.positive(a, value(args, ++i, a));
                    case "--tokens" -> o.tokens = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--servers" -> o.servers = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--empty-runs" -> o.emptyRuns = Cli.positive(a, value(args, ++i, a));
                    case "--restarts" -> o.restarts = Cli.positive(a, value(args, ++i, a));
                    case "--deep-requests" -> o.deepRequests = Cli.positive(a, value(args, ++i, a));
                    case "--seed-threads" -> o.seedThreads = Cli.positive(a, value(args, ++i, a));
                    case "--sample-ms" -> o.sampleMillis = Cli.positive(a, value(args, ++i, a));
                    case "--settle-ms" -> o.settleMillis = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--poll-delay-ms" -> o.pollDelayMillis = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--start-timeout" -> o.startTimeout = Cli.positive(a, value(args, ++i, a));
                    case "--seed-timeout" -> o.seedTimeout = Cli.positive(a, value(args, ++i, a));
                    case "--max-minutes" -> o.maxMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--hub-java-opts" -> {
                        String v = value(args, ++i, a).strip();
                        o.hubJavaOpts = v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.servers > o.users) {
                throw new IllegalArgumentException("--servers must not be more than --users");
            }
            return o;
        }
    }
}
