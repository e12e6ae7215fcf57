package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.json;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code concurrentSpawnLimit} and {@code activeServerLimit}: 429 with Retry-After, as JupyterHub. */
@Timeout(60)
class SpawnLimitsTest {
    @TempDir
    Path dir;

    @Test
    void concurrentSpawnLimitAnswers429WithRetryAfterWhileASpawnIsPending() throws Exception {
        try (TestHub hub = TestHub.start(dir.resolve("concurrent"), b -> b.concurrentSpawnLimit(1))) {
            hub.ensureUser("slowpoke", false);
            hub.ensureUser("waiting", false);
            assertThat(hub.admin("POST", "/users/slowpoke/server", null).statusCode()).isEqualTo(202);

            HttpResponse<String> refused = hub.admin("POST", "/users/waiting/server", null);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
            assertThat(json(refused)).containsEntry("status", 429);
            assertThat(hub.user("waiting")).containsEntry("pending", null).containsEntry("server", null);

            hub.openGate("slowpoke");
            hub.awaitReady("slowpoke");
            HttpResponse<String> later = hub.admin("POST", "/users/waiting/server", null);
            assertThat(later.statusCode()).as("the limit counts pending spawns only: " + later.body()).isEqualTo(201);
        }
    }

    @Test
    void activeServerLimitAnswers429ForAnotherUsersServer() throws Exception {
        try (TestHub hub = TestHub.start(dir.resolve("active"), b -> b.activeServerLimit(1))) {
            assertThat(hub.startServer("first")).isEqualTo(201);
            hub.ensureUser("second", false);

            HttpResponse<String> refused = hub.admin("POST", "/users/second/server", null);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(json(refused).get("message").toString()).contains("Active user limit");
            assertThat(hub.user("second")).containsEntry("server", null).containsEntry("pending", null);

            assertThat(hub.admin("DELETE", "/users/first/server", null).statusCode()).isEqualTo(204);
            hub.awaitNoServer("first");
            HttpResponse<String> now = hub.admin("POST", "/users/second/server", null);
            assertThat(now.statusCode()).as(now.body()).isEqualTo(201);
        }
    }
}
