package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigException;
import org.hubkit.core.Hub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spawner type from a jar of its own ({@link FakeSpawnerJar}, compiled here against hub-api
 * alone) is configured in YAML as soon as the jar is on the class path, with no change to the
 * reference server: its keys are checked with the server's and hub-core's, and every problem
 * comes out in one list, in file order.
 */
class PluggableTypeTest {
    @TempDir
    static Path dir;
    private static Path jar;
    private static URLClassLoader withFake;

    @BeforeAll
    static void buildTheJar() throws Exception {
        jar = FakeSpawnerJar.build(Files.createDirectories(dir.resolve("fake")));
        withFake = new URLClassLoader(new URL[] {jar.toUri().toURL()}, PluggableTypeTest.class.getClassLoader());
    }

    @AfterAll
    static void closeTheLoader() throws Exception {
        withFake.close();
    }

    private static List<String> problems(String yaml, ClassLoader types) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse(yaml, types));
        assertThat(e).as("expected %s to be rejected", yaml).isNotNull();
        return e.problems();
    }

    @Test
    void withoutTheJarTheTypeIsRefusedListingTheTypesFound() {
        assertThat(problems("spawner: {type: fake, image: 'notebook:1'}", getClass().getClassLoader()))
                .containsExactly("spawner.type: must be local (the spawner types on the class path); got 'fake'");
        assertThat(ServerConfig.parse("spawner: {type: fake}", withFake).spawner().type()).as("the jar adds its type")
                .isEqualTo("fake");
    }

    @Test
    void theTypesKeysAreReadAndItsProblemsComeWithEveryOtherInFileOrder() {
        assertThat(problems("""
                hub:
                  port: 70000
                spawner:
                  type: fake
                  image: notebook:1
                  replicas: 0
                  imgae: typo
                  labels: {team: 7}
                  limits:
                    memroy: 2G
                  cmd: [jupyterhub-singleuser]
                  startTimeout: -1
                auth:
                  type: dummy
                  password: ""
                """, withFake)).containsExactly(
                "hub.port: must be from 0 to 65535; got 70000",
                "spawner.replicas: must be from 1 to 10; got 0",
                "spawner.imgae: unknown key (did you mean spawner.image?)",
                "spawner.labels.team: must be a string (put it in quotes); got an integer (7)",
                "spawner.limits.memroy: unknown key (did you mean spawner.limits.memory?)",
                "spawner.cmd: only used with spawner.type local",
                "spawner.startTimeout: must be a positive number of seconds (at most 31536000); got -1",
                "auth.password: must not be empty (leave it out to accept any password)");
    }

    @Test
    void theHubIsBuiltWithTheTypesSpawnerAndItsBuilderProblemsAreNamedByKey() {
        ServerConfig config = ServerConfig.parse("""
                hub: {dataDir: %s, port: 0}
                spawner:
                  type: fake
                  image: notebook:1
                  labels: {team: data}
                  startTimeout: 120
                auth: {type: dummy}
                """.formatted(dir.resolve("data")), withFake);
        assertThat(config.spawner().type()).isEqualTo("fake");
        assertThat(config.spawner().implementation()).startsWith("com.example.fake.FakeSpawnerFactory (from ")
                .endsWith("fake-spawner.jar)");
        assertThat(config.spawner().values()).containsEntry("image", "notebook:1").containsEntry("replicas", 1)
                .containsEntry("labels", Map.of("team", "data")).containsEntry("limits.memory", "1G");
        try (Hub hub = ReferenceServer.buildHub(config)) {
            assertThat(hub).isNotNull();
        }
        assertThat(config.spawner().build().name()).as("the jar's spawner, given the hub's data directory")
                .isEqualTo("FakeSpawner[notebook:1 x1 {team=data} 1G in " + dir.resolve("data").toAbsolutePath() + "]");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ReferenceServer.buildHub(ServerConfig.parse("""
                hub: {dataDir: %s}
                spawner: {type: fake}
                auth: {type: shared-password, allowAll: true}
                """.formatted(dir.resolve("data")), withFake)));
        assertThat(e.problems()).as("the jar's builder and hub-core's, in file order")
                .containsExactly("spawner.image: required", "auth.password: required (or auth.adminPassword)");
    }

    @Test
    void aKeyReadWithValueTakesAnyShapeItsFactoryChecksAndIsShownAsRead() {
        ServerConfig config = ServerConfig.parse("""
                spawner:
                  type: fake
                  mounts:
                    /srv/home: /home
                    /srv/data: {bind: /data, mode: ro}
                """, withFake);
        assertThat(config.spawner().value("mounts")).as("plain Java, in the file's order; no key below it unknown")
                .isEqualTo(Map.of("/srv/home", "/home", "/srv/data", Map.of("bind", "/data", "mode", "ro")));
        assertThat(config.spawner().toString()).contains("mounts={/srv/home=/home, /srv/data={bind=/data, mode=ro}}");

        assertThat(problems("""
                hub:
                  port: 70000
                spawner:
                  type: fake
                  mounts:
                    /srv/a: {bind: /a, mdoe: ro}
                    /srv/b: [/b]
                  replicas: 0
                auth: {type: dummy, password: ""}
                """, withFake)).as("the factory's own problems, at their keys, in file order with the others").containsExactly(
                "hub.port: must be from 0 to 65535; got 70000",
                "spawner.mounts./srv/b: must be a target or {bind: target}",
                "spawner.replicas: must be from 1 to 10; got 0",
                "auth.password: must not be empty (leave it out to accept any password)");
    }

    @Test
    void twoFactoriesOfTheTypeChosenAreRefusedNamingBoth() throws Exception {
        Path other = FakeSpawnerJar.build(Files.createDirectories(dir.resolve("other-local")), "local", "com.example.local");
        try (URLClassLoader twoLocals = new URLClassLoader(new URL[] {other.toUri().toURL(), jar.toUri().toURL()},
                getClass().getClassLoader())) {
            assertThat(problems("spawner: {type: local}", twoLocals)).singleElement().asString()
                    .startsWith("spawner.type: 'local' is the type of more than one spawner factory on the class path: ")
                    .contains("org.hubkit.core.internal.config.LocalSpawnerFactory (from ",
                            "com.example.local.FakeSpawnerFactory (from " + other + ")")
                    .endsWith("; keep one");
            assertThat(ServerConfig.parse("spawner: {type: fake}", twoLocals).spawner().type())
                    .as("a duplicate matters only when it is chosen").isEqualTo("fake");
        }
    }

    @Test
    void theServerFindsTheTypeOnTheClassPathItRunsWith() throws Exception {
        Path file = dir.resolve("hubkit.yaml");
        Files.writeString(file, "hub: {dataDir: " + dir.resolve("data") + "}\nspawner:\n  type: fake\n  replicas: 11\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        int status;
        thread.setContextClassLoader(withFake);
        try {
            status = ReferenceServer.run(new String[] {"--config", file.toString()}, Map.of(),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            thread.setContextClassLoader(before);
        }
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("hubkit-server: invalid configuration in " + file + ":\n"
                + "  spawner.replicas: must be from 1 to 10; got 11\n");
    }
}
