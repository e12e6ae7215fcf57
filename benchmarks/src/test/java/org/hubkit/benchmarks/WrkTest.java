package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The benchmark's reading of wrk's summary (text as printed by Debian's wrk 4.1.0). */
class WrkTest {

    @Test
    void readsRateLatencyAndErrors() throws IOException {
        String out = """
                Running 15s test @ http://127.0.0.1:40000/hub/api/users/bench-user
                  2 threads and 32 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency    73.80ms    6.66ms 109.16ms   95.59%
                    Req/Sec   216.18     48.99   313.00     52.00%
                  Latency Distribution
                     50%   72.91ms
                     75%   74.10ms
                     90%   76.02ms
                     99%    1.02s
                  6454 requests in 15.00s, 5.76MB read
                  Socket errors: connect 0, read 2, write 0, timeout 1
                  Non-2xx or 3xx responses: 5
                Requests/sec:    430.46
                Transfer/sec:    393.88KB
                """;
        Wrk.Result r = Wrk.parse(out);
        assertEquals(430.46, r.requestsPerSecond(), 1e-9);
        assertEquals(6454, r.requests());
        assertEquals(5, r.non2xx3xx());
        assertEquals(3, r.socketErrors());
        assertEquals(73.80, r.latencyMillis(), 1e-9);
        assertEquals(72.91, r.p50Millis(), 1e-9);
        assertEquals(1020.0, r.p99Millis(), 1e-9);
        assertFalse(r.clean());
    }

    @Test
    void cleanRunInMicroseconds() throws IOException {
        Wrk.Result r = Wrk.parse("""
                    Latency   612.00us  100.00us   2.00ms   90.00%
                  100 requests in 1.00s, 1.00KB read
                Requests/sec:  52000.10
                """);
        assertEquals(0.612, r.latencyMillis(), 1e-9);
        assertEquals(-1, r.p50Millis());
        assertTrue(r.clean());
    }

    @Test
    void noRateIsAnError() {
        assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused"));
    }
}
