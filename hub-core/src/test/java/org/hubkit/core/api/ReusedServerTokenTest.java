package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.core.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spawner that starts a kept server again (a stopped container, whose environment cannot change)
 * returns the API token that server was created with ({@link SpawnResult#apiToken()}); the hub makes
 * it the server's token again, with the server's scopes only, and drops the one it had just made. A
 * token the hub already uses for something else is refused, and the spawn fails.
 */
@Timeout(90)
class ReusedServerTokenTest {
    /** The local test server, reporting that it runs with {@code reused} rather than the token it was given. */
    static final class ReusingSpawner extends DelegatingSpawner {
        final AtomicReference<String> reused = new AtomicReference<>();
        final AtomicReference<String> given = new AtomicReference<>();

        ReusingSpawner(Spawner inner) {
            super(inner);
        }

        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            given.set(request.environment().get("JUPYTERHUB_API_TOKEN"));
            return inner.start(request, context).thenApply(r -> r.withReusedApiToken(reused.get()));
        }

    }

    @Test
    void theReusedTokenBecomesTheServersOwnAndTheNewOneIsDropped(@TempDir Path dir) throws Exception {
        ReusingSpawner spawner = spawner(dir);
        try (TestHub hub = TestHub.start(dir, b -> b.spawner(spawner))) {
            String kept = Secrets.newToken();
            spawner.reused.set(kept);
            assertThat(hub.startServer("keeper")).isIn(201, 202);

            HttpResponse<String> asServer = hub.api("GET", "/user", kept, null);
            assertThat(asServer.statusCode()).as(asServer.body()).isEqualTo(200);
            assertThat(TestHub.json(asServer).get("name")).isEqualTo("keeper");
            assertThat(TestHub.list(TestHub.json(asServer).get("scopes")))
                    .contains("access:servers!server=keeper/").doesNotContain("admin:users", "servers");
            assertThat(hub.api("GET", "/user", spawner.given.get(), null).statusCode())
                    .as("the token made for this start, unused").isEqualTo(403);

            // Stopped: the token goes with the server, as every server token does.
            assertThat(hub.admin("DELETE", "/users/keeper/server", null).statusCode()).isIn(202, 204);
            hub.awaitNoServer("keeper");
            assertThat(hub.api("GET", "/user", kept, null).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void aTokenTheHubUsesForSomethingElseIsRefusedAndTheSpawnFails(@TempDir Path dir) throws Exception {
        ReusingSpawner spawner = spawner(dir);
        try (TestHub hub = TestHub.start(dir, b -> b.spawner(spawner))) {
            spawner.reused.set(hub.adminToken); // the admin service's token
            hub.ensureUser("thief", false);
            HttpResponse<String> r = hub.admin("POST", "/users/thief/server", null);
            assertThat(r.statusCode()).isIn(201, 202, 500);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (hub.server("thief") != null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(hub.server("thief")).as("the spawn failed").isNull();
            HttpResponse<String> admin = hub.admin("GET", "/user", null);
            assertThat(admin.statusCode()).as("the service token still is the service's").isEqualTo(200);
            assertThat(TestHub.json(admin).get("kind")).isEqualTo("service");
        }
    }

    private static ReusingSpawner spawner(Path dir) throws Exception {
        Path env = Files.createDirectories(dir.resolve("reusing-env"));
        return new ReusingSpawner(TestHub.testServers(env, dir.resolve("reusing-logs")));
    }
}
