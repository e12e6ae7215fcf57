package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bodies far larger than anything the proxy may hold. Surefire runs with a 256 MB heap and
 * 128 MB of direct memory, so a proxy that aggregated a body would fail; the pauses check that
 * a stalled reader stalls the writer on the far side instead of filling the proxy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamingTest {
    private static final long SIZE = 200L * 1024 * 1024;
    private static final long PAUSE_MILLIS = 1000;
    /** What may sit in socket buffers and the JDK client and server while a reader pauses. */
    private static final long IN_FLIGHT_LIMIT = 48L * 1024 * 1024;
    private static final long PROXY_MEMORY_LIMIT = 32L * 1024 * 1024;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Backend backend;
    private NettyProxy proxy;

    @BeforeEach
    void start() throws IOException {
        backend = Backend.start("files");
        proxy = TestProxies.started(NettyProxy.builder(), "/user/alice", backend.uri());
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void streamsALargeUploadWithBackpressure() throws Exception {
        Pattern source = new Pattern(SIZE);
        AtomicLong producedDuringPause = new AtomicLong(-1);
        AtomicLong proxyMemoryDuringPause = new AtomicLong(-1);
        backend.handle("/user/alice/upload", exchange -> {
            sleep(PAUSE_MILLIS); // the proxy must stop reading from the client meanwhile
            producedDuringPause.set(source.produced.get());
            proxyMemoryDuringPause.set(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
            CRC32 crc = new CRC32();
            long count = 0;
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = exchange.getRequestBody()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    crc.update(buf, 0, n);
                    count += n;
                }
            }
            byte[] body = (count + " " + crc.getValue()).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });

        HttpResponse<String> res = http.send(HttpRequest.newBuilder(proxyUri("/user/alice/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> source)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo(SIZE + " " + Pattern.crc(SIZE));
        assertThat(backend.last().header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(producedDuringPause.get()).isLessThan(IN_FLIGHT_LIMIT);
        assertThat(proxyMemoryDuringPause.get()).isLessThan(PROXY_MEMORY_LIMIT);
    }

    @Test
    void streamsALargeDownloadWithBackpressure() throws Exception {
        AtomicLong written = new AtomicLong();
        backend.handle("/user/alice/download", exchange -> {
            exchange.sendResponseHeaders(200, SIZE);
            try (OutputStream out = exchange.getResponseBody(); Pattern source = new Pattern(SIZE)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = source.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    written.addAndGet(n);
                }
            }
        });

        HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(proxyUri("/user/alice/download")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValueAsLong("content-length")).hasValue(SIZE);
        sleep(PAUSE_MILLIS); // the proxy must stop reading from the backend meanwhile
        long writtenDuringPause = written.get();
        long proxyMemoryDuringPause = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

        CRC32 crc = new CRC32();
        long count = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = res.body()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
                count += n;
            }
        }

        assertThat(count).isEqualTo(SIZE);
        assertThat(crc.getValue()).isEqualTo(Pattern.crc(SIZE));
        assertThat(writtenDuringPause).isLessThan(IN_FLIGHT_LIMIT);
        assertThat(proxyMemoryDuringPause).isLessThan(PROXY_MEMORY_LIMIT);
    }

    private URI proxyUri(String path) {
        return URI.create("http://127.0.0.1:" + proxy.port() + path);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A deterministic byte stream generated on the fly, counting what has been read from it. */
    static final class Pattern extends InputStream {
        final AtomicLong produced = new AtomicLong();
        private final long size;

        Pattern(long size) {
            this.size = size;
        }

        static byte at(long i) {
            return (byte) (i * 31 + (i >>> 12));
        }

        static long crc(long size) {
            CRC32 crc = new CRC32();
            byte[] buf = new byte[64 * 1024];
            for (long i = 0; i < size; ) {
                int n = (int) Math.min(buf.length, size - i);
                for (int j = 0; j < n; j++) {
                    buf[j] = at(i + j);
                }
                crc.update(buf, 0, n);
                i += n;
            }
            return crc.getValue();
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long start = produced.get();
            if (start >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - start);
            for (int j = 0; j < n; j++) {
                b[off + j] = at(start + j);
            }
            produced.addAndGet(n);
            return n;
        }
    }
}
