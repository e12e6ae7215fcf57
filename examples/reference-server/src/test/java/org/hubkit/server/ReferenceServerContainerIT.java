package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import org.hubkit.testkit.ReferenceServerContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Network;

/**
 * hub-testkit's {@link ReferenceServerContainer} with the jar this module builds, on the local
 * Java image ({@code hubkit/java:test}, scripts/build-images.sh): the hub answers at its published
 * port, the configuration's admin token works, and a user logs in through the login form; with the
 * engine's socket and a network of the test's, the hub in its container starts a user's container
 * on that network and proxies to it.
 */
class ReferenceServerContainerIT {
    /** The Java runtime image scripts/build-images.sh makes from Debian's openjdk-17-jre-headless. */
    static final String JAVA_IMAGE = "hubkit/java:test";

    /** @return the shaded jar of this module ({@code hubkit.server.jar}, set by failsafe) */
    static Path serverJar() {
        return Path.of(System.getProperty("hubkit.server.jar", "target/hubkit-server.jar"));
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theHubInAContainerAnswersAndLogsAUserIn() throws Exception {
        RealComponents.dockerImages(JAVA_IMAGE);
        String token = "it-admin-" + UUID.randomUUID();
        String password = "pw-" + UUID.randomUUID();
        try (ReferenceServerContainer hub = ReferenceServerContainer.onJavaImage(JAVA_IMAGE, serverJar())
                .withConfiguration(String.join("\n",
                        "proxy: {ip: 0.0.0.0, port: 8000}",
                        "auth: {type: dummy, password: " + password + "}",
                        "spawner: {isolation: none}   # nothing is spawned here; the image has no useradd",
                        "services:",
                        "  - {name: it-admin, apiToken: " + token + ", admin: true}",
                        ""))) {
            hub.start();
            assertThat(hub.adminToken()).contains(token);
            HubClient client = hub.client();

            HttpResponse<String> version = client.get("/hub/api/", null);
            assertThat(version.statusCode()).isEqualTo(200);
            assertThat(version.body()).contains("\"version\"");

            HttpResponse<String> info = client.api("GET", "/info", token, null);
            assertThat(info.statusCode()).as(info.body()).isEqualTo(200);

            String session = client.login("alice", password);
            HttpResponse<String> home = client.get("/hub/home", session);
            assertThat(home.statusCode()).as(home.headers().toString()).isEqualTo(200);
            assertThat(home.body()).contains("alice");

            HttpResponse<String> alice = client.api("GET", "/users/alice", token, null);
            assertThat(alice.statusCode()).as("the login made the user: %s", alice.body()).isEqualTo(200);
            assertThat(hub.getLogs()).contains("Hub");
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void withTheSocketAndANetworkTheHubStartsAContainerForAliceAndProxiesToIt() throws Exception {
        RealComponents.dockerImages(JAVA_IMAGE, "hubkit/singleuser:test");
        String name = "hubkit-it-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "it-admin-" + UUID.randomUUID();
        DockerClient docker = DockerClientFactory.instance().client();
        try (Network network = Network.builder().createNetworkCmdModifier(c -> c.withName(name)).build();
             ReferenceServerContainer hub = ReferenceServerContainer.onJavaImage(JAVA_IMAGE, serverJar())
                     .withDockerSocket()
                     .withNetwork(network)
                     .withNetworkAliases("hub")
                     .withConfiguration(String.join("\n",
                             "hub: {ip: 0.0.0.0, port: 8081, connectUrl: 'http://hub:8081'}",
                             "proxy: {ip: 0.0.0.0, port: 8000}",
                             "auth: {type: dummy}",
                             "spawner:",
                             "  type: docker",
                             "  image: hubkit/singleuser:test",
                             "  pullPolicy: never",
                             "  remove: true",
                             "  networkName: " + name,
                             "  nameTemplate: " + name + "-{username}",
                             "  hubId: " + name,
                             "  volumes: {}   # no storage: nor may the hub add a home of its own machine (a regression)",
                             "services:",
                             "  - {name: it-admin, apiToken: " + token + ", admin: true}",
                             ""))) {
            try {
                network.getId(); // created now, before the hub joins it
                hub.start();
                HubClient client = hub.client();
                assertThat(client.api("POST", "/users/alice", token, null).statusCode()).isEqualTo(201);
                HttpResponse<String> spawn = client.api("POST", "/users/alice/server", token, null);
                assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
                Map<String, Object> server = client.awaitServerReady("alice", token, Duration.ofMinutes(2));
                assertThat(server.get("url")).isEqualTo("/user/alice/");
                List<Container> alices = docker.listContainersCmd().withNameFilter(List.of(name + "-alice")).exec();
                assertThat(alices).singleElement().satisfies(c ->
                        assertThat(c.getNetworkSettings().getNetworks()).containsOnlyKeys(name));
                // The reference server's per-user directory is the local spawner's storage only: a path
                // under the hub container's data directory means nothing to the engine.
                assertThat(docker.inspectContainerCmd(alices.get(0).getId()).exec().getMounts()).isNullOrEmpty();

                String alicesToken = client.createToken("alice", token);
                HttpResponse<String> status = client.get("/user/alice/api/status", alicesToken);
                assertThat(status.statusCode()).as("alice's server through the hub container's proxy: %s", status.body())
                        .isEqualTo(200);

                HttpResponse<String> stop = client.api("DELETE", "/users/alice/server", token, null);
                assertThat(stop.statusCode()).as(stop.body()).isIn(202, 204);
            } finally {
                // Whatever the hub started on this network goes before the network does.
                hub.stop();
                for (Container c : docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(name + "-")).exec()) {
                    docker.removeContainerCmd(c.getId()).withForce(true).exec();
                }
                docker.listVolumesCmd().exec().getVolumes().stream().filter(v -> v.getName().startsWith(name))
                        .forEach(v -> docker.removeVolumeCmd(v.getName()).exec());
            }
        }
    }
}
