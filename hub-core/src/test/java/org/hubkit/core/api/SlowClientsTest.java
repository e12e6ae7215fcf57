package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing that waits on a slow client or a spawn holds one of the hub's request threads: with
 * 500 clients trickling request bodies, or 500 progress streams open on a pending spawn (more
 * than Jetty's 200 threads either way), the API keeps answering.
 */
@Timeout(120)
class SlowClientsTest {
    private static final int CLIENTS = 500;

    @TempDir
    Path dir;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code GET /hub/api/} straight to the hub; fails if it does not answer within 10 s. */
    private static void apiAnswers(URI hub) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(hub.resolve("/hub/api/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("version");
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void fiveHundredClientsTricklingLoginBodiesDoNotStopTheApi() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            int hubPort = hub.hub.port();
            int proxyPort = hub.base.getPort();
            URI direct = URI.create("http://127.0.0.1:" + hubPort);
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    // Half straight to the hub, half through the proxy, as a browser's would come; each
                    // body under the forms' 64 KiB, 500 of them under the hub's 64 MiB for all bodies.
                    Socket s = open(i % 2 == 0 ? hubPort : proxyPort);
                    slow.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /hub/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\nusername=")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                for (int round = 0; round < 3; round++) {
                    for (Socket s : slow) {
                        s.getOutputStream().write('a');
                        s.getOutputStream().flush();
                    }
                    apiAnswers(direct);
                    apiAnswers(hub.base);
                    Thread.sleep(500);
                }
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            apiAnswers(direct);
        }
    }

    @Test
    void fiveHundredOpenProgressStreamsDoNotStopTheApiAndAllSeeTheSpawnEnd() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            hub.ensureUser("slowstream", false);
            assertThat(hub.admin("POST", "/users/slowstream/server", null).statusCode()).isEqualTo(202);
            int hubPort = hub.hub.port();
            URI direct = URI.create("http://127.0.0.1:" + hubPort);
            List<Socket> streams = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = open(hubPort);
                    streams.add(s);
                    s.getOutputStream().write(("GET /hub/api/users/slowstream/server/progress HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: token " + hub.adminToken + "\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                }
                for (Socket s : streams) {
                    assertThat(readUntil(s.getInputStream(), "Server requested")).as("each stream got its first event")
                            .contains("200").contains("text/event-stream");
                }
                apiAnswers(direct);
                apiAnswers(hub.base);
                assertThat(hub.admin("GET", "/users/slowstream", null).statusCode()).isEqualTo(200);

                hub.openGate("slowstream");
                for (Socket s : streams) {
                    assertThat(readUntil(s.getInputStream(), "\"ready\":true")).as("each stream saw the spawn end")
                            .contains("\"url\":\"/user/slowstream/\"");
                }
            } finally {
                for (Socket s : streams) {
                    s.close();
                }
            }
            apiAnswers(direct);
        }
    }

    /** Reads until {@code marker} has been seen (or the socket's read timeout fails the test). */
    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[4096];
        while (seen.indexOf(marker) < 0) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return seen.toString();
    }
}
