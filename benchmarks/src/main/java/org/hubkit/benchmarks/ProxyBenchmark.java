package org.hubkit.benchmarks;

import static org.hubkit.benchmarks.Cli.executable;
import static org.hubkit.benchmarks.Cli.value;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.benchmarks.ProxyReport.Figure;
import org.hubkit.benchmarks.ProxyReport.Target;

/**
 * Our proxy (proxy-netty) against nginx and configurable-http-proxy, in one run, on loopback,
 * reaching the same backend four ways: directly, through nginx, through CHP, through ours.
 * Not a test: it prints figures and the issue's goals next to them.
 *
 * <p>What runs (each its own process, on 127.0.0.1 ports of its own, in one temp folder):
 * <ul>
 *   <li>nginx (Debian {@code nginx-light}) with a generated config: a backend server block
 *       answering {@code 200 "hello\n"} with keep-alive, and a reverse-proxy server block in
 *       front of it ({@code upstream} with {@code keepalive 64}, HTTP/1.1, {@code Connection ""})
 *       that also proxies {@code /ws} WebSockets (Upgrade/Connection headers);</li>
 *   <li>{@link WsEchoServer}, the WebSocket backend (Netty, its own JVM);</li>
 *   <li>CHP 5.3 from npm, default target the nginx backend, route {@code /ws} to the echo server
 *       (added through its REST API);</li>
 *   <li>{@link NettyProxyMain}: {@code NettyProxy} alone in its own JVM, routes {@code /} and
 *       {@code /ws} as CHP's.</li>
 * </ul>
 * HTTP: for each target, {@code wrk -t2 -c64 -d3s} warm-up, then {@code wrk -t2 -c64 -d15s --latency}
 * (keep-alive) on {@code GET /}. WebSocket: the C client {@code src/main/c/wsload.c} (compiled with
 * gcc into the temp folder; {@link WsLoad}, Java, with {@code --ws-client java} or without gcc),
 * 64 connections each sending 32 bytes and awaiting the echo in a loop for 10 s; the CPU of the
 * client, the echo server and the proxy is printed for each round. Optional soak ({@code --soak M}):
 * 1,000 WebSockets through ours, one message per connection per second (the Java client: paced),
 * for M minutes, sampling the proxy JVM's RSS and heap every 30 s.
 *
 * <p>Every load is bounded in time and count; a watchdog ends the run after {@code --max-minutes};
 * a shutdown hook ends every process this run started (by pid) and deletes the temp folder.
 * Run with {@code benchmarks/proxy-run.sh [options]}; {@code --help} lists the options.
 */
public final class ProxyBenchmark {

    static final String HELLO = "hello\n";
    private static final Pattern READY = Pattern.compile(Pattern.quote(NettyProxyMain.READY) + " port=(\\d+) pid=(\\d+)(.*)");
    /** Lines of our proxy's log worth reporting (logback's level column; JVM crash and OOM messages). */
    private static final Pattern OURS_PROBLEM = Pattern.compile(
            "\\b(WARN|ERROR)\\b|Exception|OutOfMemory|fatal error|SIGSEGV|LEAK:");
    /** CHP's warnings and errors, but not the "Terminated" it logs when this run ends it. */
    private static final Pattern CONNECTED = Pattern.compile(Pattern.quote(WsLoad.PREFIX) + "CONNECTED open=(\\d+) failed=(\\d+)");
    private static final Pattern CHP_PROBLEM = Pattern.compile("\\[ConfigProxy\\] (\u001b\\[[0-9;]*m)?(warn|error)(?!.*Terminated)");

    private final Options o;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final Ports ports = new Ports();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final String classpath = System.getProperty("java.class.path");
    private Path work;

    private Child nginx;
    private Child chp;
    private Child ours;
    private Child echo;
    private int backendPort;
    private int nginxPort;
    private int chpPort;
    private int oursPort;
    private int echoPort;
    /** The compiled C WebSocket client, or null: the Java one ({@link WsLoad}) is used. */
    private Path cClient;
    private final List<String> notes = new ArrayList<>();

    private ProxyBenchmark(Options o) {
        this.o = o;
    }

    /**
     * Entry point.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) throws Exception {
        Cli.main(args, Options::parse, o -> o.help, Options.USAGE, o -> new ProxyBenchmark(o).run());
    }

    private int run() throws Exception {
        int maxMinutes = o.maxMinutes > 0 ? o.maxMinutes : 20 + o.soakMinutes;
        Thread watchdog = Cli.guard(this::cleanUp, "proxy-bench-cleanup", maxMinutes);

        String missing = o.checkPrograms();
        if (missing != null) {
            System.err.println(missing);
            return 2;
        }
        work = Files.createTempDirectory("hubkit-proxy-bench-");
        // nginx's workers do not run as root: let them reach their files.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        printSetup();
        if (!o.skipWs) {
            prepareWsClient();
        }

        Map<Target, Figure> httpFigures = new EnumMap<>(Target.class);
        Map<Target, Figure> wsFigures = new EnumMap<>(Target.class);
        boolean failed = false;
        try {
            startAll();
            if (!o.skipHttp) {
                measureHttp(httpFigures);
            }
            if (!o.skipWs) {
                measureWs(wsFigures);
            }
        } catch (IOException e) {
            System.err.println("FAILED: " + e.getMessage());
            failed = true;
        }

        if (!httpFigures.isEmpty() || !wsFigures.isEmpty()) {
            System.out.println();
            System.out.println("== Results (" + LocalDate.now() + ", " + Runtime.getRuntime().availableProcessors()
                    + " cores; load generator, proxies and backends share them: compare within one run)");
        }
        if (!httpFigures.isEmpty()) {
            System.out.println();
            System.out.print(ProxyReport.table(String.format(Locale.ROOT,
                    "HTTP GET / -> \"hello\\n\" (wrk -t%d -c%d -d%ds --latency, keep-alive, after %d s warm-up)",
                    o.threads, o.connections, o.duration, o.warmup), "req/s", httpFigures));
        }
        if (!wsFigures.isEmpty()) {
            System.out.println();
            System.out.print(ProxyReport.table(String.format(Locale.ROOT,
                    "WebSocket echo, %d-byte text messages (%s client, %d connections, %d message(s) in flight each, %d s after"
                            + " %d s warm-up; p50/p99 = round trip)", o.wsSize, cClient != null ? "C" : "Java", o.wsConnections,
                    cClient != null ? o.wsInflight : 1, o.wsSeconds, o.wsWarmup),
                    "msg/s", wsFigures));
        }
        if (o.soakMinutes > 0 && !failed) {
            try {
                soak();
            } catch (IOException e) {
                System.err.println("soak FAILED: " + e.getMessage());
                failed = true;
            }
        }
        failed |= reportProblems();
        watchdog.interrupt();
        return failed || httpFigures.values().stream().anyMatch(f -> !f.ok())
                || wsFigures.values().stream().anyMatch(f -> !f.ok()) ? 1 : 0;
    }

    // ---------------------------------------------------------------- start-up

    private boolean needs(Target t) {
        return o.targets.contains(t);
    }

    private void startAll() throws IOException, InterruptedException {
        boolean ws = !o.skipWs || o.soakMinutes > 0;
        if (ws) {
            echo = startJava("ws-echo", "-Xmx256m", WsEchoServer.class.getName(),
                    List.of("--threads", Integer.toString(o.echoThreads)));
            echoPort = readyPort(echo);
            say("ws-echo", "Netty WebSocket echo server on 127.0.0.1:%d (pid %d, %d event loop thread(s))", echoPort,
                    echo.pid(), o.echoThreads);
        }
        startNginx();
        if (needs(Target.CHP)) {
            startChp();
        }
        if (needs(Target.OURS) || o.soakMinutes > 0) {
            List<String> args = new ArrayList<>(List.of("--io-threads", Integer.toString(o.ioThreads),
                    "--route", "/=http://127.0.0.1:" + backendPort));
            if (ws) {
                args.addAll(List.of("--route", "/ws=http://127.0.0.1:" + echoPort));
            }
            ours = startJava("ours", o.proxyJavaOpts, NettyProxyMain.class.getName(), args);
            Matcher m = ours.awaitLine(READY, Duration.ofSeconds(60));
            oursPort = Integer.parseInt(m.group(1));
            say("ours", "NettyProxy on 127.0.0.1:%d (pid %d, JVM options: %s;%s)", oursPort, ours.pid(),
                    o.proxyJavaOpts, m.group(3));
        }
        for (Target t : o.targets) {
            probeHttp(t);
        }
    }

    private Child startJava(String label, String jvmOptions, String main, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String opt : jvmOptions.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                cmd.add(opt);
            }
        }
        cmd.addAll(List.of("-cp", classpath, main));
        cmd.addAll(args);
        cmd.addAll(List.of("--max-seconds", Long.toString(TimeUnit.MINUTES.toSeconds(30 + o.soakMinutes)), "--exit-on-stdin-eof"));
        Child c = Child.start(label, cmd, work.resolve(label + ".log"), Map.of(), true);
        children.add(c);
        return c;
    }

    private static int readyPort(Child c) throws IOException, InterruptedException {
        return Integer.parseInt(c.awaitLine(READY, Duration.ofSeconds(60)).group(1));
    }

    private void startNginx() throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("nginx"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        backendPort = ports.free();
        nginxPort = ports.free();
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, nginxConfig(dir, o.nginxWorkers, backendPort, nginxPort, echoPort), StandardCharsets.UTF_8);
        nginx = Child.start("nginx", List.of(o.nginx, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                "-c", conf.toString()), work.resolve("nginx.out"), Map.of(), false);
        children.add(nginx);
        awaitHttp("nginx", nginx, "http://127.0.0.1:" + backendPort + "/", Duration.ofSeconds(20));
        awaitHttp("nginx", nginx, "http://127.0.0.1:" + nginxPort + "/", Duration.ofSeconds(20));
        nginx.track();
        say("nginx", "%s: backend on 127.0.0.1:%d, reverse proxy on 127.0.0.1:%d (master pid %d, %d workers)",
                firstLine(version(o.nginx, "-v")), backendPort, nginxPort, nginx.pid(), o.nginxWorkers);
    }

    /** The whole nginx configuration: backend, reverse proxy, and WebSocket proxying to the echo server. */
    static String nginxConfig(Path dir, int workers, int backendPort, int proxyPort, int echoPort) {
        String d = dir.toString();
        String ws = echoPort <= 0 ? "" : String.join("\n",
                "  upstream ws_backend {",
                "    server 127.0.0.1:" + echoPort + ";",
                "  }",
                "");
        String wsLocation = echoPort <= 0 ? "" : String.join("\n",
                "    location /ws {",
                "      proxy_pass http://ws_backend;",
                "      proxy_http_version 1.1;",
                "      proxy_set_header Upgrade $http_upgrade;",
                "      proxy_set_header Connection \"upgrade\";",
                "      proxy_set_header Host $host;",
                "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                "      proxy_set_header X-Forwarded-Proto $scheme;",
                "      proxy_read_timeout 3600s;",
                "      proxy_send_timeout 3600s;",
                "    }",
                "");
        return String.join("\n",
                "# Written by org.hubkit.benchmarks.ProxyBenchmark for one run.",
                "worker_processes " + workers + ";",
                "daemon off;",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log warn;",
                "worker_rlimit_nofile 16384;",
                "events {",
                "  worker_connections 8192;",
                "}",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + d + "/client_body;",
                "  proxy_temp_path " + d + "/proxy;",
                "  fastcgi_temp_path " + d + "/fastcgi;",
                "  uwsgi_temp_path " + d + "/uwsgi;",
                "  scgi_temp_path " + d + "/scgi;",
                "  keepalive_timeout 65s;",
                "  keepalive_requests 1000000;",
                "  upstream backend {",
                "    server 127.0.0.1:" + backendPort + ";",
                "    keepalive 64;",
                "    keepalive_requests 1000000;",
                "  }",
                ws,
                "  # The backend: a small fixed answer, keep-alive.",
                "  server {",
                "    listen 127.0.0.1:" + backendPort + " backlog=4096;",
                "    location / {",
                "      default_type text/plain;",
                "      return 200 \"hello\\n\";",
                "    }",
                "  }",
                "  # The reverse proxy under comparison.",
                "  server {",
                "    listen 127.0.0.1:" + proxyPort + " backlog=4096;",
                "    location / {",
                "      proxy_pass http://backend;",
                "      proxy_http_version 1.1;",
                "      proxy_set_header Connection \"\";",
                "      proxy_set_header Host $host;",
                "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                "      proxy_set_header X-Forwarded-Proto $scheme;",
                "    }",
                wsLocation,
                "  }",
                "}",
                "");
    }

    private void startChp() throws IOException, InterruptedException {
        chpPort = ports.free();
        int apiPort = ports.free();
        String token = newToken();
        chp = Child.start("chp", List.of(o.chp, "--ip", "127.0.0.1", "--port", Integer.toString(chpPort),
                        "--api-ip", "127.0.0.1", "--api-port", Integer.toString(apiPort),
                        "--default-target", "http://127.0.0.1:" + backendPort),
                work.resolve("chp.log"), Map.of("CONFIGPROXY_AUTH_TOKEN", token), false);
        children.add(chp);
        String api = "http://127.0.0.1:" + apiPort + "/api/routes";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "no answer";
        while (true) {
            if (!chp.alive()) {
                throw new IOException(chp.exitDescription() + " at start; output:\n" + chp.tail(30));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api))
                        .header("Authorization", "token " + token).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    break;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("CHP's API did not answer within 30 s (" + last + "); output:\n" + chp.tail(30));
            }
            Thread.sleep(200);
        }
        if (echoPort > 0) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/ws"))
                    .header("Authorization", "token " + token).timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"target\": \"http://127.0.0.1:" + echoPort + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IOException("CHP: POST /api/routes/ws answered " + r.statusCode() + ": " + r.body());
            }
        }
        say("chp", "configurable-http-proxy %s on 127.0.0.1:%d, API on %d (pid %d)",
                firstLine(version(o.chp, "--version")), chpPort, apiPort, chp.pid());
    }

    private int port(Target t) {
        return switch (t) {
            case DIRECT -> backendPort;
            case NGINX -> nginxPort;
            case CHP -> chpPort;
            case OURS -> oursPort;
        };
    }

    private int wsPort(Target t) {
        return t == Target.DIRECT ? echoPort : port(t);
    }

    private Child process(Target t) {
        return switch (t) {
            case DIRECT, NGINX -> nginx;
            case CHP -> chp;
            case OURS -> ours;
        };
    }

    /** One GET / through the target: 200 and the backend's body, else the run stops. */
    private void probeHttp(Target t) throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + port(t) + "/";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !HELLO.equals(r.body())) {
            throw new IOException(t.key + ": GET " + url + " answered " + r.statusCode() + " " + r.body().strip()
                    + " (expected 200 hello)");
        }
    }

    private void awaitHttp(String label, Child c, String url, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!c.alive()) {
                throw new IOException(c.exitDescription() + " at start; output:\n" + c.tail(30));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new IOException(label + ": " + url + " did not answer 200 within " + timeout.toSeconds() + " s (" + last
                + "); output:\n" + c.tail(30));
    }

    // ---------------------------------------------------------------- HTTP

    private void measureHttp(Map<Target, Figure> figures) throws InterruptedException {
        System.out.println();
        System.out.printf(Locale.ROOT, "== HTTP: wrk -t%d -c%d, %d s warm-up then %d s measured, per target%n",
                o.threads, o.connections, o.warmup, o.duration);
        Wrk wrk = new Wrk(o.wrk);
        Map<Target, List<Wrk.Result>> runs = new EnumMap<>(Target.class);
        Map<Target, String> errors = new EnumMap<>(Target.class);
        for (int round = 1; round <= o.rounds; round++) {
            for (Target t : o.targets) {
                if (errors.containsKey(t)) {
                    continue;
                }
                String label = t.key + (o.rounds > 1 ? " #" + round : "");
                String url = "http://127.0.0.1:" + port(t) + "/";
                try {
                    wrk.run(url, null, o.threads, o.connections, o.warmup, work);
                    Wrk.Result r = wrk.run(url, null, o.threads, o.connections, o.duration, work);
                    runs.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
                    say(label, "%.1f req/s, %d requests, latency mean %.3f ms p50 %.3f ms p99 %.3f ms, non-2xx %d, socket errors %d",
                            r.requestsPerSecond(), r.requests(), r.latencyMillis(), r.p50Millis(), r.p99Millis(),
                            r.non2xx3xx(), r.socketErrors());
                    if (!r.clean()) {
                        System.out.println("[" + label + "] failed answers; wrk said:\n" + r.output().strip());
                    }
                } catch (IOException e) {
                    errors.put(t, firstLine(e.getMessage()));
                    System.err.println("[" + label + "] FAILED: " + e.getMessage());
                }
                String exit = process(t).exitDescription();
                if (exit != null) {
                    errors.put(t, exit);
                    System.err.println("[" + label + "] " + exit + "; last output:\n" + process(t).tail(40));
                }
            }
        }
        for (Target t : o.targets) {
            List<Wrk.Result> r = runs.get(t);
            figures.put(t, errors.containsKey(t) || r == null ? Figure.failed(t, errors.getOrDefault(t, "no run"))
                    : Figure.ofWrk(t, r));
        }
    }

    // ---------------------------------------------------------------- WebSocket

    /** Compiles the C client into the temp folder unless the Java one is asked for; on failure says so and keeps Java. */
    private void prepareWsClient() throws InterruptedException {
        if (o.wsClient == WsClient.JAVA) {
            say("ws-client", "Java client (WsLoad, java.net.http.WebSocket), as asked with --ws-client java");
            return;
        }
        var gcc = CWsLoad.gcc();
        if (gcc.isEmpty()) {
            String why = "gcc not found on PATH: the WebSocket rounds use the Java client (WsLoad), which is the limit"
                    + " on 2 cores; install gcc for the C client";
            say("ws-client", "NOTE: %s", why);
            notes.add(why);
            return;
        }
        try {
            cClient = CWsLoad.build(gcc.get(), work);
            say("ws-client", "C client %s (built from %s with %s; %d thread(s), %d message(s) in flight per connection)",
                    cClient, CWsLoad.SOURCE.substring(1), gcc.get(), o.wsClientThreads, o.wsInflight);
        } catch (IOException e) {
            String why = "the C WebSocket client did not build, the WebSocket rounds use the Java client (WsLoad): "
                    + firstLine(e.getMessage());
            say("ws-client", "NOTE: %s", why);
            System.out.println(e.getMessage());
            notes.add(why);
        }
    }

    /** One WebSocket round: the client's result, and the CPU the echo server and the proxy used meanwhile (-1: none). */
    record WsRound(WsLoad.Result result, double echoCpu, double proxyCpu) {
    }

    private void measureWs(Map<Target, Figure> figures) throws InterruptedException {
        System.out.println();
        System.out.printf(Locale.ROOT, "== WebSocket echo: %s client, %d connections, %d-byte messages, %d s warm-up then %d s measured,"
                        + " per target%n", cClient != null ? "C" : "Java", o.wsConnections, o.wsSize, o.wsWarmup, o.wsSeconds);
        System.out.println("   (cpu: % of one core, client over its warm-up and measured time, echo server and proxy"
                + " from the client's CONNECTED line to its exit; 2 cores = 200%)");
        Map<Target, List<WsLoad.Result>> runs = new EnumMap<>(Target.class);
        Map<Target, String> errors = new EnumMap<>(Target.class);
        for (int round = 1; round <= o.rounds; round++) {
            for (Target t : o.targets) {
                if (errors.containsKey(t)) {
                    continue;
                }
                String label = "ws " + t.key + (o.rounds > 1 ? " #" + round : "");
                try {
                    WsRound w = runWsLoad(label, t, o.wsConnections, o.wsSeconds, o.wsWarmup, 0, 0, cClient != null);
                    WsLoad.Result r = w.result();
                    runs.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
                    say(label, "%.1f msg/s, %d echoes, round trip p50 %.3f ms p99 %.3f ms max %.3f ms; %d open; %s;"
                                    + " cpu: client %s, echo %s, proxy %s",
                            r.rate(), r.messages(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.open(), r.errorSummary(),
                            cpu(r.cpuPercent()), cpu(w.echoCpu()), t == Target.DIRECT ? "-" : cpu(w.proxyCpu())
                                    + (w.proxyCpu() > 0 && r.rate() > 0 ? String.format(Locale.ROOT, " (%.1f us of CPU per message)",
                                    w.proxyCpu() * 1e4 / r.rate()) : ""));
                } catch (IOException e) {
                    errors.put(t, firstLine(e.getMessage()));
                    System.err.println("[" + label + "] FAILED: " + e.getMessage());
                }
                Child p = t == Target.DIRECT ? echo : process(t);
                String exit = p.exitDescription();
                if (exit != null) {
                    errors.put(t, exit);
                    System.err.println("[" + label + "] " + exit + "; last output:\n" + p.tail(40));
                }
            }
        }
        for (Target t : o.targets) {
            List<WsLoad.Result> r = runs.get(t);
            figures.put(t, errors.containsKey(t) || r == null ? Figure.failed(t, errors.getOrDefault(t, "no run"))
                    : Figure.ofWs(t, r));
        }
    }

    private static String cpu(double percent) {
        return percent < 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", percent);
    }

    /** Starts a WebSocket client: the C one ({@code useC}, closed loop only) or the Java one. */
    private Child startWsLoad(String label, Target t, int connections, int seconds, int warmup, int intervalMillis,
                              int progress, boolean useC) throws IOException {
        String url = "ws://127.0.0.1:" + wsPort(t) + "/ws";
        List<String> cmd;
        if (useC) {
            if (intervalMillis != 0 || progress != 0) {
                throw new IllegalArgumentException("the C client has no paced mode and no progress lines");
            }
            cmd = CWsLoad.command(cClient, url, connections, seconds, warmup, o.wsSize, o.wsInflight, o.wsClientThreads);
        } else {
            cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classpath, WsLoad.class.getName(),
                    "--url", url, "--connections", Integer.toString(connections), "--seconds", Integer.toString(seconds),
                    "--warmup", Integer.toString(warmup), "--size", Integer.toString(o.wsSize),
                    "--interval-ms", Integer.toString(intervalMillis), "--progress", Integer.toString(progress)));
        }
        Child c = Child.start(label.replace(' ', '-').replace("#", ""), cmd,
                Files.createTempFile(work, "wsload-", ".log"), Map.of(), false);
        children.add(c);
        return c;
    }

    private WsRound runWsLoad(String label, Target t, int connections, int seconds, int warmup, int intervalMillis,
                              int progress, boolean useC) throws IOException, InterruptedException {
        Child c = startWsLoad(label, t, connections, seconds, warmup, intervalMillis, progress, useC);
        c.onLine(l -> {
            if (l.startsWith(WsLoad.PREFIX + "first") || l.startsWith(WsLoad.PREFIX + "ABORT")) {
                System.out.println("[" + label + " client] " + l.substring(WsLoad.PREFIX.length()));
            }
        });
        try {
            c.awaitLine(CONNECTED, Duration.ofSeconds(120));
            ProcCpu.Mark echoCpu = ProcCpu.Mark.of(List.of(echo.pid()));
            ProcCpu.Mark proxyCpu = t == Target.DIRECT ? null : ProcCpu.Mark.of(ProcCpu.tree(process(t).handle()));
            int code = c.awaitExit(Duration.ofSeconds(seconds + warmup + 90L));
            double echoPercent = echoCpu.percentSince();
            double proxyPercent = proxyCpu == null ? -1 : proxyCpu.percentSince();
            if (code != 0) {
                throw new IOException("WebSocket client exited with " + code + "; output:\n" + c.tail(20));
            }
            return new WsRound(WsLoad.Result.parse(c.output()), echoPercent, proxyPercent);
        } finally {
            c.close();
            children.remove(c);
        }
    }

    // ---------------------------------------------------------------- soak

    private void soak() throws IOException, InterruptedException {
        int seconds = o.soakMinutes * 60;
        ProcMemory mem = new ProcMemory(System.getProperty("java.home"));
        System.out.println();
        System.out.printf(Locale.ROOT, "== Soak: %d WebSockets through ours for %d min, one %d-byte message per connection every %d ms;"
                        + " proxy JVM (pid %d) sampled every %d s%n",
                o.soakConnections, o.soakMinutes, o.wsSize, o.soakIntervalMillis, ours.pid(), o.soakSampleSeconds);
        List<String> labels = new ArrayList<>();
        List<ProcMemory.Sample> samples = new ArrayList<>();
        long t0 = System.currentTimeMillis();
        labels.add("before (idle)");
        samples.add(printSample(mem.sample(ours.pid(), t0), labels.get(0)));

        // The Java client: the soak is paced (one message per connection per interval), which the C client does not do.
        Child client = startWsLoad("soak", Target.OURS, o.soakConnections, seconds, 0, o.soakIntervalMillis, o.soakSampleSeconds,
                false);
        client.onLine(l -> {
            if (l.startsWith(WsLoad.PREFIX + "PROGRESS") || l.startsWith(WsLoad.PREFIX + "first")
                    || l.startsWith(WsLoad.PREFIX + "ABORT")) {
                System.out.println("[soak client] " + l.substring(WsLoad.PREFIX.length()));
            }
        });
        WsLoad.Result result;
        List<ProcMemory.Sample> during = new ArrayList<>();
        String liveFirst = null;
        String liveLast = null;
        try {
            Matcher connected = client.awaitLine(CONNECTED, Duration.ofSeconds(120));
            say("soak", "%s connections open, %s failed", connected.group(1), connected.group(2));
            long start = System.currentTimeMillis();
            long end = start + seconds * 1000L;
            liveFirst = liveHeap(ours.pid());
            for (long next = start; ; next += o.soakSampleSeconds * 1000L) {
                long last = end - 3000;
                long at = Math.min(next, last);
                long wait = at - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                if (!ours.alive() || !client.alive()) {
                    break;
                }
                String label = at == last ? "end of soak" : "t+" + (at - start) / 1000 + " s";
                ProcMemory.Sample s = printSample(mem.sample(ours.pid(), t0), label);
                labels.add(label);
                samples.add(s);
                during.add(s);
                if (at == last) {
                    liveLast = liveHeap(ours.pid());
                    break;
                }
            }
            int code = client.awaitExit(Duration.ofSeconds(seconds + 120L));
            if (code != 0) {
                throw new IOException("soak client exited with " + code + "; output:\n" + client.tail(20));
            }
            result = WsLoad.Result.parse(client.output());
        } finally {
            client.close();
            children.remove(client);
        }
        Thread.sleep(3000);
        if (ours.alive()) {
            labels.add("3 s after close");
            samples.add(printSample(mem.sample(ours.pid(), t0), "3 s after close"));
        }
        System.out.println();
        System.out.println("Soak result: " + result.open() + " WebSockets open, " + result.messages() + " echoes in "
                + String.format(Locale.ROOT, "%.0f s (%.1f msg/s), round trip p50 %.2f ms p99 %.2f ms max %.2f ms; %s",
                result.seconds(), result.rate(), result.p50Millis(), result.p99Millis(), result.maxMillis(), result.errorSummary()));
        System.out.print(ProxyReport.soak(labels, samples, mem.heapSource()));
        System.out.println("  during the soak: RSS " + ProxyReport.firstLastMax(during, ProcMemory.Sample::rssKb)
                + "; heap used " + ProxyReport.firstLastMax(during, ProcMemory.Sample::heapUsedKb)
                + "; old gen " + ProxyReport.firstLastMax(during, ProcMemory.Sample::oldUsedKb));
        System.out.println("  live heap after a full GC (jcmd GC.run, then jstat): at the start " + liveFirst
                + ", at the end " + liveLast);
        if (!ours.alive()) {
            throw new IOException(ours.exitDescription() + " during the soak; last output:\n" + ours.tail(40));
        }
        if (!result.clean()) {
            notes.add("soak through ours: " + result.errorSummary());
        }
    }

    private static ProcMemory.Sample printSample(ProcMemory.Sample s, String label) {
        System.out.printf(Locale.ROOT, "[soak] %-16s RSS %s MiB, heap used %s MiB (old %s, committed %s), threads %d, fds %d%n",
                label, ProxyReport.mib(s.rssKb()), ProxyReport.mib(s.heapUsedKb()), ProxyReport.mib(s.oldUsedKb()),
                ProxyReport.mib(s.heapCommittedKb()), s.threads(), s.fds());
        return s;
    }

    /** Forces a full GC in the proxy JVM and reads the heap left: what is really live. */
    private String liveHeap(long pid) {
        try {
            Process p = new ProcessBuilder(jdkTool("jcmd"), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "not read (jcmd GC.run hung)";
            }
            ProcMemory.Sample s = new ProcMemory(System.getProperty("java.home")).sample(pid, 0);
            return ProxyReport.mib(s.heapUsedKb()) + " MiB (RSS " + ProxyReport.mib(s.rssKb()) + " MiB)";
        } catch (IOException e) {
            return "not read (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not read";
        }
    }

    private static String jdkTool(String name) {
        Path p = Path.of(System.getProperty("java.home"), "bin", name);
        return Files.isExecutable(p) ? p.toString() : name;
    }

    // ---------------------------------------------------------------- problems and clean-up

    /** Prints what the proxies logged as warnings or errors; true if ours logged any or died. */
    private boolean reportProblems() {
        System.out.println();
        System.out.println("== Logs");
        boolean bad = false;
        if (ours != null) {
            List<String> lines = ours.grepLog(OURS_PROBLEM);
            String exit = ours.exitDescription();
            if (exit != null) {
                System.out.println("ours: " + exit + " (it should still run)");
                bad = true;
            }
            if (lines.isEmpty()) {
                System.out.println("ours: no warnings or errors in its log");
            } else {
                bad = true;
                System.out.println("ours: " + lines.size() + " warning/error line(s) in its log, first ones:");
                lines.stream().limit(15).forEach(l -> System.out.println("  " + l));
            }
        }
        if (chp != null) {
            // CHP colours its level: "[ConfigProxy] ESC[33mwarn ESC[39m: ..."
            List<String> lines = chp.grepLog(CHP_PROBLEM).stream().map(l -> l.replaceAll("\u001b\\[[0-9;]*m", "")).toList();
            System.out.println("chp: " + (lines.isEmpty() ? "no warnings or errors in its log"
                    : lines.size() + " warning/error line(s), first: " + lines.get(0)));
        }
        if (nginx != null) {
            try {
                Path err = work.resolve("nginx/error.log");
                List<String> lines = Files.exists(err) ? Files.readAllLines(err) : List.of();
                System.out.println("nginx: " + (lines.isEmpty() ? "error.log empty"
                        : lines.size() + " line(s) in error.log, first: " + lines.get(0)));
            } catch (IOException e) {
                System.out.println("nginx: error.log unreadable: " + e);
            }
        }
        for (String n : notes) {
            System.out.println("note: " + n);
        }
        if (o.keep) {
            System.out.println("logs and configs kept in " + work);
        }
        return bad;
    }

    private void cleanUp() {
        List<Child> all = new ArrayList<>(children);
        Collections.reverse(all);
        for (Child c : all) {
            c.close();
        }
        // Whatever else this JVM started and is still running (a wrk cut short): by pid.
        ProcessTree.endAll(ProcessHandle.current().descendants().toList(), Duration.ofSeconds(5));
        if (work != null) {
            if (o.keep) {
                System.err.println("kept " + work);
            } else {
                RunningHub.deleteTree(work);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void printSetup() {
        System.out.println("Hubkit proxy benchmark: proxy-netty vs nginx vs configurable-http-proxy, on loopback");
        System.out.printf(Locale.ROOT, "  %s, %d cores, Java %s; targets: %s; temp folder %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                String.join(",", o.targets.stream().map(t -> t.key).toList()), work);
        System.out.println("  wrk: " + o.wrk + "; nginx: " + o.nginx + "; chp: " + o.chp + "; WebSocket client: "
                + o.wsClient.key + (o.soakMinutes > 0 ? " (the soak uses the Java client)" : ""));
        System.out.println("  the machine may be shared: figures are only comparable within one run");
    }

    private static String version(String cmd, String flag) {
        try {
            Process p = new ProcessBuilder(cmd, flag).redirectErrorStream(true).start();
            byte[] out;
            try (var in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            p.waitFor(10, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8).strip().replace("nginx version: ", "");
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static void say(String who, String format, Object... args) {
        System.out.println("[" + who + "] " + String.format(Locale.ROOT, format, args));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "?";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Which WebSocket load client measures the WebSocket rounds. */
    enum WsClient {
        C("c"),
        JAVA("java");

        final String key;

        WsClient(String key) {
            this.key = key;
        }

        static WsClient of(String key) {
            for (WsClient c : values()) {
                if (c.key.equalsIgnoreCase(key.trim())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("--ws-client is c or java, not " + key);
        }
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: benchmarks/proxy-run.sh [options]",
                "  --only LIST             targets, comma-separated, of direct,nginx,chp,ours (all)",
                "  --skip-http             no wrk runs",
                "  --skip-ws               no WebSocket runs",
                "  --duration S            wrk measuring time in seconds (15)",
                "  --warmup S              wrk warm-up in seconds, the same for every target (10)",
                "  --threads N             wrk threads (2)",
                "  --connections N         wrk connections (64)",
                "  --ws-seconds S          WebSocket measuring time (10)",
                "  --ws-warmup S           WebSocket warm-up, not counted (2)",
                "  --ws-connections N      WebSocket connections (64)",
                "  --ws-size BYTES         WebSocket message size (32)",
                "  --ws-client c|java      WebSocket load client: c = src/main/c/wsload.c, built with gcc into the temp",
                "                          folder (Java's if gcc is missing); java = WsLoad, java.net.http (c)",
                "  --ws-inflight K         messages in flight per WebSocket connection, C client only (1)",
                "  --ws-client-threads N   C client threads (epoll loops) (1)",
                "  --echo-threads N        the WebSocket echo server's event loop threads (1)",
                "  --rounds N              measure every target N times, interleaved; report medians (1)",
                "  --soak MINUTES          then 1,000 WebSockets through ours for MINUTES, sampling its memory (off)",
                "  --soak-connections N    (1000)",
                "  --soak-interval-ms MS   one message per connection every MS (1000)",
                "  --soak-sample S         memory sample period in seconds (30)",
                "  --io-threads N          our proxy's event loop threads, 0 = its default, 2 x cores (0)",
                "  --proxy-java-opts OPTS  our proxy's JVM options (\"" + Options.DEFAULT_PROXY_OPTS + "\", as bin/hubkit-proxy)",
                "  --nginx-workers N       nginx worker_processes (cores)",
                "  --max-minutes M         limit for the whole run (20 + soak minutes)",
                "  --chp CMD               ($HUBKIT_CHP_CMD, else /opt/hubkit-chp/node_modules/.bin/configurable-http-proxy)",
                "  --nginx CMD             (/usr/sbin/nginx, else nginx on PATH)",
                "  --wrk CMD               (wrk on PATH)",
                "  --keep                  keep the temp folder (configs, logs)");

        static final String DEFAULT_PROXY_OPTS = "-XX:+UseSerialGC -Xmx512m -XX:+ExitOnOutOfMemoryError";

        boolean help;
        boolean skipHttp;
        boolean skipWs;
        boolean keep;
        Set<Target> targets = EnumSet.allOf(Target.class);
        int duration = 15;
        // A JVM proxy needs about 8 s of JIT compilation on 2 shared cores; every target gets the same warm-up.
        int warmup = 10;
        int threads = 2;
        int connections = 64;
        int wsSeconds = 10;
        int wsWarmup = 2;
        int wsConnections = 64;
        int wsSize = 32;
        WsClient wsClient = WsClient.C;
        int wsInflight = 1;
        int wsClientThreads = 1;
        int echoThreads = 1;
        int rounds = 1;
        int soakMinutes;
        int soakConnections = 1000;
        int soakIntervalMillis = 1000;
        int soakSampleSeconds = 30;
        int ioThreads;
        String proxyJavaOpts = DEFAULT_PROXY_OPTS;
        int nginxWorkers = Runtime.getRuntime().availableProcessors();
        int maxMinutes;
        String chp;
        String nginx;
        String wrk;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--skip-http" -> o.skipHttp = true;
                    case "--skip-ws" -> o.skipWs = true;
                    case "--keep" -> o.keep = true;
                    case "--only" -> {
                        Set<Target> s = EnumSet.noneOf(Target.class);
                        for (String k : value(args, ++i, a).split(",")) {
                            if (!k.isBlank()) {
                                s.add(Target.of(k));
                            }
                        }
                        if (s.isEmpty()) {
                            throw new IllegalArgumentException("--only needs at least one target");
                        }
                        o.targets = s;
                    }
                    case "--duration" -> o.duration = Cli.positive(a, value(args, ++i, a));
                    case "--warmup" -> o.warmup = Cli.positive(a, value(args, ++i, a));
                    case "--threads" -> o.threads = Cli.positive(a, value(args, ++i, a));
                    case "--connections" -> o.connections = Cli.positive(a, value(args, ++i, a));
                    case "--ws-seconds" -> o.wsSeconds = Cli.positive(a, value(args, ++i, a));
                    case "--ws-warmup" -> o.wsWarmup = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--ws-connections" -> o.wsConnections = Cli.positive(a, value(args, ++i, a));
                    case "--ws-size" -> o.wsSize = Cli.positive(a, value(args, ++i, a));
                    case "--ws-client" -> o.wsClient = WsClient.of(value(args, ++i, a));
                    case "--ws-inflight" -> o.wsInflight = Cli.positive(a, value(args, ++i, a));
                    case "--ws-client-threads" -> o.wsClientThreads = Cli.positive(a, value(args, ++i, a));
                    case "--echo-threads" -> o.echoThreads = Cli.positive(a, value(args, ++i, a));
                    case "--rounds" -> o.rounds = Cli.positive(a, value(args, ++i, a));
                    case "--soak" -> o.soakMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--soak-connections" -> o.soakConnections = Cli.positive(a, value(args, ++i, a));
                    case "--soak-interval-ms" -> o.soakIntervalMillis = Cli.positive(a, value(args, ++i, a));
                    case "--soak-sample" -> o.soakSampleSeconds = Cli.positive(a, value(args, ++i, a));
                    case "--io-threads" -> o.ioThreads = Cli.atLeastZero(a, value(args, ++i, a));
                    case "--proxy-java-opts" -> o.proxyJavaOpts = value(args, ++i, a);
                    case "--nginx-workers" -> o.nginxWorkers = Cli.positive(a, value(args, ++i, a));
                    case "--max-minutes" -> o.maxMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--chp" -> o.chp = value(args, ++i, a);
                    case "--nginx" -> o.nginx = value(args, ++i, a);
                    case "--wrk" -> o.wrk = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.wsClient == WsClient.JAVA && (o.wsInflight != 1 || o.wsClientThreads != 1)) {
                throw new IllegalArgumentException("--ws-inflight and --ws-client-threads are for the C client"
                        + " (the Java client keeps one message in flight per connection)");
            }
            if (o.wsSize > 1 << 20) {
                throw new IllegalArgumentException("--ws-size is at most 1048576 bytes");
            }
            if (o.wsInflight > 1024 || o.wsClientThreads > 64) {
                throw new IllegalArgumentException("--ws-inflight is at most 1024, --ws-client-threads at most 64");
            }
            if (o.chp == null) {
                o.chp = HubBenchmark.Options.parse(new String[0]).chp;
            }
            if (o.wrk == null) {
                o.wrk = HubBenchmark.Options.parse(new String[0]).wrk;
            }
            if (o.nginx == null) {
                o.nginx = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
            }
            return o;
        }

        /** Null when every program this run needs is there, else what is missing and how to get it. */
        String checkPrograms() {
            List<String> missing = new ArrayList<>();
            String install = " (scripts/install-components.sh installs it)";
            if (!skipHttp && !executable(wrk)) {
                missing.add("wrk not found: " + wrk + install);
            }
            if (!executable(nginx)) {
                missing.add("nginx not found: " + nginx + " (Debian package nginx-light;" + install.substring(1));
            }
            if (targets.contains(Target.CHP) && !executable(chp)) {
                missing.add("configurable-http-proxy not found: " + chp + install);
            }
            return missing.isEmpty() ? null : String.join("\n", missing);
        }
    }
}
