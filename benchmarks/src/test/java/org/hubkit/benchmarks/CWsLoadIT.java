package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C WebSocket client for real: compiled from the jar's source with gcc, run for 1-2 s against
 * the Netty echo server (in this JVM) on loopback. Skipped without gcc, failed without it under CI=true.
 */
class CWsLoadIT {

    @TempDir
    static Path dir;
    static Path wsload;

    @BeforeAll
    static void build() throws Exception {
        var gcc = CWsLoad.gcc();
        if (gcc.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("gcc is not on the PATH, and CI=true forbids skipping this test");
            }
            Assumptions.abort("gcc is not on the PATH");
        }
        wsload = CWsLoad.build(gcc.get(), dir);
    }

    @Test
    void shaOneBase64AndHistogramSelfTest() throws Exception {
        Run r = run(List.of(wsload.toString(), "--self-test"), 10);
        assertEquals(0, r.code, r.out);
        assertTrue(r.out.contains("HUBKIT-BENCH SELF-TEST ok"), r.out);
    }

    @Test
    void echoesThroughTheNettyEchoServer() throws Exception {
        try (WsEchoServer.Running echo = WsEchoServer.start(0, 1)) {
            String url = "ws://127.0.0.1:" + echo.port() + "/ws";
            Run r = run(CWsLoad.command(wsload, url, 8, 1, 1, 100, 1, 1), 30);
            assertEquals(0, r.code, r.out);
            assertTrue(r.out.startsWith("HUBKIT-BENCH CONNECTED open=8 failed=0\n"), r.out);
            WsLoad.Result res = WsLoad.Result.parse(r.out);
            assertTrue(res.clean(), r.out);
            assertEquals(8, res.open());
            assertEquals(1.0, res.seconds(), 0.01);
            assertTrue(res.messages() > 100, r.out);
            assertTrue(res.p50Millis() > 0 && res.p50Millis() <= res.p99Millis() && res.p99Millis() <= res.maxMillis(), r.out);
            assertTrue(res.cpuPercent() >= 0, r.out);

            // Several in flight per connection, two threads, a payload over 125 bytes (16-bit length).
            Run r2 = run(CWsLoad.command(wsload, url, 6, 1, 0, 300, 4, 2), 30);
            WsLoad.Result res2 = WsLoad.Result.parse(r2.out);
            assertEquals(0, r2.code, r2.out);
            assertTrue(res2.clean(), r2.out);
            assertEquals(6, res2.open());
        }
    }

    @Test
    void answersPingsAndReassemblesFragmentedEchoesWith64BitLengths() throws Exception {
        try (FramingEchoServer server = new FramingEchoServer()) {
            Run r = run(CWsLoad.command(wsload, "ws://127.0.0.1:" + server.port() + "/ws", 1, 1, 0, 70_000, 1, 1), 30);
            assertEquals(0, r.code, r.out);
            WsLoad.Result res = WsLoad.Result.parse(r.out);
            assertTrue(res.clean(), r.out);
            assertTrue(res.messages() > 0, r.out);
            assertTrue(server.pongs.get() >= res.messages() - 1,
                    "pongs " + server.pongs.get() + " for " + res.messages() + " echoes: " + r.out);
            assertEquals(null, server.failure, () -> "server failed: " + server.failure);
        }
    }

    @Test
    void aHandshakeThatIsNotAnUpgradeCountsAsAFailedConnect() throws Exception {
        try (WsEchoServer.Running echo = WsEchoServer.start(0, 1)) {
            Run r = run(CWsLoad.command(wsload, "ws://127.0.0.1:" + echo.port() + "/not-ws", 3, 1, 0, 32, 1, 1), 30);
            assertEquals(0, r.code, r.out);
            assertTrue(r.out.contains("first connect failure: answer 'HTTP/1.1 404 Not Found', not 101"), r.out);
            WsLoad.Result res = WsLoad.Result.parse(r.out);
            assertEquals(3, res.failedConnects());
            assertEquals(0, res.messages());
            assertTrue(!res.clean());
        }
    }

    @Test
    void onlyLoopback() throws Exception {
        for (String url : List.of("ws://10.1.2.3:80/ws", "ws://example.org:80/ws", "wss://127.0.0.1:443/ws", "ws://[2001:db8::1]:80/ws")) {
            Run r = run(List.of(wsload.toString(), "--url", url, "--seconds", "1"), 10);
            assertEquals(2, r.code, url + ": " + r.out);
        }
    }

    private record Run(int code, String out) {
    }

    /**
     * A WebSocket echo server written frame by frame, for the frames the Netty echo server never
     * sends: before each echo a ping, then the echo in two fragments, a text frame of at most 100
     * bytes and a final continuation, which has a 64-bit length when it is over 65,535 bytes.
     * One connection, one thread; counts the pongs it gets.
     */
    private static final class FramingEchoServer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final AtomicInteger pongs = new AtomicInteger();
        volatile Exception failure;

        FramingEchoServer() throws IOException {
            Thread t = new Thread(this::serve, "framing-echo");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                OutputStream out = new BufferedOutputStream(s.getOutputStream());
                String key = null;
                for (String line = headerLine(in); !line.isEmpty(); line = headerLine(in)) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                        key = line.substring("sec-websocket-key:".length()).trim();
                    }
                }
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                while (true) {
                    int b0 = in.readUnsignedByte();
                    int b1 = in.readUnsignedByte();
                    long len = b1 & 0x7f;
                    if (len == 126) {
                        len = in.readUnsignedShort();
                    } else if (len == 127) {
                        len = in.readLong();
                    }
                    byte[] mask = new byte[4];
                    if ((b1 & 0x80) != 0) {
                        in.readFully(mask);
                    }
                    byte[] payload = new byte[Math.toIntExact(len)];
                    in.readFully(payload);
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                    int op = b0 & 0x0f;
                    if (op == 8) {
                        frame(out, 0x88, payload, 0, payload.length);
                        out.flush();
                        return;
                    }
                    if (op == 10) {
                        pongs.incrementAndGet();
                        continue;
                    }
                    frame(out, 0x89, new byte[] {'p'}, 0, 1);
                    int first = Math.min(100, payload.length);
                    frame(out, 0x01, payload, 0, first);
                    frame(out, 0x80, payload, first, payload.length - first);
                    out.flush();
                }
            } catch (EOFException | SocketException e) {
                // the client has gone
            } catch (Exception e) {
                failure = e;
            }
        }

        private static String headerLine(DataInputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("handshake cut short");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        private static void frame(OutputStream out, int first, byte[] p, int off, int len) throws IOException {
            out.write(first);
            if (len < 126) {
                out.write(len);
            } else if (len <= 0xffff) {
                out.write(126);
                out.write(len >>> 8);
                out.write(len);
            } else {
                out.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    out.write((int) ((long) len >>> shift));
                }
            }
            out.write(p, off, len);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static Run run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            // The client exits by itself; this is a second bound.
            Thread killer = new Thread(() -> {
                try {
                    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException ignored) {
                    p.destroyForcibly();
                }
            });
            killer.setDaemon(true);
            killer.start();
            out = in.readAllBytes();
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("wsload did not exit within " + timeoutSeconds + " s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
