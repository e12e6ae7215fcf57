package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.hubkit.api.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A target that closes its connection early: before the response head the client gets a 503
 * (its connection kept); once the head has gone out the only honest signal left is to cut the
 * client's connection, so the client can tell the body is incomplete. Either way the proxy
 * goes on serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamEarlyCloseTest {
    private static final int PARTIAL = 100 * 1024;
    private static final int LENGTH = 1 << 20;

    private Backend healthy;
    private RawBackend rude;
    private NettyProxy proxy;

    @BeforeEach
    void start() throws IOException {
        healthy = Backend.start("healthy");
        rude = RawBackend.byPath((path, head, s) -> {
            InputStream in = s.getInputStream();
            switch (path) {
                case "/rude/silent" -> {
                    // closes without a word
                }
                case "/rude/mid-upload" -> in.readNBytes(PARTIAL);
                case "/rude/half-head" -> RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Le");
                case "/rude/mid-body" -> {
                    RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + LENGTH + "\r\n\r\n");
                    PatternBytes.write(s.getOutputStream(), PARTIAL, new AtomicLong());
                }
                case "/rude/mid-chunks" -> {
                    RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    byte[] chunk = new byte[PARTIAL];
                    PatternBytes.fill(0, chunk, 0, chunk.length);
                    RawBackend.write(s, Integer.toHexString(chunk.length) + "\r\n");
                    s.getOutputStream().write(chunk);
                    RawBackend.write(s, "\r\n");
                }
                default -> RawBackend.write(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            }
        });
        // one event loop, so one pool: the pooled connections can be counted
        proxy = TestProxies.started(NettyProxy.builder().ioThreads(1), "/", healthy.uri());
        proxy.addRoute(Route.of("/rude", rude.uri(), Map.of())).toCompletableFuture().join();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        rude.close();
        healthy.close();
    }

    private void assertTheProxyStillServes() throws IOException {
        try (RawHttp next = new RawHttp(proxy.port())) {
            assertThat(next.get("/next").body()).isEqualTo("healthy /next");
        }
        assertThat(proxy.idleUpstreamConnections()).as("only the healthy target's connection is pooled").isEqualTo(1);
    }

    @Test
    void answers503WhenTheTargetClosesBeforeTheHeaders() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            assertThat(client.get("/rude/silent").status()).isEqualTo(503);
            assertThat(client.get("/after").body()).as("same client connection").isEqualTo("healthy /after");
        }
        assertTheProxyStillServes();
    }

    @Test
    void answers503WhenTheTargetClosesHalfWayThroughTheHeaders() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            assertThat(client.get("/rude/half-head").status()).isEqualTo(503);
            assertThat(client.get("/after").body()).as("same client connection").isEqualTo("healthy /after");
        }
        assertTheProxyStillServes();
    }

    @Test
    void answers503WhenTheTargetClosesMidUploadWithoutAnswering() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("POST /rude/mid-upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + LENGTH + "\r\n\r\n");
            try {
                PatternBytes.write(client.socket.getOutputStream(), LENGTH, new AtomicLong());
            } catch (SocketException e) {
                // the proxy may answer and stop reading before the last bytes; the status says it all
            }
            assertThat(client.read(false).status()).isEqualTo(503);
        }
        assertTheProxyStillServes();
    }

    @Test
    void cutsTheClientConnectionWhenTheTargetClosesMidBody() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /rude/mid-body HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            String head = RawBackend.readHead(in);
            assertThat(head).startsWith("http/1.1 200").contains("content-length: " + LENGTH);

            CRC32 crc = new CRC32();
            long got = readUntilCut(in, crc);

            assertThat(got).as("the bytes the target sent, then the end").isEqualTo(PARTIAL);
            assertThat(crc.getValue()).isEqualTo(PatternBytes.crc(PARTIAL));
        }
        assertTheProxyStillServes();
    }

    @Test
    void cutsTheClientConnectionWhenTheTargetClosesMidChunkedBody() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /rude/mid-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            assertThat(RawBackend.readHead(in)).startsWith("http/1.1 200").contains("transfer-encoding: chunked");
            LargeTransferTest.ChunkedReader body = new LargeTransferTest.ChunkedReader(in);

            CRC32 crc = new CRC32();
            long got = readUntilCut(body, crc);

            assertThat(got).isEqualTo(PARTIAL);
            assertThat(crc.getValue()).isEqualTo(PatternBytes.crc(PARTIAL));
            assertThat(body.ended).as("no terminating chunk: the client can tell").isFalse();
        }
        assertTheProxyStillServes();
    }

    /** @return the bytes read before the connection ended (closed or reset) */
    private static long readUntilCut(InputStream in, CRC32 crc) throws IOException {
        AtomicLong count = new AtomicLong();
        try {
            PatternBytes.read(in, Long.MAX_VALUE, crc, count);
        } catch (SocketException e) {
            // reset: a cut all the same
        }
        return count.get();
    }

    @Test
    void keepsServingAfterManyEarlyCloses() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (RawHttp client = new RawHttp(proxy.port())) {
                assertThat(client.get(i % 2 == 0 ? "/rude/silent" : "/rude/half-head").status()).isEqualTo(503);
            }
        }
        assertTheProxyStillServes();
    }
}
