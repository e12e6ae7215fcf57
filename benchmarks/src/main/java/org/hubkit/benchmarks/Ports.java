package org.hubkit.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** The loopback ports of one run's processes: each one free when handed out, and handed out once. */
final class Ports {

    private final Set<Integer> handedOut = new HashSet<>();

    /** A loopback port nothing listens on now, never one handed out before by this instance. */
    synchronized int free() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                int port = s.getLocalPort();
                if (handedOut.add(port)) {
                    return port;
                }
            }
        }
        throw new IOException("no free loopback port");
    }
}
