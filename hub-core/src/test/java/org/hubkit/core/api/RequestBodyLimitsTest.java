package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.hubkit.core.RawSockets;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request bodies cannot be used to make the hub hold memory: only requests that take a body have
 * it read (the API's writes, the login and spawn forms), the forms at most 64 KiB, and all bodies
 * at once at most 64 MiB (beyond it 503 with {@code Retry-After}); a body on any other request is
 * not read, and its answer closes the connection.
 */
@Timeout(120)
class RequestBodyLimitsTest extends HubApiTestBase {
    static final int MIB = 1 << 20;

    private Socket open() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", hub.hub.port()), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void apiAnswers(URI base) throws Exception {
        HttpResponse<String> r = hub.send(HttpRequest.newBuilder(base.resolve("/hub/api/")).GET());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("version");
    }

    @Test
    void twoHundredLargeUnauthenticatedBodiesAtOnceHoldAtMostTheCapAndTheApiKeepsAnswering() throws Exception {
        URI direct = URI.create("http://127.0.0.1:" + hub.hub.port());
        long before = heapAfterGc();
        byte[] almostAll = new byte[MIB - 1];
        Arrays.fill(almostAll, (byte) 'x');
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = open();
                held.add(s);
                // Nobody logged in: half to the API, half to the login form; each 1 MiB but its last byte.
                String path = i % 2 == 0 ? "/hub/api/users" : "/hub/login";
                OutputStream out = s.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + MIB + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                try {
                    out.write(almostAll);
                    out.flush();
                } catch (IOException refused) {
                    // answered (413, 503) and closed without reading: what the test wants
                }
            }
            apiAnswers(direct);
            apiAnswers(hub.base);
            long during = heapAfterGc() - before;
            assertThat(during).as("heap held by 200 unfinished 1 MiB bodies (cap 64 MiB)").isLessThan(100L * MIB);

            // The budget is taken: a new body is refused before it is read, and says when to try again.
            try (Socket s = open()) {
                s.getOutputStream().write(("POST /hub/api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String h = RawSockets.head(s);
                assertThat(h).startsWith("http/1.1 503").contains("\r\nretry-after: ").contains("\r\nconnection: close\r\n");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // Their clients gone, the bodies' bytes are given back: a body is read again.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int status;
        do {
            HttpResponse<String> r = hub.send(HttpRequest.newBuilder(direct.resolve("/hub/api/users"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
            status = r.statusCode();
            if (status == 503) {
                Thread.sleep(100);
            }
        } while (status == 503 && System.nanoTime() < deadline);
        assertThat(status).as("an unauthenticated API write, once the budget is free").isEqualTo(403);
    }

    @Test
    void aBodyOnARequestThatTakesNoneIsNotReadAndItsAnswerClosesTheConnection() throws Exception {
        for (String request : List.of("GET /hub/api/ HTTP/1.1", "GET /hub/login HTTP/1.1", "POST /hub/home HTTP/1.1",
                "PUT /hub/login HTTP/1.1", "POST /elsewhere HTTP/1.1")) {
            try (Socket s = open()) {
                // 500 KB announced, none sent: the answer must not wait for it.
                s.getOutputStream().write((request + "\r\nHost: 127.0.0.1\r\nContent-Length: 500000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String h = RawSockets.head(s);
                assertThat(h).as(request).startsWith("http/1.1 ").contains("\r\nconnection: close\r\n");
                assertThat(h).as(request).doesNotStartWith("http/1.1 408").doesNotStartWith("http/1.1 5");
            }
        }
    }

    @Test
    void theLoginFormTakesAtMost64KiB() throws Exception {
        Browser b = new Browser(hub.base);
        assertThat(b.get("/hub/login").statusCode()).isEqualTo(200);
        String xsrf = b.cookie("_xsrf").orElseThrow();
        String form = "_xsrf=" + TestHub.enc(xsrf) + "&username=bodyuser&password=" + TestHub.enc(TestHub.PASSWORD) + "&pad=";
        HttpResponse<String> large = b.postForm("/hub/login", form + "p".repeat(70_000));
        assertThat(large.statusCode()).as(large.body()).isEqualTo(413);
        HttpResponse<String> fits = b.postForm("/hub/login", form + "p".repeat(60_000));
        assertThat(fits.statusCode()).as("a form under 64 KiB logs in: %s", fits.body()).isEqualTo(302);
    }
}
