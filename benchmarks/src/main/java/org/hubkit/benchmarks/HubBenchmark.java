package org.hubkit.benchmarks;

import static org.hubkit.benchmarks.Cli.executable;
import static org.hubkit.benchmarks.Cli.value;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Measures the Python JupyterHub 3.0 and the Hubkit reference server side by side, in one run,
 * on this machine, and prints the figures. Not a test: it asserts nothing and exits 0 whenever
 * it could measure; the goals are printed next to the figures.
 *
 * <p>For each hub: start it on loopback ports of its own, wait for {@code GET /hub/api/}, then
 * <ol>
 *   <li>API throughput: {@code wrk -t2 -c32 -d15s} on {@code GET /hub/api/users/bench-user}
 *       with the service token, after a 3 s warm-up of the same load;</li>
 *   <li>spawn storm: 20 users' default servers (the real {@code jupyterhub-singleuser}) started
 *       at once, wall time until all are ready; then all stopped;</li>
 * </ol>
 * then {@code POST /hub/api/shutdown}, and end whatever is left. Every step has a time limit,
 * and a shutdown hook ends the hubs and deletes their temporary folders on any exit.
 *
 * <p>Run with {@code benchmarks/run.sh [options]}; {@code --help} lists the options.
 */
public final class HubBenchmark {

    static final String API_USER = "bench-user";

    /** The figures of one hub, or why there are none. */
    record Figures(String hub, String version, Wrk.Result api, SpawnStorm.Result storm, String error) {
    }

    private final Options options;
    private final List<RunningHub> running = new CopyOnWriteArrayList<>();

    private HubBenchmark(Options options) {
        this.options = options;
    }

    /**
     * Entry point.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) throws Exception {
        Cli.main(args, Options::parse, o -> o.help, Options.USAGE, o -> new HubBenchmark(o).run());
    }

    private int run() throws InterruptedException {
        Thread watchdog = Cli.guard(this::closeAll, "hub-cleanup", options.maxMinutes);

        String missing = options.checkPrograms();
        if (missing != null) {
            System.err.println(missing);
            return 2;
        }
        HubLauncher launcher = new HubLauncher(options.programs(), options.keep);
        Wrk wrk = new Wrk(options.wrk);

        printSetup();
        Figures jupyterhub = null;
        Figures hubkit = null;
        if (!options.onlyHubkit) {
            jupyterhub = measure("JupyterHub", wrk, () -> launcher.startJupyterHub(newToken()));
        }
        if (!options.onlyJupyterHub) {
            hubkit = measure("Hubkit", wrk, () -> launcher.startHubkit(newToken()));
        }
        watchdog.interrupt();
        System.out.println();
        System.out.print(Report.table(options, jupyterhub, hubkit));
        boolean failed = (jupyterhub != null && jupyterhub.error() != null) || (hubkit != null && hubkit.error() != null);
        return failed ? 1 : 0;
    }

    private interface HubStart {
        RunningHub start() throws IOException;
    }

    private Figures measure(String name, Wrk wrk, HubStart start) {
        System.out.println();
        System.out.println("== " + name);
        RunningHub hub = null;
        String version = null;
        Wrk.Result api = null;
        SpawnStorm.Result storm = null;
        try {
            long t0 = System.nanoTime();
            hub = start.start();
            running.add(hub);
            version = hub.awaitUp(Duration.ofSeconds(120));
            say(name, "version %s up in %.1f s (pid %d, API %s)", version, (System.nanoTime() - t0) / 1e9,
                    hub.pid(), hub.api().base());

            createUser(hub.api(), API_USER);
            HubApi.Answer probe = hub.api().user(API_USER);
            if (probe.status() != 200) {
                throw new IOException("GET /users/" + API_USER + " with the service token answered "
                        + probe.status() + ": " + probe.body());
            }
            String url = hub.api().base() + "/users/" + API_USER;
            String header = "Authorization: token " + hub.api().token();
            say(name, "warm-up: wrk -t%d -c%d -d%ds %s", options.threads, options.connections, options.warmup, url);
            wrk.run(url, header, options.threads, options.connections, options.warmup, hub.workDir());
            api = wrk.run(url, header, options.threads, options.connections, options.duration, hub.workDir());
            say(name, "API: %.1f req/s, %d requests, latency mean %.2f ms p50 %.2f ms p99 %.2f ms, non-2xx %d, socket errors %d",
                    api.requestsPerSecond(), api.requests(), api.latencyMillis(), api.p50Millis(), api.p99Millis(),
                    api.non2xx3xx(), api.socketErrors());
            if (!api.clean()) {
                throw new IOException("wrk saw failed requests, the rate would not be comparable:\n" + api.output());
            }

            List<String> users = new ArrayList<>();
            for (int i = 1; i <= options.users; i++) {
                users.add(String.format(Locale.ROOT, "storm-%02d", i));
            }
            for (String u : users) {
                createUser(hub.api(), u);
            }
            say(name, "spawn storm: starting %d servers at once", users.size());
            storm = new SpawnStorm(hub.api(), Duration.ofSeconds(options.spawnTimeout),
                    Duration.ofMillis(options.pollMillis)).run(users);
            say(name, "spawn storm: all %d ready in %.2f s (median %.2f s), POST answers %s; all stopped in %.2f s",
                    storm.users(), storm.wallSeconds(), storm.medianReadySeconds(), storm.postStatuses(), storm.stopSeconds());
            return new Figures(name, version, api, storm, null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            String exit = hub == null ? null : hub.exitDescription();
            if (exit != null && !error.contains(" exited with ")) {
                error = exit + " during the run: " + error;
            }
            System.err.println("[" + name + "] FAILED: " + error);
            if (hub != null && !error.contains("log:\n")) {
                System.err.println("[" + name + "] last lines of its log:\n" + hub.logTail(30));
            }
            return new Figures(name, version, api, storm, firstLine(error));
        } finally {
            if (hub != null) {
                say(name, "shutting down (POST /hub/api/shutdown, then ending what is left)");
                hub.close();
                running.remove(hub);
            }
        }
    }

    private static void createUser(HubApi api, String name) throws IOException, InterruptedException {
        HubApi.Answer a = api.createUser(name);
        if (!a.is(201, 409)) {
            throw new IOException("POST /users/" + name + " answered " + a.status() + ": " + a.body());
        }
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void closeAll() {
        for (RunningHub hub : running) {
            hub.close();
        }
    }

    private void printSetup() {
        System.out.println("Hubkit benchmark: Python JupyterHub 3.0 vs Hubkit reference server, on this machine");
        System.out.printf(Locale.ROOT, "  cores %d; API load: wrk -t%d -c%d -d%ds (after %ds warm-up) on GET /hub/api/users/%s;"
                        + " spawn storm: %d servers, timeout %d s%n",
                Runtime.getRuntime().availableProcessors(), options.threads, options.connections, options.duration,
                options.warmup, API_USER, options.users, options.spawnTimeout);
        System.out.println("  single-user server: " + options.singleuser);
        if (!options.onlyHubkit) {
            System.out.println("  jupyterhub: " + options.jupyterhub + ", proxy: " + options.chp);
        }
        if (!options.onlyJupyterHub) {
            System.out.println("  hubkit: " + options.hubkitJar);
        }
    }

    private static void say(String hub, String format, Object... args) {
        System.out.println("[" + hub + "] " + String.format(Locale.ROOT, format, args));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).replaceFirst("[;,]? log:$", "");
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: benchmarks/run.sh [options]",
                "  --only-jupyterhub       measure the Python JupyterHub 3.0 alone",
                "  --only-hubkit           measure the Hubkit reference server alone",
                "  --users N               servers in the spawn storm (20)",
                "  --duration S            wrk measuring time in seconds (15)",
                "  --warmup S              wrk warm-up in seconds (3)",
                "  --threads N             wrk threads (2)",
                "  --connections N         wrk connections (32)",
                "  --spawn-timeout S       limit for all servers to be ready (300)",
                "  --poll-ms MS            pause between polling rounds of the storm (500)",
                "  --max-minutes M         limit for the whole run (40)",
                "  --repo DIR              the Hubkit checkout (property hubkit.repo, else the current folder)",
                "  --hubkit-jar FILE       (REPO/examples/reference-server/target/hubkit-server.jar)",
                "  --singleuser CMD        ($HUBKIT_SINGLEUSER_CMD, else /usr/bin/jupyterhub-singleuser)",
                "  --chp CMD               ($HUBKIT_CHP_CMD, else /opt/hubkit-chp/node_modules/.bin/configurable-http-proxy)",
                "  --jupyterhub CMD        (/usr/bin/jupyterhub, else jupyterhub on PATH)",
                "  --wrk CMD               (wrk on PATH)",
                "  --keep                  keep the hubs' temporary folders (config, logs)");

        boolean help;
        boolean onlyJupyterHub;
        boolean onlyHubkit;
        boolean keep;
        int users = 20;
        int duration = 15;
        int warmup = 3;
        int threads = 2;
        int connections = 32;
        int spawnTimeout = 300;
        int pollMillis = 500;
        int maxMinutes = 40;
        Path repo;
        Path hubkitJar;
        String singleuser;
        String chp;
        String jupyterhub;
        String wrk;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--only-jupyterhub" -> o.onlyJupyterHub = true;
                    case "--only-hubkit" -> o.onlyHubkit = true;
                    case "--keep" -> o.keep = true;
                    case "--users" -> o.users = Cli.positive(a, value(args, ++i, a));
                    case "--duration" -> o.duration = Cli.positive(a, value(args, ++i, a));
                    case "--warmup" -> o.warmup = Cli.positive(a, value(args, ++i, a));
                    case "--threads" -> o.threads = Cli.positive(a, value(args, ++i, a));
                    case "--connections" -> o.connections = Cli.positive(a, value(args, ++i, a));
                    case "--spawn-timeout" -> o.spawnTimeout = Cli.positive(a, value(args, ++i, a));
                    case "--poll-ms" -> o.pollMillis = Cli.positive(a, value(args, ++i, a));
                    case "--max-minutes" -> o.maxMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--repo" -> o.repo = Path.of(value(args, ++i, a));
                    case "--hubkit-jar" -> o.hubkitJar = Path.of(value(args, ++i, a));
                    case "--singleuser" -> o.singleuser = value(args, ++i, a);
                    case "--chp" -> o.chp = value(args, ++i, a);
                    case "--jupyterhub" -> o.jupyterhub = value(args, ++i, a);
                    case "--wrk" -> o.wrk = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.onlyJupyterHub && o.onlyHubkit) {
                throw new IllegalArgumentException("--only-jupyterhub and --only-hubkit exclude each other");
            }
            o.repo = Cli.repo(o.repo);
            if (o.hubkitJar == null) {
                o.hubkitJar = Cli.serverJar(o.repo);
            }
            if (o.singleuser == null) {
                o.singleuser = firstOf(System.getenv("HUBKIT_SINGLEUSER_CMD"), "/usr/bin/jupyterhub-singleuser",
                        onPath("jupyterhub-singleuser"));
            }
            if (o.chp == null) {
                o.chp = firstOf(System.getenv("HUBKIT_CHP_CMD"), "/opt/hubkit-chp/node_modules/.bin/configurable-http-proxy");
            }
            if (o.jupyterhub == null) {
                o.jupyterhub = firstOf("/usr/bin/jupyterhub", onPath("jupyterhub"));
            }
            if (o.wrk == null) {
                o.wrk = firstOf(onPath("wrk"), "/usr/bin/wrk");
            }
            return o;
        }

        HubLauncher.Programs programs() {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new HubLauncher.Programs(jupyterhub, chp, singleuser, java, hubkitJar);
        }

        /** Null when every program this run needs is there, else what is missing and how to get it. */
        String checkPrograms() {
            List<String> missing = new ArrayList<>();
            String install = " (scripts/install-components.sh installs it)";
            if (!executable(wrk)) {
                missing.add("wrk not found: " + wrk + install);
            }
            if (!executable(singleuser)) {
                missing.add("jupyterhub-singleuser not found: " + singleuser + install);
            }
            if (!onlyHubkit) {
                if (!executable(jupyterhub)) {
                    missing.add("jupyterhub not found: " + jupyterhub + install);
                }
                if (!executable(chp)) {
                    missing.add("configurable-http-proxy not found: " + chp + install);
                }
            }
            return missing.isEmpty() ? null : String.join("\n", missing);
        }

        private static String firstOf(String... candidates) {
            for (String c : candidates) {
                if (c != null && !c.isBlank() && Files.isExecutable(Path.of(c))) {
                    return c;
                }
            }
            for (String c : candidates) {
                if (c != null && !c.isBlank()) {
                    return c;
                }
            }
            return null;
        }

        private static String onPath(String name) {
            String path = System.getenv("PATH");
            if (path == null) {
                return null;
            }
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
            return null;
        }
    }
}
