package org.hubkit.server;

import org.hubkit.testkit.RealComponents;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, run as its own JVM the way an operator runs it, with the real
 * {@code jupyterhub-singleuser}: a server started through the API survives a SIGTERM to the hub
 * and is found again by the next hub on the same data directory, without a new spawn.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "it-admin-" + UUID.randomUUID();

    @TempDir
    Path dir;
    private final List<Process> hubs = new ArrayList<>();
    private final Set<Long> singleUserPids = new LinkedHashSet<>();
    private final Set<Integer> usedPorts = new LinkedHashSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** Everything this test started, by handle or pid: hubs first, then the servers they left. */
    @AfterAll
    void stopWhatWeStarted() throws Exception {
        for (Process p : hubs) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (long pid : singleUserPids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aServerOutlivesAKilledHubAndTheNextHubFindsIt() throws Exception {
        String singleuser = RealComponents.singleuserCommand();
        int hubPort = freePort();
        int proxyPort = freePort();
        URI base = URI.create("http://127.0.0.1:" + proxyPort);
        Path config = dir.resolve("hubkit.yaml");
        Files.writeString(config, String.join("\n",
                "hub: {ip: 127.0.0.1, port: " + hubPort + ", dataDir: " + quote(dir.resolve("data")) + ", pollInterval: 5}",
                "proxy: {ip: 127.0.0.1, port: " + proxyPort + "}",
                "auth: {type: dummy}",
                "spawner:",
                "  type: local",
                "  cmd: [" + quote(singleuser) + "]",
                "  args: " + JSON.writeValueAsString(RealComponents.singleuserArgs()),
                "  startTimeout: 120",
                "  isolation: none             # no OS account per user here: hub-core's LocalProcessIsolationIT covers them",
                "services:",
                "  - {name: it-admin, apiToken: " + quote(ADMIN_TOKEN) + ", admin: true}",
                ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------")); // refused as root otherwise

        Path firstLog = dir.resolve("hub-1.log");
        Process first = startHub(config, firstLog);
        awaitApi(base, first, firstLog);

        assertThat(api(base, "POST", "/users/alice", ADMIN_TOKEN).statusCode()).isEqualTo(201);
        HttpResponse<String> spawn = api(base, "POST", "/users/alice/server", ADMIN_TOKEN);
        assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
        Map<String, Object> before = awaitReady(base, firstLog);
        singleUserPids.add(pid(before));

        HttpResponse<String> made = api(base, "POST", "/users/alice/tokens", ADMIN_TOKEN);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String alicesToken = (String) json(made).get("token");
        HttpResponse<String> status = get(base.resolve("/user/alice/api/status"), alicesToken);
        assertThat(status.statusCode()).as("through the proxy: %s", status.body()).isEqualTo(200);
        assertThat(json(status)).containsKey("kernels");

        first.destroy();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the hub stops on SIGTERM").isTrue();
        ProcessHandle server = ProcessHandle.of(pid(before)).orElseThrow(() -> new AssertionError("alice's server died with the hub"));
        assertThat(server.isAlive()).as("alice's server outlives the hub").isTrue();
        assertThat(listening(proxyPort)).as("the in-process proxy went with the hub").isFalse();

        Path secondLog = dir.resolve("hub-2.log");
        Process second = startHub(config, secondLog);
        awaitApi(base, second, secondLog);
        Map<String, Object> after = server(base);
        assertThat(after.get("ready")).isEqualTo(true);
        assertThat(after.get("url")).isEqualTo(before.get("url"));
        assertThat(after.get("started")).as("no new spawn").isEqualTo(before.get("started"));
        assertThat(after.get("state")).as("the same process").isEqualTo(before.get("state"));
        HttpResponse<String> again = get(base.resolve("/user/alice/api/status"), alicesToken);
        assertThat(again.statusCode()).as("reachable again: %s", again.body()).isEqualTo(200);
        assertThat(server.isAlive()).isTrue();

        HttpResponse<String> stop = api(base, "DELETE", "/users/alice/server", ADMIN_TOKEN);
        assertThat(stop.statusCode()).as(stop.body()).isIn(202, 204);
        server.onExit().get(60, TimeUnit.SECONDS);
        awaitNoServer(base);

        HttpResponse<String> shutdown = api(base, "POST", "/shutdown", ADMIN_TOKEN);
        assertThat(shutdown.statusCode()).as(shutdown.body()).isEqualTo(202);
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the process exits after POST /hub/api/shutdown").isTrue();
        assertThat(second.exitValue()).as(log(secondLog)).isZero();
        assertThat(log(secondLog)).contains("Hub shut down; exiting");
        assertThat(log(firstLog) + log(secondLog)).as("dummy auth and an explicit --allow-root: nothing to add")
                .doesNotContain("added --allow-root");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aConfigurationWithAnUnknownKeyExitsWith2NamingIt() throws Exception {
        Path config = dir.resolve("unknown-key.yaml");
        Files.writeString(config, String.join("\n",
                "hub: {prot: " + freePort() + ", dataDir: " + quote(dir.resolve("never")) + "}",
                "services:",
                "  - {name: s, apiTokn: abcdefghijkl}",
                ""), StandardCharsets.UTF_8);
        Path log = dir.resolve("unknown-key.log");
        Process p = startHub(config, log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log(log)).isEqualTo(2);
        assertThat(log(log)).contains("hub.prot: unknown key (did you mean hub.port?)",
                "services[0].apiTokn: unknown key (did you mean services[0].apiToken?)",
                "services[0].apiToken: required");
        assertThat(dir.resolve("never")).as("nothing was started").doesNotExist();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aSpawnerTypeFromAnotherJarOnTheClassPathIsUsedAsIs() throws Exception {
        Path fakeJar = FakeSpawnerJar.build(Files.createDirectories(dir.resolve("fake")));
        int hubPort = freePort();
        int proxyPort = freePort();
        URI base = URI.create("http://127.0.0.1:" + proxyPort);
        Path config = dir.resolve("fake.yaml");
        Files.writeString(config, String.join("\n",
                "hub: {ip: 127.0.0.1, port: " + hubPort + ", dataDir: " + quote(dir.resolve("fake-data")) + "}",
                "proxy: {ip: 127.0.0.1, port: " + proxyPort + "}",
                "auth: {type: dummy}",
                "spawner:",
                "  type: fake",
                "  image: notebook:1",
                "  replicas: 2",
                "services:",
                "  - {name: it-admin, apiToken: " + quote(ADMIN_TOKEN) + ", admin: true}",
                ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Path log = dir.resolve("fake.log");
        Process hub = startWithClassPath(log, fakeJar, "--config", config.toString());
        awaitApi(base, hub, log);

        HttpResponse<String> info = api(base, "GET", "/info", ADMIN_TOKEN);
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
        assertThat(info.body()).as("the hub runs the jar's spawner").contains("FakeSpawner[notebook:1 x2");
        assertThat(log(log)).contains("spawner.type fake: com.example.fake.FakeSpawnerFactory (from " + fakeJar + ")");

        HttpResponse<String> shutdown = api(base, "POST", "/shutdown", ADMIN_TOKEN);
        assertThat(shutdown.statusCode()).as(shutdown.body()).isEqualTo(202);
        assertThat(hub.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(hub.exitValue()).as(log(log)).isZero();
    }

    /**
     * {@code auth.type: ldap} in the shipped jar, against UnboundID's in-memory directory in the test
     * JVM (auth-ldap's own tests use a real slapd): a member of the allowed group logs in through
     * the login form with a lookup by the service account; a person outside it, and a wrong
     * password, do not; the service account's password is not in the log.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void anLdapLoginInTheJarLogsAGroupMemberIn() throws Exception {
        var config0 = new com.unboundid.ldap.listener.InMemoryDirectoryServerConfig("dc=example,dc=org");
        config0.setListenerConfigs(com.unboundid.ldap.listener.InMemoryListenerConfig.createLDAPConfig("ldap",
                InetAddress.getLoopbackAddress(), 0, null));
        var directory = new com.unboundid.ldap.listener.InMemoryDirectoryServer(config0);
        directory.startListening();
        try {
            directory.add("dn: dc=example,dc=org", "objectClass: domain", "dc: example");
            directory.add("dn: ou=people,dc=example,dc=org", "objectClass: organizationalUnit", "ou: people");
            directory.add("dn: cn=svc,dc=example,dc=org", "objectClass: person", "cn: svc", "sn: svc",
                    "userPassword: it-service-password");
            for (String uid : List.of("lena", "otto")) {
                directory.add("dn: uid=" + uid + ",ou=people,dc=example,dc=org", "objectClass: inetOrgPerson", "uid: " + uid,
                        "cn: " + uid, "sn: " + uid, "userPassword: " + uid + "-password");
            }
            directory.add("dn: cn=staff,dc=example,dc=org", "objectClass: groupOfNames", "cn: staff",
                    "member: uid=lena,ou=people,dc=example,dc=org");
            int hubPort = freePort();
            int proxyPort = freePort();
            URI base = URI.create("http://127.0.0.1:" + proxyPort);
            Path config = dir.resolve("ldap.yaml");
            Files.writeString(config, String.join("\n",
                    "hub: {ip: 127.0.0.1, port: " + hubPort + ", dataDir: " + quote(dir.resolve("ldap-data")) + "}",
                    "proxy: {ip: 127.0.0.1, port: " + proxyPort + "}",
                    "auth:",
                    "  type: ldap",
                    "  serverAddress: 127.0.0.1",
                    "  serverPort: " + directory.getListenPort(),
                    "  tlsStrategy: insecure",
                    "  lookupDn: true",
                    "  userSearchBase: ou=people,dc=example,dc=org",
                    "  lookupDnSearchUser: cn=svc,dc=example,dc=org",
                    "  lookupDnSearchPassword: it-service-password",
                    "  allowedGroups: ['cn=staff,dc=example,dc=org']",
                    "services:",
                    "  - {name: it-admin, apiToken: " + quote(ADMIN_TOKEN) + ", admin: true}",
                    ""), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            Path log = dir.resolve("ldap.log");
            Process hub = startHub(config, log);
            awaitApi(base, hub, log);

            org.hubkit.testkit.HubClient client = new org.hubkit.testkit.HubClient(base);
            try {
                assertThat(client.login("lena", "lena-password")).startsWith("jupyterhub-hub-login=");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + log(log), e);
            }
            for (String[] refused : new String[][] {{"otto", "otto-password"}, {"lena", "wrong"}}) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.login(refused[0], refused[1]))
                        .as("%s", refused[0]).isInstanceOf(AssertionError.class);
            }
            assertThat(log(log)).contains("auth.type ldap: org.hubkit.auth.ldap.internal.LdapAuthenticatorFactory")
                    .doesNotContain("it-service-password").doesNotContain("lena-password");

            assertThat(api(base, "POST", "/shutdown", ADMIN_TOKEN).statusCode()).isEqualTo(202);
            assertThat(hub.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            directory.shutDown(true);
        }
    }

    /**
     * {@code auth.type: oidc} in the shipped jar, next to the shared password (an {@code auth}
     * list): a person logs in through mock-oauth2-server (a real OpenID Connect provider, here in
     * the test JVM) by following every redirect, and lands on the hub's home page as the provider's user.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void anOidcLoginInTheJarLogsAPersonIn() throws Exception {
        no.nav.security.mock.oauth2.MockOAuth2Server provider = new no.nav.security.mock.oauth2.MockOAuth2Server();
        provider.start(InetAddress.getLoopbackAddress(), 0);
        try {
            int hubPort = freePort();
            int proxyPort = freePort();
            URI base = URI.create("http://127.0.0.1:" + proxyPort);
            Path config = dir.resolve("oidc.yaml");
            Files.writeString(config, String.join("\n",
                    "hub: {ip: 127.0.0.1, port: " + hubPort + ", dataDir: " + quote(dir.resolve("oidc-data")) + "}",
                    "proxy: {ip: 127.0.0.1, port: " + proxyPort + "}",
                    "auth:",
                    "  - type: oidc",
                    "    issuer: " + quote(provider.issuerUrl("research")),
                    "    clientId: hubkit-it",
                    "    clientSecret: it-client-secret",
                    "    allowedGroups: [researchers]",
                    "    groupsClaim: groups",
                    "  - type: shared-password",
                    "    password: a long shared password",
                    "    usernamePrefix: local-",
                    "    allowAll: true",
                    "services:",
                    "  - {name: it-admin, apiToken: " + quote(ADMIN_TOKEN) + ", admin: true}",
                    ""), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            Path log = dir.resolve("oidc.log");
            Process hub = startHub(config, log);
            awaitApi(base, hub, log);
            provider.enqueueCallback(new no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback("research", "rosa-sub", "JWT",
                    List.of("hubkit-it"), Map.of("preferred_username", "Rosa", "groups", List.of("researchers")), 3600));

            java.net.CookieManager cookies = new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ALL);
            HttpClient browser = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER).build();
            HttpResponse<String> page = browser.send(HttpRequest.newBuilder(base.resolve("/hub/login")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("id=\"login-oidc\"").contains("name=\"password\"");
            URI at = base.resolve("/hub/oauth_login/oidc?next=%2Fhub%2Fhome");
            HttpResponse<String> r = null;
            for (int hop = 0; hop < 6; hop++) {
                r = browser.send(HttpRequest.newBuilder(at).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 3) {
                    break;
                }
                at = at.resolve(r.headers().firstValue("Location").orElseThrow());
            }

            assertThat(r.statusCode()).as(r.body() + "\n" + log(log)).isEqualTo(200);
            assertThat(at.getPath()).isEqualTo("/hub/home");
            assertThat(r.body()).contains("<strong id=\"username\">rosa</strong>");
            assertThat(log(log)).contains("auth[0].type oidc: org.hubkit.auth.oauth.internal.OAuthAuthenticatorFactory$Oidc")
                    .doesNotContain("it-client-secret");

            assertThat(api(base, "POST", "/shutdown", ADMIN_TOKEN).statusCode()).isEqualTo(202);
            assertThat(hub.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            provider.shutdown();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void helpPrintsUsageAndExits0() throws Exception {
        Path log = dir.resolve("help.log");
        Process p = start(log, "--help");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(log(log)).startsWith("Usage: java -jar hubkit-server.jar [--config FILE] [--help]");
    }

    // ------------------------------------------------------------------ helpers

    private Process startHub(Path config, Path log) throws IOException {
        return start(log, "--config", config.toString());
    }

    private Process start(Path log, String... args) throws IOException {
        Path jar = Path.of(System.getProperty("hubkit.server.jar", "target/hubkit-server.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (mvn package builds it)").isRegularFile();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove(ReferenceServer.PASSWORD_VARIABLE);
        Process p = pb.start();
        hubs.add(p);
        return p;
    }

    /** The shaded jar and another jar on the class path, as an operator adds a module: {@code java -cp a.jar:b.jar Main}. */
    private Process startWithClassPath(Path log, Path extraJar, String... args) throws IOException {
        Path jar = Path.of(System.getProperty("hubkit.server.jar", "target/hubkit-server.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (mvn package builds it)").isRegularFile();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", jar + java.io.File.pathSeparator + extraJar, ReferenceServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove(ReferenceServer.PASSWORD_VARIABLE);
        Process p = pb.start();
        hubs.add(p);
        return p;
    }

    private static String log(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String quote(Object value) throws IOException {
        return JSON.writeValueAsString(value.toString());
    }

    private int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                if (usedPorts.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no free port");
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits for {@code GET /hub/api/} through the proxy to answer 200 with the version header. */
    private void awaitApi(URI base, Process hub, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertThat(hub.isAlive()).as("the hub exited early:\n%s", log(log)).isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/hub/api/"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.headers().firstValue("X-JupyterHub-Version").isPresent()) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the hub API did not answer within 90 s:\n" + log(log));
    }

    private HttpResponse<String> api(URI base, String method, String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/hub/api" + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "token " + token)
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Authorization", "token " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> r) throws IOException {
        return JSON.readValue(r.body(), Map.class);
    }

    /** Alice's default server as an admin sees it (with {@code state}), or {@code null} if she has none. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> serverOrNull(URI base) throws Exception {
        HttpResponse<String> r = api(base, "GET", "/users/alice", ADMIN_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (Map<String, Object>) ((Map<String, Object>) json(r).get("servers")).get("");
    }

    private Map<String, Object> server(URI base) throws Exception {
        Map<String, Object> s = serverOrNull(base);
        assertThat(s).as("alice's default server").isNotNull();
        return s;
    }

    private Map<String, Object> awaitReady(URI base, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        int missing = 0;
        while (System.nanoTime() < deadline) {
            Map<String, Object> s = serverOrNull(base);
            if (s != null && Boolean.TRUE.equals(s.get("ready"))) {
                return s;
            }
            if (s == null && ++missing > 20) {
                throw new AssertionError("the spawn failed:\n" + log(log) + "\nserver log:\n"
                        + log(dir.resolve("data/logs/alice.log")));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("alice's server was not ready within 150 s:\n" + log(log));
    }

    private void awaitNoServer(URI base) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (serverOrNull(base) != null) {
            assertThat(System.nanoTime()).as("alice's server is gone from the model").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @SuppressWarnings("unchecked")
    private static long pid(Map<String, Object> server) {
        Map<String, Object> state = (Map<String, Object>) server.get("state");
        assertThat(state).as("an admin sees the spawner state").isNotNull().containsKey("pid");
        return Long.parseLong(String.valueOf(state.get("pid")));
    }
}
