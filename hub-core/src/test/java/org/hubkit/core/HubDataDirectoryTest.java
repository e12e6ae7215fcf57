package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hubkit.api.AccessRules;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything a hub writes defaults to one data directory: the H2 database's, unless
 * {@code dataDirectory} says otherwise; never {@code ./hubkit-data} when a directory was given.
 * And named servers are off unless asked for, as in JupyterHub.
 */
class HubDataDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A stand-in single-user server: answers every GET on JUPYTERHUB_SERVICE_URL's port. */
    private static final String SERVER = String.join("\n",
            "import http.server, os, urllib.parse",
            "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()",
            "    def log_message(self, *a):",
            "        pass",
            "print('listening', flush=True)",
            "http.server.ThreadingHTTPServer((u.hostname, u.port), H).serve_forever()");

    @TempDir
    Path dir;

    private static Hub.Builder hub(LocalProcessSpawner spawner, int proxyPort) {
        return Hub.builder().spawner(spawner)
                .authenticator(SharedPasswordAuthenticator.builder().password("a shared password")
                        .accessRules(AccessRules.allowAllUsers()).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .port(0);
    }

    @Test
    void theDataDirectoryIsTheH2DatabasesElseTheOneGivenElseHubkitData() {
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().isolation(LocalProcessSpawner.Isolation.NONE).build();
        assertThat(hub(spawner, 8000).database(Database.h2(dir.resolve("h2"))).build().dataDirectory())
                .isEqualTo(dir.resolve("h2"));
        assertThat(spawner.logDirectory()).isEqualTo(dir.resolve("h2/logs"));

        assertThat(hub(LocalProcessSpawner.builder().isolation(LocalProcessSpawner.Isolation.NONE).build(), 8000)
                .database(Database.of("jdbc:postgresql://127.0.0.1:5432/hubkit")).dataDirectory(dir.resolve("files"))
                .build().dataDirectory()).as("PostgreSQL: the given directory").isEqualTo(dir.resolve("files"));
        assertThat(hub(LocalProcessSpawner.builder().isolation(LocalProcessSpawner.Isolation.NONE).build(), 8000)
                .database(Database.h2(dir.resolve("h2"))).dataDirectory(dir.resolve("files")).build().dataDirectory())
                .as("given wins over the database's").isEqualTo(dir.resolve("files"));
        assertThat(hub(LocalProcessSpawner.builder().isolation(LocalProcessSpawner.Isolation.NONE).build(), 8000)
                .database(Database.of("jdbc:postgresql://127.0.0.1:5432/hubkit")).build().dataDirectory())
                .isEqualTo(Path.of("hubkit-data").toAbsolutePath());
    }

    @Test
    void homesAndLogsOfAHubOnAnH2DirectoryAreInThatDirectoryAndNamedServersAreOff() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        Path data = dir.resolve("hub-data");
        LocalProcessSpawner spawner = LocalProcessSpawner.builder().cmd(List.of("/usr/bin/python3", "-c", SERVER))
                .isolation(LocalProcessSpawner.Isolation.NONE).build();
        HttpClient http = HttpClient.newHttpClient();
        try (Hub hub = hub(spawner, proxyPort).database(Database.h2(data)).build().start()) {
            String token = hub.createToken("admin", true, "test");
            URI api = URI.create("http://127.0.0.1:" + hub.port() + "/hub/api");
            assertThat(send(http, api, token, "POST", "/users/alice").statusCode()).isEqualTo(201);

            HttpResponse<String> named = send(http, api, token, "POST", "/users/alice/servers/lab");
            assertThat(named.statusCode()).as(named.body()).isEqualTo(400);
            assertThat(named.body()).contains("Named servers are not enabled");

            HttpResponse<String> start = send(http, api, token, "POST", "/users/alice/server");
            assertThat(start.statusCode()).as(start.body()).isIn(201, 202);
            awaitReady(http, api, token);
            assertThat(data.resolve("users/alice")).isDirectory();
            assertThat(data.resolve("logs/alice.log")).isRegularFile();
            assertThat(spawner.logDirectory()).isEqualTo(data.resolve("logs"));
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI api, String token, String method, String path)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "token " + token)
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static void awaitReady(HttpClient http, URI api, String token) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            last = send(http, api, token, "GET", "/users/alice").body();
            Map<String, Object> servers = (Map<String, Object>) JSON.readValue(last, Map.class).get("servers");
            Object server = servers == null ? null : servers.get("");
            if (server instanceof Map<?, ?> s && Boolean.TRUE.equals(s.get("ready"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("alice's server did not become ready: " + last);
    }
}
