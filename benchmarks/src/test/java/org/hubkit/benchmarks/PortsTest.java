package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The loopback ports one run hands out to its processes. */
class PortsTest {

    @Test
    void neverHandsOutAPortTwice() throws IOException {
        Ports ports = new Ports();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = ports.free();
            assertTrue(seen.add(port), "port " + port + " handed out twice");
        }
    }

    @Test
    void handsOutAFreeLoopbackPort() throws IOException {
        int port = new Ports().free();
        assertTrue(port > 0 && port < 65536);
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, s.getLocalPort());
        }
    }
}
