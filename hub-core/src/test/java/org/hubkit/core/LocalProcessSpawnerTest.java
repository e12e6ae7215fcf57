package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Mount;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.LocalProcessSpawner.Isolation;
import org.hubkit.core.internal.SystemUsers;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The spawner's isolation settings and what it does to files and the environment, without root:
 * the warning a spawner that cannot isolate gives (the hub's uid is simulated), the builder's
 * checks, and a real server process started as the hub's own user. {@code LocalProcessIsolationIT}
 * covers servers in accounts of their own.
 */
class LocalProcessSpawnerTest {
    private static final String WARNING = "Single-user servers are NOT isolated from each other: every server runs as OS user";
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(LocalProcessSpawner.class);

    @TempDir
    Path dir;

    @BeforeEach
    void captureLog() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(logged);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aSpawnerThatCannotIsolateSaysSoOnceWhenBuilt() {
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().hubUid(1000).build();
        assertThat(spawner.isolated()).isFalse();
        assertThat(warnings()).singleElement().asString().startsWith(WARNING)
                .contains("(uid 1000) and can read the others' tokens; run the hub as root to give each server its own account");
        spawner.close();
        assertThat(warnings()).as("once per spawner").hasSize(1);
    }

    @Test
    void isolationNoneWarnsToo() {
        LocalProcessSpawner.builder().hubUid(0).isolation(Isolation.NONE).build().close();
        assertThat(warnings()).singleElement().asString().startsWith(WARNING + " root (uid 0)")
                .endsWith("set isolation AUTO or SYSTEM_USERS and run the hub as root to give each server its own account");
    }

    @Test
    void systemUsersWithoutRootAndABadTemplateFailTheBuildNamingTheField() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LocalProcessSpawner.builder().hubUid(1000)
                .isolation(Isolation.SYSTEM_USERS).systemUserTemplate("Jupyter-{user}").build());
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("isolation: SYSTEM_USERS needs the hub to run as root")
                .contains("uid 1000"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("systemUserTemplate: must hold {username}"));
        assertThat(warnings()).isEmpty();
    }

    @Test
    void asRootTheDefaultIsAnAccountPerUserNamedLikeTheLittlestJupyterHubs() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) || Files.isExecutable(Path.of("/bin/setpriv")),
                "setpriv (util-linux) is not installed");
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().hubUid(0).build(); // builds only: no account is touched
        assertThat(spawner.isolated()).isTrue();
        assertThat(spawner.systemUsername("alice")).isEqualTo("jupyter-alice");
        assertThat(spawner.systemUsername("Alice")).isEqualTo("jupyter-alice-3bc51062");
        assertThat(warnings()).isEmpty();
        assertThat(LocalProcessSpawner.builder().hubUid(0).systemUserTemplate("nb-{username}").build().systemUsername("bob"))
                .isEqualTo("nb-bob");
    }

    private List<String> infos() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void serversThatRunAsRootGetAllowRootAddedToAJupyterCommandAsTheReferenceServerDid() {
        LocalProcessSpawner asRoot = LocalProcessSpawner.builder().hubUid(0).isolation(Isolation.NONE).build();
        assertThat(asRoot.command()).containsExactly("jupyterhub-singleuser", "--allow-root");
        assertThat(infos()).anySatisfy(m -> assertThat(m).contains("added --allow-root"));

        assertThat(LocalProcessSpawner.builder().hubUid(0).isolation(Isolation.NONE)
                .cmd(List.of("/usr/bin/jupyterhub-singleuser")).args(List.of("--allow-root", "--debug")).build().command())
                .as("already there: not twice").containsExactly("/usr/bin/jupyterhub-singleuser", "--allow-root", "--debug");
        assertThat(LocalProcessSpawner.builder().hubUid(0).isolation(Isolation.NONE).cmd(List.of("/usr/bin/python3", "app.py"))
                .build().command()).as("not a Jupyter command").containsExactly("/usr/bin/python3", "app.py");
        assertThat(LocalProcessSpawner.builder().hubUid(1000).isolation(Isolation.NONE).build().command())
                .as("not root").containsExactly("jupyterhub-singleuser");
        assertThat(LocalProcessSpawner.builder().hubUid(1000).build().command()).containsExactly("jupyterhub-singleuser");
    }

    @Test
    void serversInAccountsOfTheirOwnAreNotRootAndGetNoAllowRoot() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) || Files.isExecutable(Path.of("/bin/setpriv")),
                "setpriv (util-linux) is not installed");
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().hubUid(0).build(); // builds only: no account is touched
        assertThat(spawner.isolated()).isTrue();
        assertThat(spawner.command()).containsExactly("jupyterhub-singleuser");
        assertThat(infos()).noneSatisfy(m -> assertThat(m).contains("--allow-root"));
    }

    @Test
    void logsGoToTheBuildersDirectoryElseToTheHubsDataDirectory() {
        Path explicit = dir.resolve("my-logs");
        LocalProcessSpawner given = LocalProcessSpawner.builder().hubUid(1000).logDirectory(explicit).build();
        LocalProcessSpawner unset = LocalProcessSpawner.builder().hubUid(1000).build();
        assertThat(unset.logDirectory()).as("without a hub").isEqualTo(Path.of("hubkit-data", "logs").toAbsolutePath());
        for (LocalProcessSpawner spawner : List.of(given, unset)) {
            Hub.builder().spawner(spawner).authenticator(new DummyAuthenticator("a password", null))
                    .proxy(NettyProxy.builder().ip("127.0.0.1").port(0).build()).publicUrl(URI.create("http://127.0.0.1:8000"))
                    .database(Database.h2(dir.resolve("data"))).build(); // built, never started: nothing opened
        }
        assertThat(given.logDirectory()).isEqualTo(explicit);
        assertThat(unset.logDirectory()).isEqualTo(dir.resolve("data/logs"));
    }

    static LocalProcessSpawner readmeIsolationExample() {
        // README-ISOLATION-START
        LocalProcessSpawner spawner = LocalProcessSpawner.builder()
                .isolation(LocalProcessSpawner.Isolation.AUTO)      // the default: accounts when root; SYSTEM_USERS, NONE
                .systemUserTemplate("jupyter-{username}")           // the default, as TLJH
                .createSystemUsers(true)                            // the default: useradd on the first spawn
                .build();
        // README-ISOLATION-END
        return spawner;
    }

    @Test
    void theReadmeShowsTheseSettingsAndTheyAreTheDefaults() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/core/LocalProcessSpawnerTest.java"));
        String snippet = source.substring(source.indexOf("// README-ISOLATION-START") + "// README-ISOLATION-START".length(),
                source.indexOf("// README-ISOLATION-END")).strip();
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme.replaceAll("\\s+", " ")).contains(snippet.replaceAll("\\s+", " "));
        LocalProcessSpawner example = readmeIsolationExample();
        LocalProcessSpawner defaults = LocalProcessSpawner.builder().build();
        assertThat(example.isolated()).isEqualTo(defaults.isolated()).isEqualTo(SystemUsers.currentUid() == 0);
        assertThat(example.systemUsername("Alice")).isEqualTo(defaults.systemUsername("Alice"));
    }

    @Test
    void aServerGetsNothingOfTheHubsEnvironmentButEnvKeepAndItsFilesArePrivate() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs Linux's /proc and /usr/bin/python3");
        String server = String.join("\n",
                "import http.server, os, urllib.parse",
                "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])",
                "print('listening', flush=True)",
                "http.server.HTTPServer((u.hostname, u.port), http.server.BaseHTTPRequestHandler).serve_forever()");
        Path logs = dir.resolve("data/logs");
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().cmd(List.of("/usr/bin/python3", "-c", server))
                .logDirectory(logs).environment("FROM_SPAWNER", "1").isolation(Isolation.NONE).build();
        ServerId id = ServerId.defaultServer("alice");
        List<Mount> mounts = VolumePolicy.perUserDirectory(dir.resolve("data/users"), "/home/jovyan")
                .mounts(id, new UserInfo("alice", false, Set.of(), Map.of()));
        SpawnRequest request = new SpawnRequest(id, new UserInfo("alice", false, Set.of(), Map.of()),
                Map.of("JUPYTERHUB_API_TOKEN", "secret-token", "JUPYTERHUB_SERVICE_PREFIX", "/user/alice/"), Map.of(), mounts,
                Duration.ofSeconds(30));
        SpawnerState[] state = {SpawnerState.EMPTY};
        SpawnResult result = spawner.start(request, new SpawnContext() {
            @Override
            public void progress(int percent, String message) {
            }

            @Override
            public void saveState(SpawnerState s) {
                state[0] = s;
            }
        }).toCompletableFuture().get(30, TimeUnit.SECONDS);
        try {
            long pid = Long.parseLong(result.state().get("pid").orElseThrow());
            Map<String, String> env = environ(pid);
            Set<String> allowed = new HashSet<>(LocalProcessSpawner.DEFAULT_ENV_KEEP);
            allowed.addAll(List.of("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_URL", "USER",
                    "HOME", "SHELL", "FROM_SPAWNER"));
            assertThat(allowed).as("the server's variables are envKeep's and the spawner's only").containsAll(env.keySet());
            Set<String> hubOnly = new HashSet<>(System.getenv().keySet());
            hubOnly.removeAll(allowed);
            assertThat(env.keySet()).as("nothing of the hub's own environment").doesNotContainAnyElementsOf(hubOnly);
            assertThat(env).containsEntry("USER", "alice").containsEntry("HOME", mounts.get(0).source())
                    .containsEntry("JUPYTERHUB_API_TOKEN", "secret-token");

            assertThat(mode(logs)).isEqualTo("rwx------");
            assertThat(mode(logs.resolve("alice.log"))).isEqualTo("rw-------");
            assertThat(mode(Path.of(mounts.get(0).source()))).isEqualTo("rwx------");
            assertThat(mode(dir.resolve("data/users"))).as("created above a home: others pass, never list").isEqualTo("rwx--x--x");
            assertThat(mode(dir.resolve("data"))).isEqualTo("rwx--x--x");
        } finally {
            spawner.stop(id, state[0]).toCompletableFuture().get(30, TimeUnit.SECONDS);
            spawner.close();
        }
    }

    private static Map<String, String> environ(long pid) throws Exception {
        String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String entry : raw.split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
