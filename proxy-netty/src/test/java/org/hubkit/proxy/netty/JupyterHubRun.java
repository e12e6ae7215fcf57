package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Python JupyterHub (the {@code jupyterhub} command) run with {@code bin/hubkit-proxy}
 * as its proxy, for the ITs: writes a {@code jupyterhub_config.py} (plus lines a test adds),
 * starts the hub, and drives the scenario every such IT checks through the proxy's public port:
 * a user created and started through the hub's REST API, the user's server's API, and
 * {@code print(6*7)} on a kernel over its WebSocket. Skips without {@code jupyterhub} on the PATH,
 * fails under {@code CI=true}.
 */
final class JupyterHubRun {
    private final String serviceToken = "hubkit-it-" + UUID.randomUUID().toString().replace("-", "");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Path dir;
    final int proxyPort;
    final int apiPort;
    final int hubPort;
    final String proxyBase;

    /** @param dir the hub's working directory (database, cookie secret, certificates, homes) */
    JupyterHubRun(Path dir) throws Exception {
        this.dir = dir;
        proxyPort = LauncherProcess.freePort();
        apiPort = LauncherProcess.freePort();
        hubPort = LauncherProcess.freePort();
        proxyBase = "http://127.0.0.1:" + proxyPort;
    }

    /**
     * Runs the hub with the base configuration and {@code extraConfig}, the scenario, then shuts
     * the hub down; on failure the hub's output is part of the message.
     *
     * @param hubScheme {@code http} or {@code https} (with {@code internal_ssl})
     * @param apiScheme the proxy API's scheme in {@code ConfigurableHTTPProxy.api_url}
     * @param extraConfig more {@code jupyterhub_config.py} lines
     * @param moreChecks run after the scenario, with the hub's output so far
     */
    void run(String hubScheme, String apiScheme, List<String> extraConfig, Check moreChecks) throws Exception {
        try (LauncherProcess.Running hub = startHub(hubScheme, apiScheme, extraConfig)) {
            hub.process.getOutputStream().close();
            try {
                assertThat(hub.awaitLine("JupyterHub is now running", 90)).as("hub started").isTrue();
                assertThat(hub.output()).contains("[ConfigProxy] info: Route added / -> ");
                scenario();
                moreChecks.check(hub.output());
            } catch (AssertionError | Exception e) {
                throw new AssertionError(e.getMessage() + "\n--- jupyterhub output ---\n" + tail(hub.output()), e);
            } finally {
                shutdown(hub);
            }
        }
    }

    /**
     * Runs the hub with the base configuration and {@code extraConfig} until it exits by itself.
     *
     * @return everything it printed
     */
    String runUntilExit(String hubScheme, String apiScheme, List<String> extraConfig, long seconds) throws Exception {
        try (LauncherProcess.Running hub = startHub(hubScheme, apiScheme, extraConfig)) {
            hub.process.getOutputStream().close();
            assertThat(hub.process.waitFor(seconds, TimeUnit.SECONDS)).as("the hub exited by itself").isTrue();
            Thread.sleep(200); // the reader's last lines
            return hub.output();
        }
    }

    /**
     * Writes the configuration and starts {@code jupyterhub} with it, its standard input still open;
     * skips the test without {@code jupyterhub} on the PATH (fails under {@code CI=true}).
     */
    private LauncherProcess.Running startHub(String hubScheme, String apiScheme, List<String> extraConfig) throws Exception {
        Path jupyterhub = onPath("jupyterhub");
        if (jupyterhub == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("jupyterhub is not on the PATH, and CI=true forbids skipping this test");
            }
            Assumptions.abort("jupyterhub is not on the PATH");
        }
        Files.writeString(dir.resolve("jupyterhub_config.py"), config(hubScheme, apiScheme, extraConfig));
        ProcessBuilder pb = new ProcessBuilder(jupyterhub.toString(), "-f", "jupyterhub_config.py").directory(dir.toFile());
        pb.environment().remove("CONFIGPROXY_AUTH_TOKEN");
        return new LauncherProcess.Running(pb);
    }

    /** A check on the hub's output. */
    interface Check {
        void check(String output) throws Exception;
    }

    private void scenario() throws Exception {
        assertThat(hubApi("POST", "/users/alice", null).statusCode()).isEqualTo(201);
        int spawn = hubApi("POST", "/users/alice/server", null).statusCode();
        assertThat(spawn).isIn(201, 202);
        awaitReady();
        HttpResponse<String> tokenRes = hubApi("POST", "/users/alice/tokens", "{\"note\":\"hubkit-it\"}");
        assertThat(tokenRes.statusCode()).as(tokenRes.body()).isEqualTo(201);
        String userToken = json.readTree(tokenRes.body()).get("token").asText();

        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(proxyBase + "/user/alice/api/status"))
                .header("Authorization", "token " + userToken).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(json.readTree(status.body()).has("started")).isTrue();

        HttpResponse<String> kernel = http.send(HttpRequest.newBuilder(URI.create(proxyBase + "/user/alice/api/kernels"))
                .header("Authorization", "token " + userToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"python3\"}")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(kernel.statusCode()).as(kernel.body()).isEqualTo(201);
        String kernelId = json.readTree(kernel.body()).get("id").asText();

        assertThat(execute(kernelId, userToken, "print(6*7)")).isEqualTo("42\n");
    }

    /** Runs code on the kernel over its WebSocket through the proxy; returns what it printed. */
    private String execute(String kernelId, String userToken, String code) throws Exception {
        TextMessages messages = new TextMessages();
        URI ws = URI.create("ws://127.0.0.1:" + URI.create(proxyBase).getPort() + "/user/alice/api/kernels/" + kernelId
                + "/channels?token=" + userToken);
        WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                .buildAsync(ws, messages).get(60, TimeUnit.SECONDS);
        try {
            String msgId = UUID.randomUUID().toString();
            ObjectNode msg = json.createObjectNode();
            msg.putObject("header").put("msg_id", msgId).put("username", "alice")
                    .put("session", UUID.randomUUID().toString()).put("msg_type", "execute_request")
                    .put("version", "5.3").put("date", Instant.now().toString());
            msg.putObject("parent_header");
            msg.putObject("metadata");
            msg.putObject("content").put("code", code).put("silent", false).put("store_history", false)
                    .put("allow_stdin", false).put("stop_on_error", true).putObject("user_expressions");
            msg.put("channel", "shell");
            msg.putArray("buffers");
            socket.sendText(json.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);

            StringBuilder stdout = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                String text = messages.poll(1, TimeUnit.SECONDS);
                if (text == null) {
                    continue;
                }
                JsonNode m = json.readTree(text);
                if (!msgId.equals(m.path("parent_header").path("msg_id").asText())) {
                    continue;
                }
                String type = m.path("header").path("msg_type").asText(m.path("msg_type").asText());
                if (type.equals("stream") && m.path("content").path("name").asText().equals("stdout")) {
                    stdout.append(m.path("content").path("text").asText());
                }
                if (type.equals("error")) {
                    fail("kernel error: " + m.path("content"));
                }
                if (type.equals("status") && m.path("content").path("execution_state").asText().equals("idle")
                        && stdout.length() > 0) {
                    return stdout.toString();
                }
            }
            fail("no idle status after output within 90 s; got '" + stdout + "'");
            return null;
        } finally {
            socket.abort();
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> user = hubApi("GET", "/users/alice", null);
            JsonNode server = json.readTree(user.body()).path("servers").path("");
            if (server.path("ready").asBoolean(false)) {
                return;
            }
            Thread.sleep(500);
        }
        fail("alice's server was not ready within 90 s");
    }

    private HttpResponse<String> hubApi(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxyBase + "/hub/api" + path))
                .header("Authorization", "token " + serviceToken).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /hub/api/shutdown}, then waits; whatever is left is killed by pid when {@code hub} closes. */
    private void shutdown(LauncherProcess.Running hub) {
        List<ProcessHandle> started = hub.process.descendants().toList();
        try {
            if (hub.process.isAlive()) {
                hubApi("POST", "/shutdown", "{\"proxy\": true, \"servers\": true}");
                hub.process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // killed below
        } finally {
            hub.close();
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private String config(String hubScheme, String apiScheme, List<String> extra) {
        String command = LauncherProcess.script().toString();
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> lines = new java.util.ArrayList<>(List.of(
                "c.JupyterHub.bind_url = 'http://127.0.0.1:" + proxyPort + "'",
                "c.JupyterHub.hub_bind_url = '" + hubScheme + "://127.0.0.1:" + hubPort + "'",
                "c.ConfigurableHTTPProxy.api_url = '" + apiScheme + "://127.0.0.1:" + apiPort + "'",
                "c.ConfigurableHTTPProxy.command = [" + py(command) + "]",
                "c.ConfigurableHTTPProxy.pid_file = " + py(dir.resolve("proxy.pid").toString()),
                "c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'",
                "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'",
                "c.SimpleLocalProcessSpawner.home_dir_template = " + py(dir.resolve("home").toString() + "/{username}"),
                root ? "c.Spawner.args = ['--allow-root']" : "",
                "c.Spawner.start_timeout = 90",
                "c.Spawner.http_timeout = 90",
                "c.JupyterHub.db_url = " + py("sqlite:///" + dir.resolve("jupyterhub.sqlite")),
                "c.JupyterHub.cookie_secret_file = " + py(dir.resolve("jupyterhub_cookie_secret").toString()),
                "c.JupyterHub.services = [{'name': 't', 'api_token': " + py(serviceToken) + "}]",
                "c.JupyterHub.load_roles = [{'name': 't-admin', 'scopes': ['admin:users', 'admin:servers',"
                        + " 'list:users', 'read:users', 'tokens', 'shutdown', 'proxy'], 'services': ['t']}]"));
        lines.addAll(extra);
        lines.add("");
        return String.join("\n", lines);
    }

    static String py(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String tail(String output) {
        return output.length() <= 8000 ? output : output.substring(output.length() - 8000);
    }
}
