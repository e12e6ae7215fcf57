package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AccessRules;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * alice through a real hub and the Netty proxy: she logs in, her container (the real
 * jupyterhub-singleuser) starts, a kernel runs code through the proxy and writes a file to her
 * volume; her container is removed by hand, she starts the other image, and the file is there.
 * The hub binds loopback and, as the spawner asks, the default bridge's gateway, where containers
 * reach it. The spawn form offers the alternative image to staff only: bob cannot see it, and a
 * forged or forbidden image in the REST API's body is a 400 that starts nothing. Deleting alice
 * removes her container and her volume.
 */
class EndToEndIT {
    private static final String HUB = TestEngine.uniqueHubId();
    private static final String PASSWORD = "correct horse battery staple";
    private static final String ADMIN_TOKEN = "e2e-admin-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    private static Hub hub;

    @BeforeAll
    static void startHub() throws Exception {
        TestEngine.require();
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        DockerSpawner spawner = DockerSpawner.builder().image(TestEngine.IMAGE).hubId(HUB).nameTemplate(HUB + "-{username}")
                .pullPolicy(DockerSpawner.PullPolicy.NEVER).stopTimeout(java.time.Duration.ofSeconds(3))
                .volumes(DockerVolumes.builder().volume(HUB + "-home-{username}", "/home/jovyan/work").build())
                .removeVolumesOnDelete(true)
                .imageChoice(new Choice("standard", "Standard image", "", Set.of()), TestEngine.IMAGE)
                .imageChoice(new Choice("alt", "Alternative image", "", Set.of("staff")), TestEngine.ALT_IMAGE).build();
        hub = Hub.builder().spawner(spawner)
                .authenticator(SharedPasswordAuthenticator.builder().password(PASSWORD).accessRules(AccessRules.allow(Set.of("alice", "bob", "carol")))
                        .build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .volumePolicy(VolumePolicy.none())
                .database(Database.h2(dir))
                .port(0) // on 127.0.0.1, and on the bridge's gateway as the spawner asks (hubListenAddresses)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .addService(new Service("e2e-admin", ADMIN_TOKEN, true))
                .build().start();
    }

    @AfterAll
    static void stopHub() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            TestEngine.removeAll(HUB);
        }
    }

    @Test
    void aliceRunsCodeInHerContainerAndHerFileSurvivesItsRemovalAndAnotherImage() throws Exception {
        HubClient admin = new HubClient(hub.publicUrl());
        assertThat(admin.api("POST", "/users/alice", ADMIN_TOKEN, null).statusCode()).isEqualTo(201);
        assertThat(admin.api("PATCH", "/users/alice", ADMIN_TOKEN, Map.of("groups", List.of("staff"))).statusCode()).isEqualTo(200);
        HubClient alice = new HubClient(hub.publicUrl());
        assertThat(alice.login("alice", PASSWORD).statusCode()).isEqualTo(302);
        HttpResponse<String> form = alice.get("/hub/spawn");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("Standard image").contains("Alternative image");
        HttpResponse<String> submitted = alice.send(HttpRequest.newBuilder(alice.base.resolve("/hub/spawn"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", alice.base.toString())
                .header("Sec-Fetch-Site", "same-origin")
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + HubClient.enc(xsrf(form.body())) + "&image=standard")));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(302);
        Map<String, Object> first = waitUntilReady("alice");
        assertThat(TestEngine.require().inspectContainerCmd(container(first)).exec().getConfig().getImage()).isEqualTo(TestEngine.IMAGE);

        assertThat(alice.follow("/user/alice/tree").statusCode()).as("hops %s", alice.hops).isEqualTo(200);
        assertThat(execute(alice, "alice", newKernel(alice, "alice"), "open('/home/jovyan/work/note.txt', 'w').write('kept'); print(6*7)"))
                .isEqualTo("42\n");

        assertThat(admin.api("DELETE", "/users/alice/server", ADMIN_TOKEN, null).statusCode()).isIn(202, 204);
        waitUntilStopped("alice");
        TestEngine.require().removeContainerCmd(container(first)).withForce(true).exec();

        HttpResponse<String> again = admin.api("POST", "/users/alice/server", ADMIN_TOKEN, Map.of("image", "alt"));
        assertThat(again.statusCode()).as(again.body()).isIn(201, 202);
        Map<String, Object> second = waitUntilReady("alice");
        assertThat(container(second)).isNotEqualTo(container(first));
        assertThat(TestEngine.require().inspectContainerCmd(container(second)).exec().getConfig().getImage()).isEqualTo(TestEngine.ALT_IMAGE);

        assertThat(alice.follow("/user/alice/tree").statusCode()).as("hops %s", alice.hops).isEqualTo(200);
        assertThat(execute(alice, "alice", newKernel(alice, "alice"), "print(open('/home/jovyan/work/note.txt').read())")).isEqualTo("kept\n");

        assertThat(admin.api("DELETE", "/users/alice/server", ADMIN_TOKEN, null).statusCode()).isIn(202, 204);
        waitUntilStopped("alice");
        assertThat(admin.api("DELETE", "/users/alice", ADMIN_TOKEN, null).statusCode()).isEqualTo(204);
        assertThat(TestEngine.require().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerSpawner.LABEL_HUB, HUB, DockerSpawner.LABEL_USER, "alice")).exec())
                .as("alice's containers after she is deleted").isEmpty();
        assertThat(TestEngine.require().listVolumesCmd().withFilter("name", List.of(HUB + "-home-alice")).exec().getVolumes())
                .as("alice's volume after she is deleted").isNullOrEmpty();
    }

    @Test
    void herStoppedContainerIsStartedAgainWithItsOwnTokenAndKeepsItsFiles() throws Exception {
        // remove is false (DockerSpawner's default): the container is kept, and its environment, the
        // API token of its first start included, cannot change; the hub takes that token back.
        HubClient admin = new HubClient(hub.publicUrl());
        assertThat(admin.api("POST", "/users/carol", ADMIN_TOKEN, null).statusCode()).isEqualTo(201);
        assertThat(admin.api("POST", "/users/carol/server", ADMIN_TOKEN, Map.of()).statusCode()).isIn(201, 202);
        String first = container(waitUntilReady("carol"));
        HubClient carol = new HubClient(hub.publicUrl());
        assertThat(carol.login("carol", PASSWORD).statusCode()).isEqualTo(302);
        assertThat(carol.follow("/user/carol/tree").statusCode()).as("hops %s", carol.hops).isEqualTo(200);
        // Outside her volume: only a kept container still has it.
        assertThat(execute(carol, "carol", newKernel(carol, "carol"), "print(open('/home/jovyan/layer.txt', 'w').write('same container'))"))
                .isEqualTo("14\n");

        assertThat(admin.api("DELETE", "/users/carol/server", ADMIN_TOKEN, null).statusCode()).isIn(202, 204);
        waitUntilStopped("carol");
        assertThat(TestEngine.require().inspectContainerCmd(first).exec().getState().getRunning()).isFalse();

        assertThat(admin.api("POST", "/users/carol/server", ADMIN_TOKEN, Map.of()).statusCode()).isIn(201, 202);
        assertThat(container(waitUntilReady("carol"))).as("the kept container, started again").isEqualTo(first);
        // A new browser logs in to it: the server's OAuth client secret and API token are the reused token.
        HubClient again = new HubClient(hub.publicUrl());
        assertThat(again.login("carol", PASSWORD).statusCode()).isEqualTo(302);
        assertThat(again.follow("/user/carol/tree").statusCode()).as("hops %s", again.hops).isEqualTo(200);
        assertThat(execute(again, "carol", newKernel(again, "carol"), "print(open('/home/jovyan/layer.txt').read())"))
                .isEqualTo("same container\n");

        assertThat(admin.api("DELETE", "/users/carol/server", ADMIN_TOKEN, null).statusCode()).isIn(202, 204);
        waitUntilStopped("carol");
        assertThat(admin.api("DELETE", "/users/carol", ADMIN_TOKEN, null).statusCode()).isEqualTo(204);
    }

    @Test
    void anImageNotOfferedIsRefusedWithA400NamingTheFieldAndStartsNothing() throws Exception {
        HubClient bob = new HubClient(hub.publicUrl());
        assertThat(bob.login("bob", PASSWORD).statusCode()).isEqualTo(302);
        HttpResponse<String> form = bob.get("/hub/spawn");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("Standard image").doesNotContain("Alternative image").doesNotContain("value=\"alt\"");

        HubClient admin = new HubClient(hub.publicUrl());
        for (Object forged : List.of("evil/miner:latest", "alt", TestEngine.ALT_IMAGE)) {
            HttpResponse<String> r = admin.api("POST", "/users/bob/server", ADMIN_TOKEN, Map.of("image", forged));
            assertThat(r.statusCode()).as("%s: %s", forged, r.body()).isEqualTo(400);
            assertThat(r.body()).contains("image");
        }
        assertThat(server("bob")).isNull();
        assertThat(TestEngine.require().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerSpawner.LABEL_HUB, HUB, DockerSpawner.LABEL_USER, "bob")).exec()).isEmpty();
    }

    private static String xsrf(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"_xsrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(m.find()).as(page).isTrue();
        return m.group(1);
    }

    private static String newKernel(HubClient client, String user) throws Exception {
        String xsrf = client.cookie("/user/" + user + "/", "_xsrf");
        HttpResponse<String> kernel = client.send(HttpRequest.newBuilder(client.base.resolve("/user/" + user + "/api/kernels"))
                .header("X-XSRFToken", xsrf).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(kernel.statusCode()).as(kernel.body()).isEqualTo(201);
        return (String) HubClient.json(kernel).get("id");
    }

    @SuppressWarnings("unchecked")
    private static String container(Map<String, Object> server) {
        return ((Map<String, String>) server.get("state")).get("containerId");
    }

    private static Map<String, Object> server(String user) throws Exception {
        Map<String, Object> model = HubClient.json(new HubClient(hub.publicUrl()).api("GET", "/users/" + user, ADMIN_TOKEN, null));
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) ((Map<String, Object>) model.get("servers")).get("");
        return s;
    }

    private static Map<String, Object> waitUntilReady(String user) throws Exception {
        for (int i = 0; i < 1200; i++) {
            Map<String, Object> s = server(user);
            if (s != null && Boolean.TRUE.equals(s.get("ready"))) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(user + "'s server did not become ready: " + server(user));
    }

    private static void waitUntilStopped(String user) throws Exception {
        for (int i = 0; i < 600 && server(user) != null; i++) {
            Thread.sleep(100);
        }
        assertThat(server(user)).as("%s's server after the stop", user).isNull();
    }

    /** Runs code in a kernel over its WebSocket through the proxy (as hub-core's EndToEndScenario does) and returns what it printed. */
    static String execute(HubClient client, String user, String kernelId, String code) throws Exception {
        URI ws = URI.create("ws://" + client.base.getHost() + ":" + client.base.getPort() + "/user/" + user + "/api/kernels/"
                + kernelId + "/channels");
        CompletableFuture<String> printed = new CompletableFuture<>();
        String msgId = UUID.randomUUID().toString();
        WebSocket socket = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().newWebSocketBuilder()
                .header("Cookie", client.cookieHeader("/user/" + user + "/api/kernels/"))
                .buildAsync(ws, new WebSocket.Listener() {
                    final StringBuilder buf = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        buf.append(data);
                        if (last) {
                            try {
                                Map<?, ?> msg = HubClient.JSON.readValue(buf.toString(), Map.class);
                                Map<?, ?> parent = (Map<?, ?>) msg.get("parent_header");
                                Map<?, ?> header = (Map<?, ?>) msg.get("header");
                                if (parent != null && msgId.equals(parent.get("msg_id"))) {
                                    if ("stream".equals(header.get("msg_type"))) {
                                        printed.complete((String) ((Map<?, ?>) msg.get("content")).get("text"));
                                    } else if ("error".equals(header.get("msg_type"))) {
                                        printed.completeExceptionally(new AssertionError("the kernel failed: " + msg.get("content")));
                                    }
                                }
                            } catch (Exception e) {
                                printed.completeExceptionally(e);
                            }
                            buf.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        Map<String, Object> request = Map.of(
                "header", Map.of("msg_id", msgId, "username", user, "session", UUID.randomUUID().toString(),
                        "msg_type", "execute_request", "version", "5.3", "date", Instant.now().toString()),
                "parent_header", Map.of(), "metadata", Map.of(), "channel", "shell", "buffers", List.of(),
                "content", Map.of("code", code, "silent", false, "store_history", true, "user_expressions", Map.of(),
                        "allow_stdin", false, "stop_on_error", true));
        socket.sendText(HubClient.JSON.writeValueAsString(request), true).get(10, TimeUnit.SECONDS);
        try {
            return printed.get(60, TimeUnit.SECONDS);
        } finally {
            socket.abort();
        }
    }
}
