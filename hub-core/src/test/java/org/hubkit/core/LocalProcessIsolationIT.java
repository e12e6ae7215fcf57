package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hubkit.api.AccessRules;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.LocalProcessSpawner.Isolation;
import org.hubkit.core.internal.SystemUserTemplate;
import org.hubkit.proxy.netty.NettyProxy;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real hub running as root, with the default layout ({@code hubkit-data} holding the H2
 * database, {@code users/} and {@code logs/}), starts alice's and bob's servers, each as its own
 * Linux account; bob's "kernel" (code in his server's process) then tries to read alice's
 * environment in {@code /proc} (her API token), the hub's database, a {@code 0600} configuration
 * file, alice's home and the hub's logs. Every attempt must fail with {@code EACCES}, while his own
 * home works. The last test runs the same probe against a hub with {@link Isolation#NONE}, where
 * bob reads alice's token: the probe would catch the leak the isolation closes.
 *
 * <p>The accounts have a name unique to the run ({@code hkt<random>-alice}) so that the test never
 * touches a real account, and are deleted at the end by exact name. Skipped unless the test runs
 * as root with {@code setpriv}, {@code useradd} and {@code userdel} (a failure under {@code CI=true}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalProcessIsolationIT {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessIsolationIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "isolation-admin-" + UUID.randomUUID();
    private static final int EACCES = 13;

    /**
     * The single-user "server": binds JUPYTERHUB_SERVICE_URL, starts a child process (so that stop
     * must kill a tree), writes what it is (pid, uid, environment) and a private note into its home,
     * and on {@code GET {prefix}probe?op=read|list|write&path=...} tries that on a path as its own
     * process would, answering what happened.
     */
    static final String SERVER_SCRIPT = """
            import http.server, json, os, subprocess, urllib.parse
            env = os.environ
            url = urllib.parse.urlparse(env["JUPYTERHUB_SERVICE_URL"])
            prefix = env["JUPYTERHUB_SERVICE_PREFIX"]
            home = env["HOME"]
            child = subprocess.Popen(["/bin/sleep", "600"])
            with open(os.path.join(home, "notebook.txt"), "w") as f:
                f.write("private notes of " + env["JUPYTERHUB_USER"])
            me = {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "child": child.pid, "cwd": os.getcwd(), "env": dict(env)}
            with open(os.path.join(home, ".whoami.json"), "w") as f:
                json.dump(me, f)
            def attempt(op, path):
                try:
                    if op == "read":
                        with open(path, "rb") as f:
                            data = f.read()
                        return {"ok": True, "bytes": len(data), "token": b"JUPYTERHUB_API_TOKEN=" in data}
                    if op == "list":
                        return {"ok": True, "entries": sorted(os.listdir(path))}
                    if op == "write":
                        with open(path, "w") as f:
                            f.write("written")
                        return {"ok": True}
                    return {"ok": False, "error": "unknown op"}
                except OSError as e:
                    return {"ok": False, "errno": e.errno, "error": type(e).__name__ + ": " + str(e)}
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    u = urllib.parse.urlparse(self.path)
                    if u.path == prefix + "probe":
                        q = urllib.parse.parse_qs(u.query)
                        body = json.dumps(attempt(q["op"][0], q["path"][0])).encode()
                    else:
                        body = b'{"server": "isolation-test"}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer((url.hostname, url.port), Handler).serve_forever()
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String template = TestAccounts.uniqueTemplate("hkt");
    private final Set<String> accounts = new LinkedHashSet<>();
    private final Set<Long> processes = new LinkedHashSet<>();
    private Path root;
    private Path data;
    /** The data directory of the hub running now: {@link #data}, or the shared one of the last test. */
    private Path current;
    private Path config;
    private int proxyPort;
    private Hub hub;
    private URI base;

    @BeforeAll
    void startAHubAsRoot() throws Exception {
        TestAccounts.requireRootAndTools();
        RealComponents.executable("python3", "HUBKIT_PYTHON", "/usr/bin/python3", "python3");
        root = Files.createTempDirectory("hubkit-isolation-");
        // What an operator does for homes below the hub's directory: the accounts may pass, not list.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        data = root.resolve("hubkit-data");
        config = root.resolve("hubkit.yaml");
        // Written as the reference server expects its configuration: 0600, it holds the admin token.
        Files.writeString(config, "services: [{name: admin, apiToken: " + ADMIN_TOKEN + ", admin: true}]\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        current = data;
        hub = newHub(data, Isolation.SYSTEM_USERS).start();
        base = hub.publicUrl();
        for (String user : List.of("alice", "bob")) {
            accounts.add(systemUsername(user));
            startServer(user);
        }
    }

    private String systemUsername(String user) {
        return SystemUserTemplate.parse(template).apply(user);
    }

    private Hub newHub(Path dataDir, Isolation isolation) {
        return Hub.builder()
                .spawner(LocalProcessSpawner.builder()
                        .cmd(List.of("/usr/bin/python3", "-c", SERVER_SCRIPT))
                        .logDirectory(dataDir.resolve("logs"))
                        .isolation(isolation)
                        .systemUserTemplate(template)
                        .stopTimeout(Duration.ofSeconds(3))
                        .build())
                .authenticator(SharedPasswordAuthenticator.builder().password("correct horse battery staple")
                        .accessRules(AccessRules.allowAllUsers()).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dataDir))
                .cleanupServers(false) // the restart step finds the servers again
                .volumePolicy(VolumePolicy.perUserDirectory(dataDir.resolve("users"), "/home/jovyan"))
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .startTimeout(Duration.ofSeconds(30))
                .httpTimeout(Duration.ofSeconds(10))
                .addService(new Service("it-admin", ADMIN_TOKEN, true))
                .build();
    }

    @AfterAll
    void stopEverythingAndDeleteTheAccounts() throws Exception {
        try {
            if (hub != null) {
                try {
                    for (String user : List.of("alice", "bob", "carol", "dave")) {
                        if (api("DELETE", "/users/" + user + "/server").statusCode() / 100 == 2) {
                            awaitNoServer(user);
                        }
                    }
                } catch (IOException | AssertionError e) {
                    LOG.warn("Stopping the servers through the API failed ({}); killing what is left", e.toString());
                }
                hub.close();
            }
        } finally {
            for (long pid : processes) {
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
            }
            accounts.forEach(TestAccounts::delete);
            if (root != null) {
                try (Stream<Path> all = Files.walk(root)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    @Order(1)
    void eachServerRunsAsItsOwnAccountWithItsHomeAndNothingOfTheHubsEnvironment() throws Exception {
        Map<String, Integer> uids = new LinkedHashMap<>();
        for (String user : List.of("alice", "bob")) {
            String account = systemUsername(user);
            Map<String, Object> state = state(user);
            long pid = Long.parseLong((String) state.get("pid"));
            List<Integer> ids = procStatus(pid, "Uid");
            assertThat(ids).as("real, effective, saved and file-system uid of %s's server", user).doesNotContain(0)
                    .containsOnly(ids.get(0));
            assertThat(procStatus(pid, "Gid")).doesNotContain(0);
            int uid = ids.get(0);
            uids.put(user, uid);
            assertThat(state).containsEntry("system_user", account).containsEntry("uid", Integer.toString(uid));

            String[] passwd = TestAccounts.run("getent", "passwd", account).output().strip().split(":", -1);
            assertThat(passwd[2]).isEqualTo(Integer.toString(uid));
            assertThat(passwd[4]).as("the account records its hub user").isEqualTo("Hubkit user " + user);

            Map<String, Object> whoami = whoami(user);
            assertThat(whoami.get("uid")).isEqualTo(uid);
            assertThat(whoami.get("cwd")).isEqualTo(home(user).toString());
            @SuppressWarnings("unchecked")
            Map<String, String> env = (Map<String, String>) whoami.get("env");
            assertThat(env).containsEntry("USER", account).containsEntry("HOME", home(user).toString())
                    .containsEntry("JUPYTERHUB_USER", user);
            Set<String> hubOnly = new HashSet<>(System.getenv().keySet());
            hubOnly.removeAll(LocalProcessSpawner.DEFAULT_ENV_KEEP);
            hubOnly.removeAll(List.of("USER", "HOME", "SHELL"));
            assertThat(env.keySet()).as("nothing of the hub's own environment but envKeep").doesNotContainAnyElementsOf(hubOnly);
            assertThat(owner(home(user))).isEqualTo(uid);
            assertThat(mode(home(user))).isEqualTo("rwx------");
        }
        assertThat(uids.get("alice")).as("alice's and bob's servers run as different users").isNotEqualTo(uids.get("bob"));
    }

    @Test
    @Order(2)
    void bobsKernelCannotReadAlicesTokenTheDatabaseTheConfigurationHerHomeOrTheLogs() throws Exception {
        long alicePid = Long.parseLong((String) state("alice").get("pid"));
        Path aliceHome = home("alice");
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("read /proc/" + alicePid + "/environ", "read:/proc/" + alicePid + "/environ");
        attempts.put("read the H2 database", "read:" + data.resolve("hubkit.mv.db"));
        attempts.put("read the configuration", "read:" + config);
        attempts.put("list alice's home", "list:" + aliceHome);
        attempts.put("read alice's notebook", "read:" + aliceHome.resolve("notebook.txt"));
        attempts.put("write into alice's home", "write:" + aliceHome.resolve("from-bob.txt"));
        attempts.put("list the hub's log directory", "list:" + data.resolve("logs"));
        attempts.put("read alice's server log", "read:" + data.resolve("logs").resolve("alice.log"));
        attempts.put("list the hub's data directory", "list:" + data);
        attempts.put("list the homes", "list:" + data.resolve("users"));
        Map<String, Object> results = new LinkedHashMap<>();
        for (Map.Entry<String, String> a : attempts.entrySet()) {
            String[] opPath = a.getValue().split(":", 2);
            results.put(a.getKey(), probe("bob", opPath[0], opPath[1]));
        }
        LOG.info("What bob's kernel got: {}", results);
        assertThat(results).allSatisfy((what, r) -> assertThat(map(r)).as(what)
                .containsEntry("ok", false).containsEntry("errno", EACCES));
        assertThat(Files.exists(aliceHome.resolve("from-bob.txt"))).isFalse();

        Path bobHome = home("bob");
        assertThat(probe("bob", "read", bobHome.resolve("notebook.txt").toString())).containsEntry("ok", true);
        assertThat(probe("bob", "write", bobHome.resolve("new.txt").toString())).containsEntry("ok", true);
        assertThat(probe("bob", "list", bobHome.toString())).containsEntry("ok", true);
        assertThat(owner(bobHome.resolve("new.txt"))).isEqualTo(owner(bobHome));
    }

    @Test
    @Order(3)
    void theHubsDirectoryDatabaseAndLogsAreTheHubsAlone() throws Exception {
        LOG.info("The data directory after the spawns:\n{}", TestAccounts.run("ls", "-laR", data.toString()).output());
        assertThat(mode(data)).as("passable to the homes below, never listable").isEqualTo("rwx--x--x");
        assertThat(mode(data.resolve("users"))).isEqualTo("rwx--x--x");
        assertThat(mode(data.resolve("logs"))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files.filter(Files::isRegularFile).toList()).isNotEmpty()
                    .allSatisfy(f -> assertThat(mode(f)).as("%s", f).isEqualTo("rw-------"));
        }
        try (Stream<Path> logs = Files.list(data.resolve("logs"))) {
            assertThat(logs.toList()).hasSize(2).allSatisfy(f -> {
                assertThat(mode(f)).as("%s", f).isEqualTo("rw-------");
                assertThat(owner(f)).isZero();
            });
        }
    }

    @Test
    @Order(4)
    void anAccountThatIsMissingRootsASystemAccountsOrAnotherUsersIsNeverUsed() throws Exception {
        assertThat(spawnError(template, false, "erin")).contains("There is no OS account " + systemUsername("erin")
                + " for hub user erin and createSystemUsers is off");
        assertThat(TestAccounts.run("getent", "passwd", systemUsername("erin")).status()).as("not created").isNotZero();
        // With a bare template, hub users named like existing accounts would map onto them.
        assertThat(spawnError("{username}", true, systemUsername("alice")))
                .contains("was created for another hub user ('Hubkit user alice')");
        assertThat(spawnError("{username}", true, "root")).contains("has uid 0").contains("never runs as root");
        assertThat(spawnError("{username}", true, "daemon")).contains("is a system account").contains("did not create");
    }

    /** What a spawn of {@code user}'s server fails with, straight through a spawner (no hub). */
    private String spawnError(String template, boolean create, String user) throws Exception {
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().cmd(List.of("/bin/false")).logDirectory(root.resolve("logs-x"))
                .isolation(Isolation.SYSTEM_USERS).systemUserTemplate(template).createSystemUsers(create).build();
        ServerId id = ServerId.defaultServer(user);
        UserInfo info = new UserInfo(user, false, Set.of(), Map.of());
        SpawnRequest request = new SpawnRequest(id, info, Map.of(), Map.of(),
                VolumePolicy.perUserDirectory(root.resolve("homes-x"), "/home/jovyan").mounts(id, info), Duration.ofSeconds(5));
        try {
            spawner.start(request, new SpawnContext() {
                @Override
                public void progress(int percent, String message) {
                }

                @Override
                public void saveState(SpawnerState state) {
                    throw new AssertionError("no process may start: " + state);
                }
            }).toCompletableFuture().get(30, TimeUnit.SECONDS);
            throw new AssertionError("the spawn of " + user + " with " + template + " succeeded");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SpawnException.class);
            return e.getCause().getMessage();
        } finally {
            spawner.close();
        }
    }

    @Test
    @Order(5)
    void aRestartedHubFindsTheServersAndStopKillsEachTree() throws Exception {
        Map<String, Object> before = state("alice");
        hub.close();
        hub = newHub(data, Isolation.SYSTEM_USERS).start();
        hub.whenRestored().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(state("alice")).as("the same process, found again").isEqualTo(before);
        assertThat(server("alice").get("ready")).isEqualTo(true);

        for (String user : List.of("alice", "bob")) {
            Map<String, Object> whoami = whoami(user);
            ProcessHandle server = ProcessHandle.of(((Number) whoami.get("pid")).longValue()).orElseThrow();
            ProcessHandle child = ProcessHandle.of(((Number) whoami.get("child")).longValue()).orElseThrow();
            assertThat(api("DELETE", "/users/" + user + "/server").statusCode()).isIn(202, 204);
            awaitNoServer(user);
            server.onExit().get(10, TimeUnit.SECONDS);
            child.onExit().get(10, TimeUnit.SECONDS);
            assertThat(server.isAlive() || child.isAlive()).as("%s's server and its child", user).isFalse();
        }
    }

    @Test
    @Order(6)
    void withoutIsolationTheSameProbeReadsAlicesToken() throws Exception {
        hub.close();
        Path shared = root.resolve("shared-data");
        current = shared;
        hub = newHub(shared, Isolation.NONE).start();
        base = hub.publicUrl();
        startServer("carol");
        startServer("dave");
        long carolPid = Long.parseLong((String) state("carol").get("pid"));
        Map<String, Object> r = probe("dave", "read", "/proc/" + carolPid + "/environ");
        assertThat(r).as("dave reads carol's environment: what isolation prevents").containsEntry("ok", true)
                .containsEntry("token", true);
        assertThat(probe("dave", "read", shared.resolve("hubkit.mv.db").toString())).containsEntry("ok", true);
    }

    // ------------------------------------------------------------------ helpers

    private void startServer(String user) throws Exception {
        HttpResponse<String> made = api("POST", "/users/" + user);
        assertThat(made.statusCode()).as(made.body()).isIn(201, 409);
        HttpResponse<String> r = api("POST", "/users/" + user + "/server");
        assertThat(r.statusCode()).as(r.body()).isIn(201, 202);
        Instant deadline = Instant.now().plusSeconds(40);
        while (Instant.now().isBefore(deadline)) {
            Map<String, Object> s = server(user);
            if (s != null && Boolean.TRUE.equals(s.get("ready"))) {
                processes.add(Long.parseLong((String) state(user).get("pid")));
                processes.add(((Number) whoami(user).get("child")).longValue());
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(user + "'s server did not become ready: " + api("GET", "/users/" + user).body()
                + "\nlog:\n" + readQuietly(current.resolve("logs").resolve(user + ".log")));
    }

    private void awaitNoServer(String user) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (server(user) != null) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(user + "'s server is still there");
            }
            Thread.sleep(100);
        }
    }

    private Map<String, Object> probe(String user, String op, String path) throws Exception {
        URI uri = base.resolve("/user/" + user + "/probe?op=" + op + "&path=" + URLEncoder.encode(path, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", uri, r.body()).isEqualTo(200);
        return map(JSON.readValue(r.body(), Map.class));
    }

    private HttpResponse<String> api(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("/hub/api" + path)).header("Authorization", "token " + ADMIN_TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, Object> server(String user) throws Exception {
        HttpResponse<String> r = api("GET", "/users/" + user);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return map(map(JSON.readValue(r.body(), Map.class).get("servers")).get(""));
    }

    private Map<String, Object> state(String user) throws Exception {
        Map<String, Object> s = server(user);
        assertThat(s).as("%s's server", user).isNotNull();
        return map(s.get("state"));
    }

    private Path home(String user) {
        return current.resolve("users").resolve(user);
    }

    private Map<String, Object> whoami(String user) throws Exception {
        return map(JSON.readValue(home(user).resolve(".whoami.json").toFile(), Map.class));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    /** The ids of a {@code /proc/<pid>/status} line such as {@code Uid: 1001 1001 1001 1001}. */
    private static List<Integer> procStatus(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key + ":")) {
                List<Integer> ids = new ArrayList<>();
                for (String id : line.substring(key.length() + 1).strip().split("\\s+")) {
                    ids.add(Integer.parseInt(id));
                }
                return ids;
            }
        }
        throw new AssertionError("no " + key + " in /proc/" + pid + "/status");
    }

    private static int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String mode(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
