package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The WebSocket client's RESULT line, as printed and as read back by the benchmark. */
class WsLoadTest {

    @Test
    void resultLineRoundTrips() throws IOException {
        WsLoad.Result r = new WsLoad.Result(64, 0, 450000, 10.0, 45000.0, 1.25, 5.5, 30.125, 0, 0, 0, 0, 57.5);
        String output = "HUBKIT-BENCH CONNECTED open=64 failed=0\nsome other line\n" + r.line() + "\n";
        WsLoad.Result back = WsLoad.Result.parse(output);
        assertEquals(r, back);
        assertTrue(back.clean());
    }

    @Test
    void anyFailedEchoMakesItUnclean() throws IOException {
        WsLoad.Result r = WsLoad.Result.parse(
                "HUBKIT-BENCH RESULT open=999 failed=1 messages=10 seconds=1.000 rate=10.0 p50=0.100 p99=0.200"
                        + " max=0.300 mismatches=0 timeouts=2 closed=0 senderrors=0");
        assertEquals(999, r.open());
        assertEquals(1, r.failedConnects());
        assertEquals(2, r.timeouts());
        assertEquals(-1.0, r.cpuPercent());
        assertFalse(r.clean());
        assertEquals("failed connects 1, closed early 0, send errors 0, timeouts 2, mismatches 0", r.errorSummary());
    }

    @Test
    void readsTheCClientsLine() throws IOException {
        // As src/main/c/wsload.c prints it, after its CONNECTED line.
        WsLoad.Result r = WsLoad.Result.parse("HUBKIT-BENCH CONNECTED open=64 failed=0\n"
                + "HUBKIT-BENCH RESULT open=64 failed=0 messages=417458 seconds=5.000 rate=83491.6 p50=0.647 p99=1.212"
                + " max=3.830 mismatches=0 timeouts=0 closed=0 senderrors=0 cpu=58.5");
        assertEquals(new WsLoad.Result(64, 0, 417458, 5.0, 83491.6, 0.647, 1.212, 3.83, 0, 0, 0, 0, 58.5), r);
        assertTrue(r.clean());
    }

    @Test
    void noResultLineIsAnError() {
        assertThrows(IOException.class, () -> WsLoad.Result.parse("HUBKIT-BENCH ABORT time limit of 72 s reached"));
    }

    @Test
    void nearestRankPercentile() {
        long[] ms = new long[100];
        for (int i = 0; i < 100; i++) {
            ms[i] = (i + 1) * 1_000_000L;
        }
        assertEquals(50.0, WsLoad.percentile(ms, 0.50));
        assertEquals(99.0, WsLoad.percentile(ms, 0.99));
        assertEquals(-1.0, WsLoad.percentile(new long[0], 0.99));
        assertEquals(7.0, WsLoad.percentile(new long[] {7_000_000L}, 0.99));
    }
}
