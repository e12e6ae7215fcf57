package org.hubkit.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.hubkit.testkit.RealComponents;

/**
 * The Docker engine the ITs run against, and what they need of it: a client, the local test
 * images, a test-unique hub id, and removal of everything labelled with it. A test without an
 * engine or without the images is skipped, and fails under {@code CI=true}.
 */
final class TestEngine {
    static final String IMAGE = "hubkit/singleuser:test";
    static final String ALT_IMAGE = "hubkit/singleuser:alt";
    static final String HOST = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
    private static DockerClient client;

    private TestEngine() {
    }

    /** @return a client of the engine; ends the test (skip, or fail under CI) when there is none or the test images are missing */
    static synchronized DockerClient require() {
        if (client == null) {
            DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(HOST).build();
            DockerClient c = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                    .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(3)).build());
            try {
                c.pingCmd().exec();
            } catch (RuntimeException e) {
                RealComponents.missing("a Docker engine at " + HOST + " (scripts/start-docker.sh)");
            }
            for (String image : List.of(IMAGE, ALT_IMAGE)) {
                try {
                    c.inspectImageCmd(image).exec();
                } catch (NotFoundException e) {
                    RealComponents.missing("the image " + image + " (scripts/build-images.sh)");
                }
            }
            client = c;
        }
        return client;
    }

    /** @return a hub id no other test run uses, {@code it-xxxxxxxx} */
    static String uniqueHubId() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return "it-" + HexFormat.of().formatHex(b);
    }

    /** @return the IPv4 gateway of a network */
    static String gateway(String network) {
        return DockerSpawner.gatewayOf(require().inspectNetworkCmd().withNetworkId(network).exec());
    }

    /** What a command run in a container printed, and its exit code. */
    record Exec(long exitCode, String output) {
    }

    /** Runs a command in a running container and waits for it. */
    static Exec exec(String container, String... cmd) throws InterruptedException {
        DockerClient c = require();
        String id = c.execCreateCmd(container).withCmd(cmd).withAttachStdout(true).withAttachStderr(true).exec().getId();
        StringBuilder out = new StringBuilder();
        c.execStartCmd(id).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Frame>() {
            @Override
            public void onNext(com.github.dockerjava.api.model.Frame frame) {
                synchronized (out) {
                    out.append(new String(frame.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }).awaitCompletion(60, java.util.concurrent.TimeUnit.SECONDS);
        Long code = c.inspectExecCmd(id).exec().getExitCodeLong();
        synchronized (out) {
            return new Exec(code == null ? -1 : code, out.toString());
        }
    }

    /** Removes every container, volume and network labelled with this hub id. */
    static void removeAll(String hubId) {
        DockerClient c = require();
        Map<String, String> label = Map.of(DockerSpawner.LABEL_HUB, hubId);
        for (Container container : c.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()) {
            try {
                c.removeContainerCmd(container.getId()).withForce(true).exec();
            } catch (NotFoundException gone) {
                // removed meanwhile
            }
        }
        var volumes = c.listVolumesCmd().withFilter("label", List.of(DockerSpawner.LABEL_HUB + "=" + hubId)).exec().getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> c.removeVolumeCmd(v.getName()).exec());
        }
        c.listNetworksCmd().withFilter("label", List.of(DockerSpawner.LABEL_HUB + "=" + hubId)).exec()
                .forEach(n -> c.removeNetworkCmd(n.getId()).exec());
    }
}
