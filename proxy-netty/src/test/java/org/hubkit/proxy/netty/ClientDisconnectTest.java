package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.hubkit.api.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that goes away mid-exchange takes its upstream connection with it (the target does
 * not keep sending into the void or wait for a body that will not come), and the proxy goes on
 * serving.
 *
 * <p>No clock: the proxy's request limits are off here and no other timeout applies mid-exchange,
 * so the client's leaving is the only thing that can end the target's connection; the test waits
 * for the target to see that end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientDisconnectTest {
    private static final long BODY = 100L * 1024 * 1024;

    private final AtomicLong transferred = new AtomicLong();
    private final CountDownLatch upstreamEnded = new CountDownLatch(1);
    private Backend healthy;
    private RawBackend raw;
    private NettyProxy proxy;

    @BeforeEach
    void start() throws IOException {
        healthy = Backend.start("healthy");
        raw = new RawBackend((s, i) -> {
            String head = RawBackend.readHead(s.getInputStream());
            try {
                if (head == null) {
                    // the proxy closed before the whole request head came
                } else if (head.startsWith("post")) {
                    // reads the upload until the connection ends
                    PatternBytes.read(s.getInputStream(), BODY, new CRC32(), transferred);
                } else if (head.startsWith("get /raw/download")) {
                    RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
                    PatternBytes.write(s.getOutputStream(), BODY, transferred);
                } else {
                    s.getInputStream().read(); // never answers; waits for the end
                }
            } catch (IOException e) {
                // reset by the proxy: the end we wait for
            }
            upstreamEnded.countDown();
        });
        // nothing but the client's leaving may end an upstream connection here
        proxy = TestProxies.started(NettyProxy.builder().headersTimeout(Duration.ZERO).requestTimeout(Duration.ZERO),
                "/", healthy.uri());
        proxy.addRoute(Route.of("/raw", raw.uri(), Map.of())).toCompletableFuture().join();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        raw.close();
        healthy.close();
    }

    private void awaitTransferred(long atLeast) throws InterruptedException {
        for (int i = 0; i < 200 && transferred.get() < atLeast; i++) {
            Thread.sleep(25);
        }
        assertThat(transferred.get()).as("bytes through before the client left").isGreaterThanOrEqualTo(atLeast);
    }

    /** Waits for the target to see its connection end, which only the client's leaving can cause. */
    private void assertUpstreamEnded() throws Exception {
        assertThat(upstreamEnded.await(30, TimeUnit.SECONDS)).as("the target's connection was closed").isTrue();
        assertThat(transferred.get()).as("the body stopped short").isLessThan(BODY);
        assertThat(proxy.idleUpstreamConnections()).as("nothing pooled from a broken exchange").isZero();
    }

    private void assertTheProxyStillServes() throws IOException {
        try (RawHttp next = new RawHttp(proxy.port())) {
            assertThat(next.get("/next").body()).isEqualTo("healthy /next");
        }
    }

    @Test
    void aClientGoneMidUploadClosesTheUpstream() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            OutputStream out = client.getOutputStream();
            out.write(("POST /raw/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + BODY + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            PatternBytes.write(out, 4L << 20, new AtomicLong());
            awaitTransferred(1L << 20);
        }

        assertUpstreamEnded();
        assertTheProxyStillServes();
    }

    @Test
    void aClientGoneMidDownloadClosesTheUpstream() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /raw/download HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            assertThat(RawBackend.readHead(in)).startsWith("http/1.1 200");
            assertThat(PatternBytes.read(in, 1L << 20, new CRC32(), new AtomicLong())).isEqualTo(1L << 20);
        }

        assertUpstreamEnded();
        assertTheProxyStillServes();
    }

    @Test
    void aClientGoneWhileWaitingForTheResponseClosesTheUpstream() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.getOutputStream().write("GET /raw/never HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 200 && raw.connections() == 0; i++) {
                Thread.sleep(25);
            }
            assertThat(raw.connections()).as("the request reached the target").isEqualTo(1);
        }

        assertUpstreamEnded();
        assertTheProxyStillServes();
    }
}
