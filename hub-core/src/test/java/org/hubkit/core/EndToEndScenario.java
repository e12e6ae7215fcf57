package org.hubkit.core;

import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AccessRules;
import org.hubkit.api.VolumePolicy;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub core's acceptance scenario, end to end with the real {@code jupyterhub-singleuser}
 * behind the Netty proxy: log in, spawn, OAuth, a kernel over WebSocket, isolation between
 * users, a hub restart, a server dying. Subclasses choose the store (H2, PostgreSQL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class EndToEndScenario {
    static final String PASSWORD = "correct horse battery staple";
    static final String ADMIN_TOKEN = "e2e-admin-token-" + UUID.randomUUID();
    static final Duration POLL = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    String singleuser;
    int proxyPort;
    Hub hub;
    Database database;
    HubClient alice;
    HubClient bob;

    abstract Database database(Path dir);

    /** The proxy in front of the hub: the in-process Netty proxy unless a subclass says otherwise. */
    org.hubkit.api.Proxy proxy(int publicPort) {
        return NettyProxy.builder().ip("127.0.0.1").port(publicPort).build();
    }

    @BeforeAll
    void startHub() throws Exception {
        singleuser = RealComponents.singleuserCommand();
        database = database(dir);
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        hub = newHub().start();
        alice = new HubClient(hub.publicUrl());
        bob = new HubClient(hub.publicUrl());
    }

    Hub newHub() {
        return Hub.builder()
                .spawner(LocalProcessSpawner.builder().cmd(List.of(singleuser)).args(RealComponents.singleuserArgs())
                        .logDirectory(dir.resolve("logs")).isolation(LocalProcessSpawner.Isolation.NONE).build())
                .authenticator(SharedPasswordAuthenticator.builder().password(PASSWORD)
                        .accessRules(AccessRules.allow(Set.of("alice", "bob"))).build())
                .proxy(proxy(proxyPort))
                .volumePolicy(VolumePolicy.perUserDirectory(dir.resolve("home"), "/home/jovyan"))
                .database(database)
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .pollInterval(POLL)
                .cleanupServers(false) // the restart scenario finds the servers again
                .addService(new Service("e2e-admin", ADMIN_TOKEN, true))
                .build();
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (hub != null) {
            try {
                HubClient admin = new HubClient(hub.publicUrl());
                for (String user : List.of("alice", "bob")) {
                    admin.api("DELETE", "/users/" + user + "/server", ADMIN_TOKEN, null);
                }
                for (int i = 0; i < 100 && activeServers(admin) > 0; i++) {
                    Thread.sleep(100);
                }
            } finally {
                hub.close();
            }
        }
    }

    private static int activeServers(HubClient admin) throws Exception {
        HttpResponse<String> r = admin.api("GET", "/users?state=active", ADMIN_TOKEN, null);
        return new ObjectMapper().readValue(r.body(), List.class).size();
    }

    @Test
    @Order(1)
    void aliceLogsInStartsHerServerAndRunsCodeThroughTheProxy() throws Exception {
        HttpResponse<String> login = alice.browserLogin("Alice", PASSWORD);
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).contains("/hub/home");
        assertThat(login.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c)
                .startsWith("jupyterhub-hub-login=").contains("HttpOnly").contains("SameSite=Lax").contains("Path=/hub/"));

        HttpResponse<String> spawn = alice.get("/hub/spawn");
        assertThat(spawn.statusCode()).isEqualTo(302);
        waitUntilReady("alice");

        HttpResponse<String> page = alice.follow("/user/alice/tree");
        assertThat(page.statusCode()).as("hops %s", alice.hops()).isEqualTo(200);
        assertThat(alice.hops()).as("went through the hub's OAuth").anyMatch(h -> h.equals("/hub/api/oauth2/authorize"));
        assertThat(alice.hops()).anyMatch(h -> h.equals("/user/alice/oauth_callback"));
        assertThat(page.body()).contains("Jupyter");

        String kernelId = alice.startKernel("alice");

        assertThat(alice.execute("alice", kernelId, "print(6*7)")).isEqualTo("42\n");
    }

    @Test
    @Order(2)
    void bobCannotReachAlicesServerWithHisLoginOrHisToken() throws Exception {
        assertThat(bob.browserLogin("bob", PASSWORD).statusCode()).isEqualTo(302);
        HttpResponse<String> r = bob.follow("/user/alice/tree");
        assertThat(r.statusCode()).as("hops %s", bob.hops()).isEqualTo(403);
        assertThat(bob.cookie("/user/alice/", "jupyterhub-user-alice")).isNull();

        HttpResponse<String> made = bob.send(HttpRequest.newBuilder(bob.publicUrl().resolve("/hub/api/users/bob/tokens"))
                .header("X-XSRFToken", bob.cookie("/hub/", "_xsrf")).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String bobsToken = (String) HubClient.json(made).get("token");
        HttpResponse<String> api = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
                        bob.publicUrl().resolve("/user/alice/api/contents")).header("Authorization", "token " + bobsToken).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(403);
        // As in JupyterHub: holding a scope only for other users answers 404, so alice's existence does not leak.
        HttpResponse<String> hubApi = bob.api("GET", "/users/alice", bobsToken, null);
        assertThat(hubApi.statusCode()).isEqualTo(404);
        HttpResponse<String> stop = bob.api("DELETE", "/users/alice/server", bobsToken, null);
        assertThat(stop.statusCode()).isEqualTo(404);
        assertThat(server("alice").get("ready")).isEqualTo(true);
    }

    @Test
    @Order(3)
    void alicesServerSurvivesAHubRestartWithoutANewSpawn() throws Exception {
        Map<String, Object> before = server("alice");
        hub.close();
        assertThat(reachable()).as("the in-process proxy stopped with the hub").isFalse();

        hub = newHub().start();
        hub.whenRestored().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        Map<String, Object> after = server("alice");
        assertThat(after.get("ready")).isEqualTo(true);
        assertThat(after.get("started")).isEqualTo(before.get("started"));
        assertThat(after.get("state")).isEqualTo(before.get("state"));
        HttpResponse<String> status = alice.get("/user/alice/api/status");
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(HubClient.json(status)).containsKey("kernels");
    }

    private boolean reachable() {
        try (var s = new java.net.Socket("127.0.0.1", proxyPort)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @Order(4)
    void aServerKilledFromOutsideIsMarkedStoppedWithinOnePollInterval() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) server("alice").get("state");
        long pid = Long.parseLong((String) state.get("pid"));
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
        Instant killed = Instant.now();
        HubClient admin = new HubClient(hub.publicUrl());
        Duration waited = null;
        while (Duration.between(killed, Instant.now()).compareTo(POLL.multipliedBy(3)) < 0) {
            Map<String, Object> user = HubClient.json(admin.api("GET", "/users/alice", ADMIN_TOKEN, null));
            if (((Map<?, ?>) user.get("servers")).isEmpty()) {
                waited = Duration.between(killed, Instant.now());
                break;
            }
            Thread.sleep(50);
        }
        assertThat(waited).as("marked stopped").isNotNull();
        // One poll interval, plus the time the poll itself takes.
        assertThat(waited).isLessThanOrEqualTo(POLL.plusMillis(1500));
        assertThat(alice.follow("/user/alice/api/status").statusCode()).isNotEqualTo(200);
    }

    private Map<String, Object> server(String user) throws Exception {
        HubClient admin = new HubClient(hub.publicUrl());
        Map<String, Object> model = HubClient.json(admin.api("GET", "/users/" + user, ADMIN_TOKEN, null));
        @SuppressWarnings("unchecked")
        Map<String, Object> servers = (Map<String, Object>) model.get("servers");
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) servers.get("");
        assertThat(s).as("%s's default server in %s", user, model).isNotNull();
        return s;
    }

    private void waitUntilReady(String user) throws Exception {
        HubClient admin = new HubClient(hub.publicUrl());
        for (int i = 0; i < 1200; i++) {
            Map<String, Object> model = HubClient.json(admin.api("GET", "/users/" + user, ADMIN_TOKEN, null));
            Map<?, ?> servers = (Map<?, ?>) model.get("servers");
            Map<?, ?> s = (Map<?, ?>) servers.get("");
            if (s != null && Boolean.TRUE.equals(s.get("ready"))) {
                return;
            }
            if (s == null && i > 10) {
                throw new AssertionError("spawn failed: " + model);
            }
            Thread.sleep(100);
        }
        throw new AssertionError(user + "'s server did not become ready");
    }
}
