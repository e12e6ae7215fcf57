package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A gigabyte each way through the proxy, generated on the fly and checked by length and CRC.
 * Surefire caps the JVM (proxy included) at 256 MB of heap and 128 MB of direct memory, so a
 * proxy that buffered a body would fail; on top of that the proxy's pooled direct memory and the
 * bytes between the two ends are sampled throughout, and the receiving end pauses half way to
 * show that the sending end stalls instead of the proxy filling up.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LargeTransferTest {
    static final long GIGABYTE = 1L << 30;
    private static final long PAUSE_AT = GIGABYTE / 2;
    private static final long PAUSE_MILLIS = 1000;
    /** Socket buffers on loopback (autotuned up to tcp_rmem's 32 MB here) plus the proxy's own. */
    static final long IN_FLIGHT_LIMIT = 80L * 1024 * 1024;
    static final long PROXY_MEMORY_LIMIT = 32L * 1024 * 1024;

    private RawBackend backend;
    private NettyProxy proxy;

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(RawBackend.Conversation conversation) throws IOException {
        backend = new RawBackend(conversation);
        proxy = TestProxies.started(NettyProxy.builder(), "/big", backend.uri());
    }

    @Test
    void uploadsAGigabyteWithoutBufferingIt() throws Exception {
        AtomicLong sent = new AtomicLong();
        AtomicLong received = new AtomicLong();
        String[] forwardedHead = new String[1];
        start((s, i) -> {
            InputStream in = new BufferedInputStream(s.getInputStream(), PatternBytes.BUFFER);
            forwardedHead[0] = RawBackend.readHead(in);
            CRC32 crc = new CRC32();
            long count = PatternBytes.read(in, PAUSE_AT, crc, received);
            Thread.sleep(PAUSE_MILLIS); // the client must stall, not the proxy fill up
            count += PatternBytes.read(in, GIGABYTE - PAUSE_AT, crc, received);
            String body = count + " " + crc.getValue();
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        });

        try (Sampler sampler = new Sampler(() -> sent.get() - received.get());
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(60_000);
            OutputStream out = client.getOutputStream();
            out.write(("POST /big/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + GIGABYTE + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            PatternBytes.write(out, GIGABYTE, sent);
            RawHttp.Response res = new RawHttp(client).read(false);

            assertThat(res.status()).isEqualTo(200);
            assertThat(res.body()).as("bytes and CRC the backend received")
                    .isEqualTo(GIGABYTE + " " + PatternBytes.crc(GIGABYTE));
            assertThat(forwardedHead[0]).contains("content-length: " + GIGABYTE);
            sampler.check();
        }
    }

    @Test
    void downloadsAGigabyteChunkedWithoutBufferingIt() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicLong read = new AtomicLong();
        start((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            for (long at = 0; at < GIGABYTE; at += chunk.length) {
                PatternBytes.fill(at, chunk, 0, chunk.length);
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write('\r');
                out.write('\n');
                written.addAndGet(chunk.length);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.getInputStream().read(); // until the proxy lets go
        });

        try (Sampler sampler = new Sampler(() -> written.get() - read.get());
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(60_000);
            client.getOutputStream().write("GET /big/download HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(client.getInputStream(), PatternBytes.BUFFER);
            String head = RawBackend.readHead(in);
            assertThat(head).startsWith("http/1.1 200").contains("transfer-encoding: chunked");
            ChunkedReader body = new ChunkedReader(in);
            CRC32 crc = new CRC32();
            long count = PatternBytes.read(body, PAUSE_AT, crc, read);
            Thread.sleep(PAUSE_MILLIS); // the backend must stall, not the proxy fill up
            count += PatternBytes.read(body, Long.MAX_VALUE, crc, read);

            assertThat(count).isEqualTo(GIGABYTE);
            assertThat(body.ended).as("the terminating chunk came through").isTrue();
            assertThat(crc.getValue()).isEqualTo(PatternBytes.crc(GIGABYTE));
            sampler.check();
        }
    }

    /**
     * Samples, every 10 ms while a transfer runs, the bytes between the two ends and the direct
     * memory the proxy's (pooled) allocator holds, keeping the maxima.
     */
    static final class Sampler implements AutoCloseable {
        final AtomicLong maxInFlight = new AtomicLong();
        final AtomicLong maxProxyMemory = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;

        Sampler(LongSupplier inFlight) {
            thread = new Thread(() -> {
                while (running) {
                    maxInFlight.accumulateAndGet(inFlight.getAsLong(), Math::max);
                    maxProxyMemory.accumulateAndGet(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void check() {
            assertThat(maxInFlight.get()).as("most bytes between the two ends").isLessThan(IN_FLIGHT_LIMIT);
            assertThat(maxProxyMemory.get()).as("most pooled direct memory").isLessThan(PROXY_MEMORY_LIMIT);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(1000);
        }
    }

    /** The body of a chunked message as a stream. */
    static final class ChunkedReader extends InputStream {
        private final InputStream in;
        private long left;
        boolean ended;

        ChunkedReader(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (left == 0) {
                String size = line();
                if (size == null) {
                    return -1; // cut before the terminating chunk
                }
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (left == 0) {
                    for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                        // trailers are not used here
                    }
                    ended = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                return -1;
            }
            left -= n;
            if (left == 0) {
                line(); // the CRLF after the data
            }
            return n;
        }

        private String line() throws IOException {
            StringBuilder l = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    return null;
                }
                if (c != '\r') {
                    l.append((char) c);
                }
            }
            return l.toString();
        }
    }
}
