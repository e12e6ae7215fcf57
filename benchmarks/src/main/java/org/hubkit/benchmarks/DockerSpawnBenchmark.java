package org.hubkit.benchmarks;

import static org.hubkit.benchmarks.Cli.value;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Time from spawn request to ready with {@code spawner.type: docker}, for 1 and for 10 users at
 * once, beside the floor: the same image started by hand with {@code docker run} until it answers
 * HTTP, at the same concurrency. The difference is what the hub adds to each spawn (goal: under
 * 100 ms).
 *
 * <p>Hub side: the reference server ({@code java -jar hubkit-server.jar}), its proxy on loopback
 * and its own API on the default bridge's gateway (where the containers reach it), with the
 * Docker spawner (default bridge network, ports published on 127.0.0.1, {@code remove: true} so
 * each spawn creates a new container, a named volume per user at {@code /home/jovyan/work} as
 * DockerSpawner's default, never pull); the clock runs from the release of
 * the {@code POST /hub/api/users/{name}/server} calls until each server is ready (a 201, else
 * {@code servers[""].ready} polled every {@code --poll-ms}), as {@link SpawnStorm} does.
 * Floor side: {@code docker run -d -p 127.0.0.1:PORT:8888 -v NAME:/home/jovyan/work IMAGE
 * jupyterhub-singleuser ...} with
 * the JupyterHub environment a single-user server needs to start (it asks the hub's API at
 * start-up: the same running hub's), the clock running from the
 * {@code docker run} until {@code GET /user/<name>/api} answers below 500 (the hub's own readiness
 * check), asked every {@code --poll-ms}. Rounds alternate floor and hub; each figure is the
 * median over rounds of that round's median server (and of its last server).
 *
 * <p>Every container and volume is named {@code <run prefix>-...} and removed at the end, also on a failure
 * or a time-out (a shutdown hook); only the hub's process is ended, by its pid.
 */
final class DockerSpawnBenchmark {
    /** The goal: the hub adds less than this to each spawn. */
    static final double OVERHEAD_GOAL_MS = 100.0;

    private final Options options;
    private final String prefix = "hubkit-bench-" + UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Ports ports = new Ports();
    private volatile RunningHub hub;

    private DockerSpawnBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Cli.main(args, Options::parse, o -> o.help, Options.USAGE, o -> new DockerSpawnBenchmark(o).run());
    }

    /** One concurrency level's figures, in seconds: medians over rounds. */
    record Level(int users, double floorMedian, double floorLast, double hubMedian, double hubLast,
                 List<Double> floorRounds, List<Double> hubRounds) {
        double overheadMillis() {
            return (hubMedian - floorMedian) * 1000;
        }
    }

    private int run() throws Exception {
        Thread watchdog = Cli.guard(this::cleanUp, "docker-bench-cleanup", options.maxMinutes);
        docker(Duration.ofSeconds(30), "image", "inspect", "-f", "{{.Id}}", options.image);
        String gateway = bridgeGateway();
        System.out.printf(Locale.ROOT, "Docker spawn benchmark: image %s, concurrency %s, %d rounds, poll every %d ms,"
                + " containers %s-*, bridge gateway %s%n", options.image, options.concurrency, options.rounds,
                options.pollMillis, prefix, gateway);

        String token = "bench-" + UUID.randomUUID();
        HubLauncher launcher = new HubLauncher(options.programs(), options.keep);
        // The hub's API on the gateway: the containers, on the default bridge, reach it there.
        hub = launcher.startHubkit(token, gateway, "spawner: {type: docker, image: " + HubLauncher.py(options.image)
                + ", pullPolicy: never, remove: true, volumes: {" + HubLauncher.py(prefix + "-{username}") + ": /home/jovyan/work}"
                + ", hubId: " + HubLauncher.py(prefix)
                + ", nameTemplate: " + HubLauncher.py(prefix + "-hub-{username}") + ", startTimeout: 120}");
        String version = hub.awaitUp(Duration.ofSeconds(120));
        String hubApiForContainers = hub.api().base();
        System.out.printf(Locale.ROOT, "Hubkit up (pid %d, API %s, version %s)%n", hub.pid(), hub.api().base(), version);

        int most = options.concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        List<String> users = new ArrayList<>();
        for (int i = 1; i <= most; i++) {
            String name = String.format(Locale.ROOT, "bench-%02d", i);
            HubApi.Answer a = hub.api().createUser(name);
            if (!a.is(201, 409)) {
                throw new IOException("POST /users/" + name + " answered " + a.status() + ": " + a.body());
            }
            users.add(name);
        }
        SpawnStorm storm = new SpawnStorm(hub.api(), Duration.ofSeconds(180), Duration.ofMillis(options.pollMillis));
        System.out.println("warm-up: one server by hand, one through the hub (not counted)");
        floor(1, hubApiForContainers, 0);
        storm.run(users.subList(0, 1));

        List<Level> levels = new ArrayList<>();
        for (int c : options.concurrency) {
            List<Double> floorMedians = new ArrayList<>();
            List<Double> floorLasts = new ArrayList<>();
            List<Double> hubMedians = new ArrayList<>();
            List<Double> hubLasts = new ArrayList<>();
            for (int r = 1; r <= options.rounds; r++) {
                double[] f = floor(c, hubApiForContainers, r);
                SpawnStorm.Result h = storm.run(users.subList(0, c));
                floorMedians.add(f[0]);
                floorLasts.add(f[1]);
                hubMedians.add(h.medianReadySeconds());
                hubLasts.add(h.wallSeconds());
                System.out.printf(Locale.ROOT, "%2d at once, round %d: docker run %s s (last %s s); hub %s s (last %s s,"
                        + " POST answers %s)%n", c, r, s3(f[0]), s3(f[1]), s3(h.medianReadySeconds()), s3(h.wallSeconds()),
                        h.postStatuses());
            }
            levels.add(new Level(c, median(floorMedians), median(floorLasts), median(hubMedians), median(hubLasts),
                    floorMedians, hubMedians));
        }
        watchdog.interrupt();
        System.out.println();
        System.out.print(table(levels));
        return levels.stream().allMatch(l -> l.overheadMillis() < OVERHEAD_GOAL_MS) ? 0 : 1;
    }

    /** The closing table: floor, hub, ratio and the hub's overhead per spawn, for each concurrency. */
    static String table(List<Level> levels) {
        StringBuilder b = new StringBuilder();
        String row = "%-12s %22s %22s %8s %14s   %s%n";
        b.append(String.format(Locale.ROOT, row, "at once", "docker run (floor), s", "through the hub, s", "ratio",
                "overhead, ms", "goal"));
        for (Level l : levels) {
            double overhead = l.overheadMillis();
            b.append(String.format(Locale.ROOT, row, l.users() + (l.users() == 1 ? " user" : " users"),
                    s3(l.floorMedian()) + " (last " + s3(l.floorLast()) + ")",
                    s3(l.hubMedian()) + " (last " + s3(l.hubLast()) + ")",
                    String.format(Locale.ROOT, "%.2fx", l.hubMedian() / l.floorMedian()),
                    String.format(Locale.ROOT, "%+.0f", overhead),
                    "< " + (int) OVERHEAD_GOAL_MS + " ms per spawn: " + (overhead < OVERHEAD_GOAL_MS ? "met" : "NOT met")));
        }
        b.append(String.format(Locale.ROOT, "%nEach figure: the median over rounds of the round's median server (its last"
                + " server in brackets), from the request (POST, or docker run) to ready. ratio = hub / floor;"
                + " overhead = hub - floor.%n"));
        return b.toString();
    }

    /**
     * Starts {@code n} containers by hand at once and waits until each answers HTTP.
     *
     * @return the median and the last server's seconds from its {@code docker run} to its answer
     */
    private double[] floor(int n, String hubApi, int round) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<String> names = new ArrayList<>();
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<Double>> times = new ArrayList<>();
            List<Double> runReturned = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 1; i <= n; i++) {
                String user = String.format(Locale.ROOT, "floor-%d-%02d", round, i);
                String name = prefix + "-" + user;
                names.add(name);
                int port = ports.free();
                times.add(pool.submit(() -> {
                    gate.await();
                    long t0 = System.nanoTime();
                    docker(Duration.ofSeconds(120), "run", "-d", "--name", name, "--label", "org.hubkit.bench=" + prefix,
                            "-p", "127.0.0.1:" + port + ":8888", "-v", name + ":/home/jovyan/work",
                            "-e", "JUPYTERHUB_API_TOKEN=floor-not-a-token", "-e", "JUPYTERHUB_API_URL=" + hubApi,
                            "-e", "JUPYTERHUB_USER=" + user, "-e", "JUPYTERHUB_CLIENT_ID=jupyterhub-user-" + user,
                            "-e", "JUPYTERHUB_SERVICE_PREFIX=/user/" + user + "/",
                            options.image, "jupyterhub-singleuser", "--ip=0.0.0.0", "--port=8888");
                    runReturned.add((System.nanoTime() - t0) / 1e9);
                    awaitAnswer(URI.create("http://127.0.0.1:" + port + "/user/" + user + "/api"), Duration.ofSeconds(120));
                    return (System.nanoTime() - t0) / 1e9;
                }));
            }
            gate.countDown();
            double[] all = new double[n];
            for (int i = 0; i < n; i++) {
                all[i] = times.get(i).get(180, TimeUnit.SECONDS);
            }
            Arrays.sort(all);
            System.out.printf(Locale.ROOT, "   floor: docker run returned after %s s (median; last %s s)%n",
                    s3(median(runReturned)), s3(runReturned.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
            return new double[] {all[(n - 1) / 2], all[n - 1]};
        } finally {
            pool.shutdownNow();
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(names);
            docker(Duration.ofSeconds(120), rm.toArray(String[]::new));
        }
    }

    /** Asks {@code uri} every {@code --poll-ms} until it answers below 500, as the hub's readiness check does. */
    private void awaitAnswer(URI uri, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() < 500) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(options.pollMillis);
        }
        throw new IOException(uri + " did not answer within " + timeout + " (" + last + ")");
    }

    /** The default bridge's gateway, where the hub also listens for containers: docker0's IPv4 address. */
    private String bridgeGateway() throws IOException {
        String ipam = docker(Duration.ofSeconds(30), "network", "inspect", "bridge", "-f",
                "{{range .IPAM.Config}}{{.Gateway}}{{end}}").trim();
        if (!ipam.isEmpty()) {
            return ipam;
        }
        NetworkInterface docker0 = NetworkInterface.getByName("docker0");
        if (docker0 != null) {
            for (InetAddress a : java.util.Collections.list(docker0.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    return a.getHostAddress();
                }
            }
        }
        throw new IOException("no gateway for the default bridge network (no IPAM gateway, no docker0 address)");
    }

    /** Runs the docker CLI to its end; its standard output, or an IOException with all it said. */
    private String docker(Duration timeout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(options.docker));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("hubkit-bench-docker-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": no answer within " + timeout);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + output.trim());
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The hub (and the servers it stops at shutdown), then every container and volume of this run's prefix. */
    private void cleanUp() {
        RunningHub h = hub;
        if (h != null) {
            h.close();
        }
        try {
            String ids = docker(Duration.ofSeconds(30), "ps", "-aq", "--filter", "name=^" + prefix + "-");
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            Arrays.stream(ids.trim().split("\\s+")).filter(id -> !id.isBlank()).forEach(rm::add);
            if (rm.size() > 2) {
                docker(Duration.ofSeconds(120), rm.toArray(String[]::new));
                System.err.println("removed " + (rm.size() - 2) + " container(s) left by the run");
            }
        } catch (IOException e) {
            System.err.println("could not list or remove the run's containers (" + prefix + "-*): " + e.getMessage());
        }
        try {
            String names = docker(Duration.ofSeconds(30), "volume", "ls", "-q", "--filter", "name=^" + prefix + "-");
            List<String> rm = new ArrayList<>(List.of("volume", "rm", "-f"));
            Arrays.stream(names.trim().split("\\s+")).filter(v -> !v.isBlank()).forEach(rm::add);
            if (rm.size() > 3) {
                docker(Duration.ofSeconds(120), rm.toArray(String[]::new));
            }
        } catch (IOException e) {
            System.err.println("could not list or remove the run's volumes (" + prefix + "-*): " + e.getMessage());
        }
    }

    private static double median(List<Double> values) {
        return ProxyReport.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String s3(double seconds) {
        return String.format(Locale.ROOT, "%.3f", seconds);
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: benchmarks/docker-spawn-run.sh [options]",
                "  --concurrency N,M       users started at once, one level after the other (1,10)",
                "  --rounds N              rounds per level, floor and hub alternating (3)",
                "  --image TAG             the single-user image, local (hubkit/singleuser:test)",
                "  --poll-ms MS            how often readiness is asked, on both sides (20)",
                "  --max-minutes M         limit for the whole run (20)",
                "  --repo DIR              the Hubkit checkout (property hubkit.repo, else the current folder)",
                "  --hubkit-jar FILE       (REPO/examples/reference-server/target/hubkit-server.jar)",
                "  --docker CMD            the docker CLI (docker on PATH)",
                "  --keep                  keep the hub's temporary folder (config, log)");

        boolean help;
        boolean keep;
        List<Integer> concurrency = List.of(1, 10);
        int rounds = 3;
        String image = "hubkit/singleuser:test";
        int pollMillis = 20;
        int maxMinutes = 20;
        Path repo;
        Path hubkitJar;
        String docker = "docker";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--keep" -> o.keep = true;
                    case "--concurrency" -> o.concurrency = Cli.positives(a, value(args, ++i, a));
                    case "--rounds" -> o.rounds = Cli.positive(a, value(args, ++i, a));
                    case "--image" -> o.image = value(args, ++i, a);
                    case "--poll-ms" -> o.pollMillis = Cli.positive(a, value(args, ++i, a));
                    case "--max-minutes" -> o.maxMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--repo" -> o.repo = Path.of(value(args, ++i, a));
                    case "--hubkit-jar" -> o.hubkitJar = Path.of(value(args, ++i, a));
                    case "--docker" -> o.docker = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.concurrency.stream().anyMatch(c -> c > 50)) {
                throw new IllegalArgumentException("--concurrency: at most 50 at once on this machine");
            }
            o.repo = Cli.repo(o.repo);
            if (o.hubkitJar == null) {
                o.hubkitJar = Cli.serverJar(o.repo);
            }
            return o;
        }

        HubLauncher.Programs programs() {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new HubLauncher.Programs(null, null, null, java, hubkitJar);
        }
    }
}
