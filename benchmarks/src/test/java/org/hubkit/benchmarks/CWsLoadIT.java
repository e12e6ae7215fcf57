package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
