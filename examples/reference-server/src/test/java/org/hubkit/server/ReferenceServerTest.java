package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.hubkit.api.ConfigException;
import org.hubkit.core.Hub;
import org.hubkit.server.internal.SharedPassword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The assembly and the command line, without starting a hub. */
class ReferenceServerTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return ReferenceServer.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void buildsAHubFromAConfigurationWithoutStartingIt() {
        ServerConfig config = ServerConfig.parse("""
                hub: {dataDir: %s, port: 0}
                auth: {password: a-long-enough-password, allowedUsers: [alice]}
                services: [{name: admin, apiToken: 0123456789abcdef, admin: true}]
                """.formatted(dir.resolve("data")));
        try (Hub hub = ReferenceServer.buildHub(config)) {
            assertThat(hub.publicUrl()).isEqualTo(URI.create("http://127.0.0.1:8000"));
        }
        assertThat(dir.resolve("data")).as("building has no side effect on disk").doesNotExist();
    }

    @Test
    void problemsTheBuildersFindAreNamedByKey() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ReferenceServer.buildHub(ServerConfig.parse("hub: {dataDir: " + dir + "}")));
        assertThat(e.problems()).containsExactly("auth.password: required (or auth.adminPassword)");

        ServerConfig builders = ServerConfig.parse("""
                hub: {dataDir: %s}
                spawner:
                  systemUserTemplate: no-placeholder
                auth:
                  allowAll: true
                """.formatted(dir));
        e = catchThrowableOfType(ConfigException.class, () -> ReferenceServer.buildHub(builders));
        assertThat(e.problems()).as("the local spawner's and the shared-password authenticator's builders, in file order")
                .containsExactly("spawner.systemUserTemplate: must hold {username} exactly once; got 'no-placeholder'",
                        "auth.password: required (or auth.adminPassword)");
        assertThat(e.details().get(0).key()).isEqualTo("spawner.systemUserTemplate");
    }

    @Test
    void helpPrintsUsage() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: java -jar hubkit-server.jar");
    }

    @Test
    void aBadArgumentExitsWith2() {
        assertThat(run(Map.of(), "--port", "80")).isEqualTo(2);
        assertThat(err()).startsWith("hubkit-server: unknown argument '--port'").contains("Usage:");
        err.reset();
        assertThat(run(Map.of(), "--config")).isEqualTo(2);
        assertThat(err()).startsWith("hubkit-server: --config needs a file name");
    }

    @Test
    void aBadConfigurationExitsWith2ListingEveryProblem() throws Exception {
        Path file = dir.resolve("hubkit.yaml");
        Files.writeString(file, "hub: {prot: 1}\nauth: {type: kerberos}\n");
        assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).isEqualTo("hubkit-server: invalid configuration in " + file + ":\n"
                + "  hub.prot: unknown key (did you mean hub.port?)\n"
                + "  auth.type: must be azuread, dummy, generic-oauth, github, gitlab, google, ldap, oidc or shared-password (the authenticator types on the class path); got 'kerberos'\n");
        err.reset();
        assertThat(run(Map.of(), "--config=" + dir.resolve("missing.yaml"))).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("missing.yaml") + ": cannot read the file");
    }

    @Test
    void runningAsRootAConfigurationFileOthersMayReadOrWriteIsRefused() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "only a hub running as root refuses");
        Path file = dir.resolve("hubkit.yaml");
        // Parses, then fails in the builders: the file's mode is checked in between, and nothing ever starts.
        Files.writeString(file, "hub: {dataDir: " + dir.resolve("data") + "}\nauth: {password: a-long-password}\n"
                + "spawner: {systemUserTemplate: no-placeholder}\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).isEqualTo("hubkit-server: the configuration file " + file + " is readable by other users (rw-r--r--),"
                + " and it holds the hub's secrets (service API tokens, passwords); running as root, the hub does not start"
                + " with it. Run: chmod 600 " + file + "\n");

        err.reset();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));
        assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).contains(" is writable by other users (rw--w----)", "chmod 600 " + file);

        err.reset();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(run(Map.of(), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).as("past the check, to the builders' problem").startsWith("hubkit-server: invalid configuration")
                .contains("spawner.systemUserTemplate: must hold {username} exactly once").doesNotContain("chmod");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void aShortPasswordFromTheEnvironmentIsRefused() throws Exception {
        Path file = dir.resolve("hubkit.yaml");
        Files.writeString(file, "hub: {dataDir: " + dir.resolve("data") + "}\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------")); // as root, 0644 is refused first
        assertThat(run(Map.of(ReferenceServer.PASSWORD_VARIABLE, "short"), "--config", file.toString())).isEqualTo(2);
        assertThat(err()).contains("  HUBKIT_PASSWORD: must be at least 8 characters");
    }

    @Test
    void theGeneratedPasswordIsLongAndShownInABox() {
        String password = SharedPassword.generate();
        assertThat(password).hasSize(24).matches("[A-Za-z0-9_-]+").isNotEqualTo(SharedPassword.generate());
        String box = SharedPassword.banner(password, URI.create("http://127.0.0.1:8000/"), true);
        assertThat(box.lines()).allSatisfy(l -> assertThat(l).hasSize(box.lines().findFirst().orElseThrow().length())
                .matches("[+|].*[+|]"));
        assertThat(box).contains("    " + password + " ").contains("http://127.0.0.1:8000/hub/login with any user name");
    }
}
