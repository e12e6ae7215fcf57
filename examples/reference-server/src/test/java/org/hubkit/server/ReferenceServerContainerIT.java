package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import org.hubkit.testkit.ReferenceServerContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * hub-testkit's {@link ReferenceServerContainer} with the jar this module builds, on the local
 * Java image ({@code hubkit/java:test}, scripts/build-images.sh): the hub answers at its published
 * port, the configuration's admin token works, and a user logs in through the login form.
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
}
