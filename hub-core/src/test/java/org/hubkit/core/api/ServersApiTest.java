package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Starting and stopping servers, the progress event stream, and failed spawns. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ServersApiTest extends HubApiTestBase {

    private HttpResponse<String> throughProxy(String path) throws Exception {
        return hub.send(HttpRequest.newBuilder(hub.base.resolve(path)).GET());
    }

    private Map<String, Object> routes() throws Exception {
        HttpResponse<String> r = hub.admin("GET", "/proxy", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return json(r);
    }

    @Test
    void startAnswers201WhenTheServerIsReadyAndTheProxyRoutesToIt() throws Exception {
        hub.ensureUser("fast1", false);
        HttpResponse<String> r = hub.admin("POST", "/users/fast1/server", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        Map<String, Object> user = hub.user("fast1");
        assertThat(user).containsEntry("server", "/user/fast1/").containsEntry("pending", null);
        Map<String, Object> server = map(map(user.get("servers")).get(""));
        assertThat(server).containsEntry("name", "").containsEntry("ready", true).containsEntry("pending", null)
                .containsEntry("stopped", false).containsEntry("url", "/user/fast1/")
                .containsEntry("progress_url", "/hub/api/users/fast1/server/progress")
                .containsKeys("started", "last_activity", "user_options");

        HttpResponse<String> page = throughProxy("/user/fast1/some/page?x=1");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("user=fast1 path=/user/fast1/some/page?x=1");
        assertThat(routes()).containsKey("/user/fast1/");

        HttpResponse<String> again = hub.admin("POST", "/users/fast1/server", null);
        assertThat(again.statusCode()).as("already running").isEqualTo(400);
        assertThat(json(again).get("message").toString()).contains("already running");

        HttpResponse<String> progress = hub.admin("GET", "/users/fast1/server/progress", null);
        assertThat(progress.statusCode()).isEqualTo(200);
        assertThat(progress.body()).as("a ready server's stream is one ready event").contains("\"ready\":true")
                .contains("\"url\":\"/user/fast1/\"");
    }

    @Test
    void slowStartAnswers202AndStreamsProgressUntilReady() throws Exception {
        hub.ensureUser("slow1", false);
        HttpResponse<String> r = hub.admin("POST", "/users/slow1/server", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        Map<String, Object> user = hub.user("slow1");
        assertThat(user).containsEntry("pending", "spawn").containsEntry("server", null);
        assertThat(map(map(user.get("servers")).get(""))).containsEntry("pending", "spawn").containsEntry("ready", false);

        // JupyterHub answers a start request for a server that is already starting with 202 again.
        HttpResponse<String> again = hub.admin("POST", "/users/slow1/server", null);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(202);

        CompletableFuture<TestHub.ProgressStream> stream = CompletableFuture.supplyAsync(() -> {
            try {
                return hub.progress("slow1", hub.adminToken);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(stream).as("the stream waits for the spawn").isNotDone();
        hub.openGate("slow1");
        TestHub.ProgressStream progress = stream.get(30, TimeUnit.SECONDS);

        assertThat(progress.status()).isEqualTo(200);
        assertThat(progress.contentType()).startsWith("text/event-stream");
        List<Map<String, Object>> events = progress.events();
        assertThat(events).as(progress.raw()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(events.get(0)).containsEntry("progress", 0).containsEntry("message", "Server requested");
        Map<String, Object> last = events.get(events.size() - 1);
        assertThat(last).containsEntry("progress", 100).containsEntry("ready", true).containsEntry("url", "/user/slow1/");
        assertThat(last.get("message").toString()).contains("/user/slow1/");
        assertThat(events).extracting(e -> (Integer) e.get("progress")).isSorted();
        assertThat(events.subList(0, events.size() - 1)).noneMatch(e -> e.containsKey("ready") || e.containsKey("failed"));

        hub.awaitReady("slow1");
        assertThat(throughProxy("/user/slow1/").body()).contains("user=slow1");
    }

    @Test
    void stopAnswers204AndTheProcessAndRouteAreGone() throws Exception {
        hub.startServer("fast2");
        Map<String, Object> server = hub.server("fast2");
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) server.get("state");
        assertThat(state).as("admin:server_state shows the spawner state").containsKey("pid");
        long pid = Long.parseLong(state.get("pid").toString());
        assertThat(ProcessHandle.of(pid)).isPresent();
        assertThat(hub.serverEnv("fast2").get("pid")).isEqualTo(String.valueOf(pid));

        HttpResponse<String> stop = hub.admin("DELETE", "/users/fast2/server", null);
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(204);
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(5, TimeUnit.SECONDS).join());
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("server process").isEmpty();

        Map<String, Object> user = hub.user("fast2");
        assertThat(user).containsEntry("server", null).containsEntry("pending", null).containsEntry("servers", Map.of());
        assertThat(routes()).doesNotContainKey("/user/fast2/");
        HttpResponse<String> page = throughProxy("/user/fast2/tree");
        assertThat(page.body()).doesNotContain("hubkit-test-server");
        assertThat(page.statusCode()).as("the hub takes the request and sends it to /hub/user/...").isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).contains("/hub/user/fast2/tree");

        assertThat(hub.admin("DELETE", "/users/fast2/server", null).statusCode()).as("stop a stopped server").isEqualTo(204);
        assertThat(hub.admin("GET", "/users/fast2/server/progress", null).statusCode()).as("progress of a stopped server: 400, not starting, as JupyterHub once the spawner exists; 404 is for a server never started").isEqualTo(400);
        hub.ensureUser("neverstarted", false);
        assertThat(hub.admin("DELETE", "/users/neverstarted/server", null).statusCode()).isEqualTo(204);
        assertThat(hub.admin("GET", "/users/neverstarted/server/progress", null).statusCode()).isEqualTo(404);
        assertThat(hub.admin("DELETE", "/users/nobody-at-all/server", null).statusCode()).isEqualTo(404);

        assertThat(hub.startServer("fast2")).as("it starts again").isEqualTo(201);
    }

    @Test
    void aSpawnWhoseCommandExitsFailsAndLeavesNoServerBehind() throws Exception {
        hub.ensureUser("crash1", false);
        HttpResponse<String> r = hub.admin("POST", "/users/crash1/server", null);
        // JupyterHub: a spawn that fails within slow_spawn_timeout is a 500 with the reason.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
        assertThat(json(r).get("message").toString()).containsIgnoringCase("exit");

        TestHub.ProgressStream progress = hub.progress("crash1", hub.adminToken);
        assertThat(progress.status()).as(progress.raw()).isEqualTo(200);
        List<Map<String, Object>> events = progress.events();
        assertThat(events).isNotEmpty();
        Map<String, Object> last = events.get(events.size() - 1);
        assertThat(last).containsEntry("failed", true).containsEntry("progress", 100).doesNotContainKey("ready");
        assertThat(last.get("message").toString()).startsWith("Spawn failed");

        Map<String, Object> user = hub.user("crash1");
        assertThat(user).containsEntry("server", null).containsEntry("pending", null).containsEntry("servers", Map.of());
        assertThat(jsonList(hub.admin("GET", "/users?state=active", null))).extracting(u -> map(u).get("name"))
                .doesNotContain("crash1");
        assertThat(routes()).doesNotContainKey("/user/crash1/");
        long pid = Long.parseLong(hub.serverEnv("crash1").get("pid"));
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        // The server's own API token was revoked with the failed spawn.
        String serverToken = hub.serverEnv("crash1").get("JUPYTERHUB_API_TOKEN");
        assertThat(hub.api("GET", "/user", serverToken, null).statusCode()).isEqualTo(403);

        HttpResponse<String> retry = hub.admin("POST", "/users/crash1/server", null);
        assertThat(retry.statusCode()).as("a retry is a new spawn, not 'already running'").isEqualTo(500);
    }

    @Test
    void stopWhileTheSpawnIsPendingCancelsItAndTheServerCanStartAgain() throws Exception {
        hub.ensureUser("slow2", false);
        assertThat(hub.admin("POST", "/users/slow2/server", null).statusCode()).isEqualTo(202);
        HttpResponse<String> stop = hub.admin("DELETE", "/users/slow2/server", null);
        assertThat(stop.statusCode()).as("the pending spawn is cancelled: " + stop.body()).isIn(202, 204);
        hub.awaitNoServer("slow2");
        assertThat(hub.user("slow2")).containsEntry("pending", null).containsEntry("server", null);
        hub.openGate("slow2");
        assertThat(hub.startServer("slow2")).as("a cancelled server starts again").isEqualTo(201);
        assertThat(hub.admin("DELETE", "/users/slow2/server", null).statusCode()).isEqualTo(204);
        hub.awaitNoServer("slow2");
    }
}
