package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hubkit.benchmarks.ProxyBenchmark.Options;
import org.hubkit.benchmarks.ProxyBenchmark.WsClient;
import org.junit.jupiter.api.Test;

/** The proxy benchmark's WebSocket client options. */
class ProxyBenchmarkOptionsTest {

    @Test
    void theCClientIsTheDefault() {
        Options o = Options.parse(new String[0]);
        assertEquals(WsClient.C, o.wsClient);
        assertEquals(1, o.wsInflight);
        assertEquals(1, o.wsClientThreads);
        assertEquals(1, o.echoThreads);
    }

    @Test
    void readsTheWebSocketClientOptions() {
        Options o = Options.parse(new String[] {"--ws-client", "C", "--ws-inflight", "4", "--ws-client-threads", "2",
                "--echo-threads", "2", "--skip-http"});
        assertEquals(WsClient.C, o.wsClient);
        assertEquals(4, o.wsInflight);
        assertEquals(2, o.wsClientThreads);
        assertEquals(2, o.echoThreads);
        assertEquals(WsClient.JAVA, Options.parse(new String[] {"--ws-client", "java"}).wsClient);
    }

    @Test
    void rejectsWhatTheClientCannotDo() {
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--ws-client", "rust"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--ws-client"}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--ws-client", "java", "--ws-inflight", "2"}));
        assertTrue(e.getMessage().contains("C client"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Options.parse(new String[] {"--ws-client", "java", "--ws-client-threads", "2"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--ws-inflight", "0"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--ws-inflight", "5000"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--ws-size", "2000000"}));
    }

    @Test
    void theSoakOptionsStillWork() {
        Options o = Options.parse(new String[] {"--soak", "2", "--soak-interval-ms", "500"});
        assertEquals(2, o.soakMinutes);
        assertEquals(500, o.soakIntervalMillis);
        assertEquals(WsClient.C, o.wsClient);
    }

    @Test
    void usageNamesTheNewOptions() {
        for (String opt : new String[] {"--ws-client", "--ws-inflight", "--ws-client-threads", "--echo-threads"}) {
            assertTrue(Options.USAGE.contains(opt), opt);
        }
    }
}
