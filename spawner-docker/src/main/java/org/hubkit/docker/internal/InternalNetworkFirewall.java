package org.hubkit.docker.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts containers on an internal network off from the Docker host, the hub's port excepted.
 *
 * <p>An {@code --internal} network stops forwarding (no route out, no other container network),
 * but the host itself still accepts connections from it at the network's gateway address and at
 * its other addresses: its INPUT chain is open. So on that network's bridge (given a fixed name at
 * creation) this class installs, in a chain of its own jumped to from INPUT: accept established
 * connections, accept TCP to the hub's port at the gateway, drop the rest. It can only do so where
 * the hub runs on the Docker host as root with {@code iptables}; elsewhere it logs once, loudly,
 * what the containers can reach.
 *
 * <p>Thread-safe: {@link #ensure} is synchronized and idempotent (re-written only when the port changes).
 */
public final class InternalNetworkFirewall {
    private static final Logger LOG = LoggerFactory.getLogger(InternalNetworkFirewall.class);

    private final String network;
    private final String bridge;
    private final String chain;
    private final boolean localEngine;
    private String installedFor;
    private boolean warned;

    /**
     * @param network the network's name, for messages
     * @param bridge the bridge interface's name
     * @param chain the iptables chain's name
     * @param localEngine whether the engine runs on this machine (a unix socket)
     */
    public InternalNetworkFirewall(String network, String bridge, String chain, boolean localEngine) {
        this.network = network;
        this.bridge = bridge;
        this.chain = chain;
        this.localEngine = localEngine;
    }

    /**
     * @param gateway the network's gateway address, where the hub listens
     * @param hubPort the hub's port
     * @return whether the filter is in place
     */
    public synchronized boolean ensure(String gateway, int hubPort) {
        String key = gateway + ":" + hubPort;
        if (key.equals(installedFor)) {
            return true;
        }
        String why = unavailable();
        if (why == null) {
            try {
                run(false, "-N", chain);
                run(true, "-F", chain);
                run(true, "-A", chain, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
                run(true, "-A", chain, "-p", "tcp", "-d", gateway, "--dport", String.valueOf(hubPort), "-j", "ACCEPT");
                run(true, "-A", chain, "-j", "DROP");
                if (!run(false, "-C", "INPUT", "-i", bridge, "-j", chain)) {
                    run(true, "-I", "INPUT", "1", "-i", bridge, "-j", chain);
                }
                installedFor = key;
                LOG.info("Internal network {}: the Docker host accepts only TCP to {} from its bridge {} (iptables chain {})",
                        network, key, bridge, chain);
                return true;
            } catch (IOException e) {
                why = e.getMessage();
            }
        }
        if (!warned) {
            warned = true;
            LOG.warn("Internal network {}: containers on it cannot reach other networks, but CAN connect to every port the "
                    + "Docker host listens on, at {} and its other addresses; the host filter was not installed: {}. Install an "
                    + "INPUT rule for bridge {} by hand (see spawner-docker's README)", network, gateway, why, bridge);
        }
        return false;
    }

    /** @return why the filter cannot be installed from here, or null */
    private String unavailable() {
        if (!localEngine) {
            return "the Docker engine is not on this machine";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the hub does not run as root";
        }
        if (iptables() == null) {
            return "iptables is not installed";
        }
        return null;
    }

    private static String iptables() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "iptables"))) {
                return dir + "/iptables";
            }
        }
        return null;
    }

    private static boolean run(boolean mustSucceed, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(iptables(), "-w"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("iptables " + String.join(" ", args) + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0 && mustSucceed) {
            throw new IOException("iptables " + String.join(" ", args) + " failed: " + out);
        }
        return p.exitValue() == 0;
    }
}
