package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that reads a download slowly slows the target down, through the proxy: the proxy
 * stops reading from the target while the client is behind, so it never holds more than a
 * read's worth of the body, whatever the client's pace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {
    private static final long SIZE = 50L * 1024 * 1024;
    private static final int SLOW_READ = 32 * 1024;
    private static final long SLOW_PAUSE_MILLIS = 20;
    private static final long SLOW_FOR_MILLIS = 3000;
    /**
     * What may sit between the target and a slow reader: the target's send buffer, the proxy's
     * two socket buffers (the kernel's, autotuned), the proxy's own few hundred kB, the client's
     * 64 kB receive buffer; about 10 MB measured on loopback. A proxy that kept reading would let
     * the whole 50 MB through.
     */
    private static final long IN_FLIGHT_LIMIT = 24L * 1024 * 1024;
    private static final long PROXY_MEMORY_LIMIT = 32L * 1024 * 1024;

    private RawBackend backend;
    private NettyProxy proxy;
    private final AtomicLong written = new AtomicLong();

    @BeforeEach
    void start() throws IOException {
        backend = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + SIZE + "\r\n\r\n");
            PatternBytes.write(s.getOutputStream(), SIZE, written);
            s.getInputStream().read(); // until the proxy lets go
        });
        proxy = TestProxies.started(NettyProxy.builder(), "/", backend.uri());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        backend.close();
    }

    @Test
    void aSlowReaderStallsTheTargetInsteadOfFillingTheProxy() throws Exception {
        AtomicLong read = new AtomicLong();
        long maxInFlight = 0;
        long maxProxyMemory = 0;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024); // before connecting, so the window stays small
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            String head = RawBackend.readHead(in);
            assertThat(head).startsWith("http/1.1 200").contains("content-length: " + SIZE);

            CRC32 crc = new CRC32();
            long slowUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SLOW_FOR_MILLIS);
            while (System.nanoTime() < slowUntil && read.get() < SIZE) {
                PatternBytes.read(in, Math.min(SLOW_READ, SIZE - read.get()), crc, read);
                maxInFlight = Math.max(maxInFlight, written.get() - read.get());
                maxProxyMemory = Math.max(maxProxyMemory, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
                Thread.sleep(SLOW_PAUSE_MILLIS);
            }
            long readSlowly = read.get();
            long writtenMeanwhile = written.get();
            PatternBytes.read(in, SIZE - read.get(), crc, read);

            assertThat(readSlowly).as("the slow phase was slow").isPositive().isLessThan(SIZE / 4);
            assertThat(writtenMeanwhile).as("the target was held back").isLessThan(SIZE);
            assertThat(maxInFlight).as("most bytes between target and client").isLessThan(IN_FLIGHT_LIMIT);
            assertThat(maxProxyMemory).as("most pooled direct memory").isLessThan(PROXY_MEMORY_LIMIT);
            assertThat(read.get()).isEqualTo(SIZE);
            assertThat(crc.getValue()).isEqualTo(PatternBytes.crc(SIZE));
        }
    }
}
