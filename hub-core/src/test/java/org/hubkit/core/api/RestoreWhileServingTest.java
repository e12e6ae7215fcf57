package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.Service;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore does not keep the hub unreachable: a hub started on a store whose running servers
 * take long to check answers its API at once and shows those servers as pending, then ready.
 */
@Timeout(60)
class RestoreWhileServingTest {
    @TempDir
    Path dir;

    /** Starts servers at once at a fixed URL (the hub itself answers the readiness check) and polls slowly when told. */
    static final class SlowPollSpawner implements Spawner {
        volatile URI url;
        final CompletableFuture<Void> releasePolls = new CompletableFuture<>();
        volatile boolean slow;

        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            return CompletableFuture.completedFuture(new SpawnResult(url, new SpawnerState(Map.of("n", "1"))));
        }

        @Override
        public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
            return slow ? releasePolls.thenApply(v -> PollResult.alive()) : CompletableFuture.completedFuture(PollResult.alive());
        }

        @Override
        public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
            return CompletableFuture.completedFuture(null);
        }
    }

    private static Hub hub(Path db, SlowPollSpawner spawner, int proxyPort) {
        Authenticator anyone = new Authenticator() {
            @Override
            public CompletionStage<AuthResult> authenticate(Credentials c) {
                return CompletableFuture.completedFuture(AuthResult.refused());
            }

            @Override
            public AccessRules accessRules() {
                return AccessRules.allowAllUsers();
            }
        };
        return Hub.builder().spawner(spawner).authenticator(anyone)
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(db)).volumePolicy(VolumePolicy.none()).port(0).cleanupServers(false)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort)).addService(new Service("admin", "admin-token-123456", true))
                .build();
    }

    @Test
    void theApiAnswersWhileRunningServersAreStillBeingChecked() throws Exception {
        int proxyPort;
        try (var s = new java.net.ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        HttpClient http = HttpClient.newHttpClient();
        SlowPollSpawner first = new SlowPollSpawner();
        Hub a = hub(dir, first, proxyPort).start();
        first.url = URI.create("http://127.0.0.1:" + a.port()); // the hub answers {prefix}api with a status below 500
        String admin = "token admin-token-123456";
        URI api = URI.create("http://127.0.0.1:" + a.port() + "/hub/api/");
        for (String user : new String[] {"u1", "u2", "u3"}) {
            http.send(HttpRequest.newBuilder(api.resolve("users/" + user)).header("Authorization", admin)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(api.resolve("users/" + user + "/server"))
                    .header("Authorization", admin).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isIn(201, 202);
        }
        a.close();

        SlowPollSpawner second = new SlowPollSpawner();
        second.slow = true;
        second.url = first.url;
        try (Hub b = hub(dir, second, proxyPort).start()) {
            URI bApi = URI.create("http://127.0.0.1:" + b.port() + "/hub/api/");
            HttpResponse<String> root = http.send(HttpRequest.newBuilder(bApi).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(root.statusCode()).as("the API answers before the servers are checked").isEqualTo(200);
            assertThat(b.whenRestored().toCompletableFuture()).isNotDone();
            HttpResponse<String> u1 = http.send(HttpRequest.newBuilder(bApi.resolve("users/u1")).header("Authorization", admin)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(u1.body()).as("not yet checked: pending").contains("\"pending\":\"check\"");

            second.releasePolls.complete(null);
            b.whenRestored().toCompletableFuture().get(30, TimeUnit.SECONDS);
            HttpResponse<String> after = http.send(HttpRequest.newBuilder(bApi.resolve("users/u1")).header("Authorization", admin)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(after.body()).contains("\"ready\":true");
        }
    }
}
