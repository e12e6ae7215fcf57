package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.SpawnResult;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@code internalNetwork}: code in alice's container reaches the hub's port at the network's
 * gateway, and neither a listener on the host (at that gateway or at docker0's address) nor a
 * container on the default bridge. The listener container, and a control showing that the host
 * listener is reachable from the default bridge, use Testcontainers with the local image.
 */
class InternalNetworkIT {
    private static final String HUB = TestEngine.uniqueHubId();
    private static final String CONNECT = String.join("\n",
            "import socket, sys",
            "try:",
            "    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)",
            "    print('connected', s.recv(16).decode())",
            "except Exception as e:",
            "    print('failed', e)",
            "    sys.exit(1)");
    private static ServerSocket hub;
    private static ServerSocket host;
    private static GenericContainer<?> listener;
    private static DockerSpawner spawner;

    @BeforeAll
    static void listeners() throws IOException {
        TestEngine.require();
        if (!"root".equals(System.getProperty("user.name"))) {
            RealComponents.missing("root, to install the host filter of an internal network");
        }
        hub = answering("HUB");
        host = answering("HOST");
        listener = new GenericContainer<>(DockerImageName.parse(TestEngine.IMAGE)).withImagePullPolicy(image -> false)
                .withCommand("python3", "-m", "http.server", "8000").withLabel(DockerSpawner.LABEL_HUB, HUB);
        listener.start();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (spawner != null) {
            List<String> names = spawner.firewallNames();
            spawner.close();
            TestEngine.removeAll(HUB);
            iptables("-D", "INPUT", "-i", names.get(0), "-j", names.get(1));
            iptables("-F", names.get(1));
            iptables("-X", names.get(1));
        }
        if (listener != null) {
            listener.stop();
        }
        for (ServerSocket s : new ServerSocket[] {hub, host}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void herContainerReachesTheHubAndNothingElse() throws Exception {
        spawner = DockerSpawner.builder().image(TestEngine.IMAGE).hubId(HUB).nameTemplate(HUB + "-{username}")
                .networkName(HUB + "-net").internalNetwork(true).cmd(Spawns.HTTP_SERVER)
                .pullPolicy(DockerSpawner.PullPolicy.NEVER).volumes(DockerVolumes.none()).build();
        String gateway = spawner.hubListenAddresses().get(0);
        SpawnResult alice = spawner.start(Spawns.request(org.hubkit.api.ServerId.defaultServer("alice"), java.util.Set.of(),
                java.util.Map.of(), List.of(), org.hubkit.api.SpawnerState.EMPTY, hub.getLocalPort()), new Spawns.Recorder())
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
        String cid = alice.state().get("containerId").orElseThrow();
        Spawns.awaitHttp(alice.url(), Duration.ofSeconds(30)); // the hub reaches her server

        String env = TestEngine.exec(cid, "printenv", "JUPYTERHUB_API_URL").output().strip();
        assertThat(env).isEqualTo("http://" + gateway + ":" + hub.getLocalPort() + "/hub/api");
        assertThat(connect(cid, gateway, hub.getLocalPort())).as("the hub's port at the gateway").contains("connected HUB");

        String docker0 = TestEngine.gateway("bridge");
        String listenerIp = listener.getContainerInfo().getNetworkSettings().getNetworks().get("bridge").getIpAddress();
        assertThat(connect(listener.getContainerId(), docker0, host.getLocalPort()))
                .as("control: from the default bridge the host listener answers").contains("connected HOST");
        assertThat(connect(cid, gateway, host.getLocalPort())).as("a host listener at the gateway").startsWith("failed");
        assertThat(connect(cid, docker0, host.getLocalPort())).as("a host listener at docker0's address").startsWith("failed");
        assertThat(connect(cid, listenerIp, 8000)).as("a container on the default bridge").startsWith("failed");
    }

    private static String connect(String container, String ip, int port) throws InterruptedException {
        return TestEngine.exec(container, "python3", "-c", CONNECT, ip, String.valueOf(port)).output();
    }

    /** A listener on every address that greets each connection with {@code word}. */
    private static ServerSocket answering(String word) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept(); OutputStream out = c.getOutputStream()) {
                    out.write(word.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // closed
                }
            }
        }, "listener-" + word);
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static void iptables(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("iptables", "-w"));
        cmd.addAll(List.of(args));
        new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    }
}
