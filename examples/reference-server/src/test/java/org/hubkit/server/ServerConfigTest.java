package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Proxy;
import org.hubkit.core.ConfigurableHttpProxy;
import org.hubkit.server.ServerConfig.ServiceEntry;
import org.hubkit.server.internal.ConfigReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    /** The module directory: surefire runs in it. */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse(yaml));
        assertThat(e).as("expected %s to be rejected", yaml).isNotNull();
        return e.problems();
    }

    @Test
    void anEmptyFileGivesEveryDefault() {
        ServerConfig c = ServerConfig.parse("");
        assertThat(c.hub().ip()).isEqualTo("127.0.0.1");
        assertThat(c.hub().port()).isEqualTo(8081);
        assertThat(c.hub().dataDir()).isEqualTo(Path.of("hubkit-data"));
        assertThat(c.hub().db()).isNull();
        assertThat(c.hub().publicUrl()).isEqualTo(URI.create("http://127.0.0.1:8000"));
        assertThat(c.hub().connectUrl()).isNull();
        assertThat(c.hub().concurrentSpawnLimit()).isEqualTo(100);
        assertThat(c.hub().activeServerLimit()).isZero();
        assertThat(c.hub().pollInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.proxy().type()).isEqualTo("netty");
        assertThat(c.proxy().value("ip")).isEqualTo("127.0.0.1");
        assertThat(c.proxy().value("port")).isEqualTo(8000);
        assertThat(c.auth().type()).isEqualTo("shared-password");
        assertThat(c.auth().value("password")).isNull();
        assertThat(c.auth().value("adminPassword")).isNull();
        assertThat(c.auth().value("adminUsers")).isEqualTo(List.of());
        assertThat(c.auth().value("allowedUsers")).isEqualTo(List.of());
        assertThat(c.auth().value("blockedUsers")).isEqualTo(List.of());
        assertThat(c.auth().value("allowAll")).isEqualTo(false);
        assertThat(c.spawner().type()).isEqualTo("local");
        assertThat(c.spawner().value("cmd")).isEqualTo(List.of("jupyterhub-singleuser"));
        assertThat(c.spawner().value("args")).isEqualTo(List.of());
        assertThat(c.spawner().value("startTimeout")).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.spawner().value("httpTimeout")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.spawner().value("environment")).isEqualTo(Map.of());
        assertThat(c.spawner().value("isolation")).isEqualTo("auto");
        assertThat(c.spawner().value("systemUserTemplate")).isEqualTo("jupyter-{username}");
        assertThat(c.spawner().value("createSystemUsers")).isEqualTo(true);
        assertThat(c.services()).isEmpty();
        assertThat(ServerConfig.parse("# only a comment\n")).isEqualTo(c);
        assertThat(ServerConfig.parse("hub:\nproxy: ~\nservices:\n")).isEqualTo(c);
    }

    @Test
    void theEmbeddedDefaultAllowsEveryNameWithTheSharedPassword() {
        ServerConfig d = ServerConfig.defaults();
        assertThat(d.auth().type()).isEqualTo("shared-password");
        assertThat(d.auth().value("allowAll")).isEqualTo(true);
        assertThat(d.auth().value("password")).as("generated at start-up, not here").isNull();
        ServerConfig withPassword = d.withValue("auth.password", "from-the-environment");
        assertThat(withPassword.auth().value("password")).isEqualTo("from-the-environment");
        assertThat(withPassword.auth().value("allowAll")).isEqualTo(true);
        assertThat(withPassword.hub()).isEqualTo(d.hub());
        assertThat(withPassword.toString()).doesNotContain("from-the-environment");
        assertThat(catchThrowableOfType(ConfigException.class, () -> d.withValue("auth.password", "short")).problems())
                .containsExactly("auth.password: must be at least 8 characters");
    }

    @Test
    void everyKeyIsParsed() {
        ServerConfig c = ServerConfig.parse("""
                hub:
                  ip: 0.0.0.0
                  port: 9081
                  dataDir: /var/lib/hubkit
                  db: jdbc:postgresql://db.internal:5432/hubkit?user=hub
                  publicUrl: https://hub.example.org
                  connectUrl: http://10.0.0.5:9081
                  concurrentSpawnLimit: 5
                  activeServerLimit: 7
                  pollInterval: 2.5
                proxy:
                  ip: 10.0.0.5
                  port: 9000
                auth:
                  type: shared-password
                  password: eight-or-more
                  adminPassword: an-admin-password-of-32-characters!
                  adminUsers: [alice]
                  allowedUsers: [bob, carol]
                  blockedUsers: [mallory]
                  allowAll: true
                spawner:
                  type: local
                  cmd: [/opt/conda/bin/jupyterhub-singleuser, --debug]
                  args: [--ServerApp.root_dir=/data]
                  startTimeout: 120
                  httpTimeout: 45
                  environment:
                    TZ: UTC
                    ANSWER: "42"
                services:
                  - name: culler
                    apiToken: culler-token-123
                    admin: true
                  - {name: announcements, apiToken: another-token}
                """);
        assertThat(c.hub()).isEqualTo(new ServerConfig.HubSection("0.0.0.0", 9081, Path.of("/var/lib/hubkit"),
                "jdbc:postgresql://db.internal:5432/hubkit?user=hub", URI.create("https://hub.example.org"),
                URI.create("http://10.0.0.5:9081"), 5, 7, Duration.ofMillis(2500), false, false));
        assertThat(c.proxy().values()).isEqualTo(Map.of("ip", "10.0.0.5", "port", 9000, "type", "netty"));
        assertThat(c.auth().values()).isEqualTo(Map.of("type", "shared-password", "password", "eight-or-more",
                "adminPassword", "an-admin-password-of-32-characters!", "adminUsers", List.of("alice"),
                "allowedUsers", List.of("bob", "carol"), "blockedUsers", List.of("mallory"), "allowAll", true));
        assertThat(c.spawner().values()).isEqualTo(Map.of("type", "local",
                "cmd", List.of("/opt/conda/bin/jupyterhub-singleuser", "--debug"), "args", List.of("--ServerApp.root_dir=/data"),
                "startTimeout", Duration.ofSeconds(120), "httpTimeout", Duration.ofSeconds(45),
                "environment", Map.of("TZ", "UTC", "ANSWER", "42"),
                "isolation", "auto", "systemUserTemplate", "jupyter-{username}", "createSystemUsers", true));
        assertThat(List.copyOf(((Map<?, ?>) c.spawner().value("environment")).keySet())).as("file order kept").isEqualTo(List.of("TZ", "ANSWER"));
        assertThat(c.services()).containsExactly(new ServiceEntry("culler", "culler-token-123", true),
                new ServiceEntry("announcements", "another-token", false));
    }

    @Test
    void theDefaultPublicUrlFollowsTheProxy() {
        assertThat(ServerConfig.parse("proxy: {ip: 10.1.2.3, port: 80}").hub().publicUrl())
                .isEqualTo(URI.create("http://10.1.2.3:80"));
        assertThat(ServerConfig.parse("proxy: {ip: 0.0.0.0, port: 8443}").hub().publicUrl())
                .isEqualTo(URI.create("http://127.0.0.1:8443"));
        assertThat(ServerConfig.parse("proxy: {ip: '::1'}").hub().publicUrl()).isEqualTo(URI.create("http://[::1]:8000"));
    }

    @Test
    void aCommandStringIsSplitLikeAShellDoes() {
        assertThat(ServerConfig.parse("spawner: {cmd: /usr/bin/jupyterhub-singleuser}").spawner().value("cmd"))
                .isEqualTo(List.of("/usr/bin/jupyterhub-singleuser"));
        assertThat(ServerConfig.parse("spawner: {cmd: \"python3 -m jupyterhub.singleuser  '--x=a b'\"}").spawner().value("cmd"))
                .isEqualTo(List.of("python3", "-m", "jupyterhub.singleuser", "--x=a b"));
        assertThat(problems("spawner: {cmd: \"python3 'oops\"}"))
                .containsExactly("spawner.cmd: unclosed ' quote in 'python3 'oops'");
        assertThat(problems("spawner: {cmd: '  '}")).containsExactly("spawner.cmd: must name a command");
        assertThat(problems("spawner: {cmd: []}")).containsExactly("spawner.cmd: must name a command");
    }

    @Test
    void theIsolationKeysAreReadAndChecked() {
        ServerConfig.Component<?> s = ServerConfig.parse(
                "spawner: {isolation: system-users, systemUserTemplate: 'nb-{username}', createSystemUsers: false}").spawner();
        assertThat(s.value("isolation")).isEqualTo("system-users");
        assertThat(s.value("systemUserTemplate")).isEqualTo("nb-{username}");
        assertThat(s.value("createSystemUsers")).isEqualTo(false);
        assertThat(ServerConfig.parse("spawner: {isolation: none}").spawner().value("isolation")).isEqualTo("none");
        assertThat(problems("spawner: {isolation: root, createSystemUsers: yes please, systemUserTemplate: 7}"))
                .containsExactly("spawner.isolation: must be auto, system-users or none; got 'root'",
                        "spawner.createSystemUsers: must be true or false; got a string ('yes please')",
                        "spawner.systemUserTemplate: must be a string (put it in quotes); got an integer (7)");
    }

    @Test
    void allowAllDefaultsToTrueOnlyForDummyWithoutNames() {
        assertThat(ServerConfig.parse("auth: {type: dummy}").auth().value("allowAll")).isEqualTo(true);
        assertThat(ServerConfig.parse("auth: {type: dummy, allowedUsers: [alice]}").auth().value("allowAll")).isEqualTo(false);
        assertThat(ServerConfig.parse("auth: {type: dummy, adminUsers: [root]}").auth().value("allowAll")).isEqualTo(false);
        assertThat(ServerConfig.parse("auth: {type: dummy, blockedUsers: [eve]}").auth().value("allowAll")).isEqualTo(true);
        assertThat(ServerConfig.parse("auth: {type: dummy, allowAll: false}").auth().value("allowAll")).isEqualTo(false);
        assertThat(ServerConfig.parse("auth: {type: shared-password}").auth().value("allowAll")).isEqualTo(false);
        assertThat(ServerConfig.parse("auth: {allowAll: true}").auth().value("allowAll")).isEqualTo(true);
    }

    @Test
    void anUnknownKeyIsNamedWithItsPathAndTheClosestKnownKey() {
        assertThat(problems("hub:\n  prot: 8081\n")).containsExactly("hub.prot: unknown key (did you mean hub.port?)");
        assertThat(problems("proxy: {IP: 0.0.0.0}")).containsExactly("proxy.IP: unknown key (did you mean proxy.ip?)");
        assertThat(problems("auth: {allowed_users: [a]}"))
                .containsExactly("auth.allowed_users: unknown key (did you mean auth.allowedUsers?)");
        assertThat(problems("spawner: {enviroment: {}}"))
                .containsExactly("spawner.enviroment: unknown key (did you mean spawner.environment?)");
        assertThat(problems("spawner: {jupyter: x}")).containsExactly("spawner.jupyter: unknown key");
        assertThat(problems("hubb: {}")).containsExactly("hubb: unknown key (did you mean hub?)");
        assertThat(problems("port: 8000")).containsExactly("port: unknown key (did you mean hub.port or proxy.port?)");
        assertThat(problems("hub.port: 8000"))
                .containsExactly("hub.port: unknown key (keys nest: write port indented under hub:)");
        assertThat(problems("services:\n  - name: a\n    apiTokn: abcdefghij\n")).containsExactly(
                "services[0].apiTokn: unknown key (did you mean services[0].apiToken?)",
                "services[0].apiToken: required");
    }

    @Test
    void aChpProxyIsReadWithItsApiDefaultsAndChecked() {
        ServerConfig c = ServerConfig.parse("proxy:\n  port: 9000\n  type: chp\n  command: /opt/chp --log-level warn\n");
        assertThat(c.proxy().type()).isEqualTo("chp");
        assertThat(c.proxy().value("command")).isEqualTo(List.of("/opt/chp", "--log-level", "warn"));
        assertThat(c.proxy().value("apiUrl")).hasToString("http://127.0.0.1:9001");
        if (System.getenv("CONFIGPROXY_AUTH_TOKEN") == null) {
            assertThat(c.proxy().value("authToken")).as("generated when the proxy the hub starts is built").isNull();
        }
        try (Proxy built = c.proxy().build()) {
            assertThat(built).isInstanceOf(ConfigurableHttpProxy.class);
        }

        ServerConfig external = ServerConfig.parse("proxy: {type: chp, apiUrl: 'http://127.0.0.1:7001', authToken: s3cret-token}");
        assertThat(external.proxy().value("command")).isNull();
        assertThat(external.proxy().value("authToken")).isEqualTo("s3cret-token");
        assertThat(external.toString()).doesNotContain("s3cret-token").contains("authToken=***");

        if (System.getenv("CONFIGPROXY_AUTH_TOKEN") == null) {
            assertThat(problems("proxy: {type: chp, apiUrl: 'http://127.0.0.1:7001'}"))
                    .containsExactly("proxy.authToken: required for a proxy started elsewhere (or set CONFIGPROXY_AUTH_TOKEN)");
        }
        assertThat(problems("proxy: {command: chp, authToken: x}")).containsExactly(
                "proxy.command: only used with proxy.type chp", "proxy.authToken: only used with proxy.type chp");
        assertThat(problems("proxy: {type: traefik}")).hasSize(1).allMatch(p -> p.startsWith("proxy.type:"));
        assertThat(problems("hub: {port: 9001}\nproxy: {port: 9000, type: chp, command: chp}")).containsExactly(
                "proxy.apiUrl: port 9001 is also the hub's own port; the proxy started by the hub could not bind it (its default is"
                        + " proxy.port + 1)");
    }

    @Test
    void severalBadValuesAreReportedTogether() {
        assertThat(problems("""
                hub:
                  port: -1
                  publicUrl: ftp://files.example.org
                  concurrentSpawnLimit: -3
                  pollInterval: 0
                  db: mysql://somewhere
                  portt: 1
                proxy:
                  port: 70000
                auth:
                  type: kerberos
                  password: short
                spawner:
                  type: kube
                  startTimeout: -5
                services:
                  - name: "bad name"
                    apiToken: tiny
                """)).as("in file order").containsExactly(
                "hub.port: must be from 0 to 65535; got -1",
                "hub.publicUrl: must start with http:// or https://; got 'ftp://files.example.org'",
                "hub.concurrentSpawnLimit: must be 0 or more; got -3",
                "hub.pollInterval: must be a positive number of seconds (at most 31536000); got 0",
                "hub.db: must be a jdbc:h2: or jdbc:postgresql: URL",
                "hub.portt: unknown key (did you mean hub.port?)",
                "proxy.port: must be from 1 to 65535; got 70000",
                // No type kerberos on the class path, so nobody knows what its password must be: only the type is named.
                "auth.type: must be azuread, dummy, generic-oauth, github, gitlab, google, ldap, oidc or shared-password (the authenticator types on the class path); got 'kerberos'",
                "spawner.type: must be docker or local (the spawner types on the class path); got 'kube'",
                "spawner.startTimeout: must be a positive number of seconds (at most 31536000); got -5",
                "services[0].name: must be 1-64 of the characters A-Z a-z 0-9 . _ -; got 'bad name'",
                "services[0].apiToken: must be at least 8 characters");
    }

    @Test
    void valuesOfTheWrongTypeAreNamed() {
        assertThat(problems("""
                hub: {port: "8081", ip: 127, connectUrl: [a], activeServerLimit: 1.5, pollInterval: soon}
                proxy: [ip, port]
                auth: {allowAll: "yes", allowedUsers: alice, adminUsers: [ok, 7]}
                spawner: {args: --debug, cmd: 42, environment: {N: 1, OK: fine}}
                services: {name: x}
                """)).containsExactlyInAnyOrder(
                "hub.port: must be an integer from 0 to 65535; got a string ('8081')",
                "hub.ip: must be a string (put it in quotes); got an integer (127)",
                "hub.connectUrl: must be a string; got a list",
                "hub.activeServerLimit: must be an integer 0 or more; got a number (1.5)",
                "hub.pollInterval: must be a number of seconds; got a string ('soon')",
                "proxy: must be a mapping of ip, port, type, command, apiUrl, authToken; got a list",
                "auth.allowAll: must be true or false; got a string ('yes')",
                "auth.allowedUsers: must be a list of strings; got a string ('alice')",
                "auth.adminUsers[1]: must be a string (put it in quotes); got an integer (7)",
                "spawner.args: must be a list of strings; got a string ('--debug')",
                "spawner.cmd: must be a string or a list of strings; got an integer (42)",
                "spawner.environment.N: must be a string (put it in quotes); got an integer (1)",
                "services: must be a list of mappings with name, apiToken and admin; got a mapping");
        assertThat(problems("- just\n- a list\n")).containsExactly(
                "config: must be a mapping with the sections hub, proxy, auth, spawner, services; got a list");
    }

    @Test
    void servicesAreChecked() {
        assertThat(problems("""
                services:
                  - name: ok
                    apiToken: token-number-1
                  - apiToken: token-number-2
                  - name: ok
                    apiToken: token-number-3
                  - name: other
                    apiToken: token-number-1
                    admin: "true"
                  - just-a-name
                  - name: no-token
                """)).containsExactly(
                "services[1].name: required",
                "services[2].name: 'ok' is already the name of services[0]",
                "services[3].apiToken: the same token as services[0]'s; each service needs its own",
                "services[3].admin: must be true or false; got a string ('true')",
                "services[4]: must be a mapping with name, apiToken and admin; got a string ('just-a-name')",
                "services[5].apiToken: required");
    }

    @Test
    void secretsAreNeverEchoed() {
        List<String> p = problems("""
                hub: {db: "jdbc:mysql://u:hunter2hunter2@db/x"}
                auth: {password: 12345678, adminPassword: [hunter2hunter2]}
                services: [{name: s, apiToken: 987654321}]
                """);
        assertThat(p).containsExactlyInAnyOrder(
                "hub.db: must be a jdbc:h2: or jdbc:postgresql: URL",
                "auth.password: must be a string (put it in quotes); got an integer",
                "auth.adminPassword: must be a string; got a list",
                "services[0].apiToken: must be a string (put it in quotes); got an integer");
        assertThat(String.join("\n", p)).doesNotContain("hunter2").doesNotContain("12345678").doesNotContain("987654321");
        ServerConfig c = ServerConfig.parse("""
                hub: {db: "jdbc:postgresql://db/x?user=u&password=hunter2hunter2"}
                auth: {password: hunter2hunter2}
                services: [{name: s, apiToken: hunter2hunter2-token}]
                """);
        assertThat(c.toString()).doesNotContain("hunter2").contains("password=***");
    }

    @Test
    void otherCrossChecks() {
        assertThat(problems("hub: {port: 8000}")).containsExactly("hub.port: must differ from proxy.port (both are 8000)");
        assertThat(problems("auth: {type: dummy, adminPassword: 0123456789abcdef0123456789abcdef-}"))
                .containsExactly("auth.adminPassword: only used with auth.type shared-password");
        assertThat(problems("auth: {password: a-password-here, adminPassword: short}"))
                .containsExactly("auth.adminPassword: must be at least 32 characters");
        assertThat(problems("auth: {allowedUsers: ['', ' x']}")).containsExactly(
                "auth.allowedUsers[0]: Invalid username '': must not be empty",
                "auth.allowedUsers[1]: Invalid username ' x': must not start or end with whitespace");
        assertThat(problems("spawner: {environment: {'A=B': x}}"))
                .containsExactly("spawner.environment: 'A=B' is not a valid variable name");
        assertThat(ServerConfig.parse("auth: {type: dummy, password: x}").auth().value("password")).isEqualTo("x");
    }

    @Test
    void yamlThatDoesNotParseIsReportedWithItsLine() {
        assertThat(problems("hub:\n  port: 8081\n  port: 8082\n")).singleElement().asString()
                .startsWith("config: not valid YAML at line 3").contains("duplicate key 'port'");
        assertThat(problems("hub: [unclosed\n")).singleElement().asString().startsWith("config: not valid YAML at line");
    }

    @Test
    void aFileIsReadAndAMissingOneNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hubkit.yaml");
        Files.writeString(file, "hub: {port: 9999}\n");
        assertThat(ServerConfig.parse(file).hub().port()).isEqualTo(9999);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse(dir.resolve("nope.yaml")));
        assertThat(e.problems()).singleElement().asString().startsWith(dir.resolve("nope.yaml") + ": cannot read the file");
    }

    @Test
    void theExampleFileParsesAndTheReadmeShowsItVerbatim() throws Exception {
        Path example = MODULE.resolve("hubkit.example.yaml");
        String text = Files.readString(example, StandardCharsets.UTF_8);
        ServerConfig c = ServerConfig.parse(example);
        assertThat(c.auth().value("adminUsers")).isEqualTo(List.of("alice"));
        assertThat(c.spawner().value("cmd")).isEqualTo(List.of("jupyterhub-singleuser"));

        String readme = Files.readString(MODULE.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> yamlBlocks = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme).results()
                .map(m -> m.group(1)).toList();
        assertThat(yamlBlocks).as("the README shows hubkit.example.yaml").contains(text);
        assertThat(yamlBlocks).as("the README shows the embedded default").contains(ServerConfig.EMBEDDED_DEFAULT
                .lines().filter(l -> !l.startsWith("#")).map(l -> l + "\n").reduce("", String::concat));
    }

    @Test
    void theReadmeDocumentsEveryKeyAndEachModuleItsTypes() throws Exception {
        Map<String, List<String>> types = ConfigReader.typeKeys(getClass().getClassLoader());
        Map<String, List<String>> byModule = Map.of(
                "hub-core", List.of("spawner.type local", "auth.type dummy", "auth.type shared-password", "proxy.type chp"),
                "proxy-netty", List.of("proxy.type netty"),
                "spawner-docker", List.of("spawner.type docker"),
                "auth-oauth", List.of("auth.type oidc", "auth.type generic-oauth", "auth.type google", "auth.type github",
                        "auth.type gitlab", "auth.type azuread"),
                "auth-ldap", List.of("auth.type ldap"));
        assertThat(types.keySet()).as("every type on the class path has a module README")
                .containsExactlyInAnyOrderElementsOf(byModule.values().stream().flatMap(List::stream).toList());

        List<String> expected = new java.util.ArrayList<>(ConfigReader.ownKeys());
        types.values().forEach(keys -> keys.stream().filter(k -> !expected.contains(k)).forEach(expected::add));
        assertThat(documentedKeys(Files.readString(MODULE.resolve("README.md"), StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrderElementsOf(expected);

        for (Map.Entry<String, List<String>> module : byModule.entrySet()) {
            String readme = Files.readString(MODULE.resolve("../..").resolve(module.getKey()).resolve("README.md"),
                    StandardCharsets.UTF_8);
            Matcher section = Pattern.compile("(?s)\n## Reference server keys\n(.*?)(\n## |$)").matcher(readme);
            assertThat(section.find()).as("%s/README.md has a 'Reference server keys' section", module.getKey()).isTrue();
            List<String> ofModule = new java.util.ArrayList<>();
            for (String type : module.getValue()) {
                assertThat(section.group(1)).as("%s/README.md names %s", module.getKey(), type)
                        .contains("`" + type.replace(".type ", ".type: ") + "`");
                types.get(type).stream().filter(k -> !ofModule.contains(k)).forEach(ofModule::add);
            }
            assertThat(documentedKeys(section.group(1))).as("%s/README.md", module.getKey())
                    .containsExactlyInAnyOrderElementsOf(ofModule);
        }
    }

    /** The first column of every table row that names a dotted key. */
    private static List<String> documentedKeys(String markdown) {
        Matcher rows = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(markdown);
        return rows.results().map(m -> m.group(1)).filter(k -> k.contains(".") && !k.contains(" ")).toList();
    }
}
