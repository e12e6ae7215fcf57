package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.HubException;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub also listens where the spawner's servers reach it ({@link Spawner#hubListenAddresses}: a
 * Docker network's gateway), on its own API port, and refuses to start, naming the address, when it
 * cannot.
 */
@Timeout(60)
class HubListenAddressesTest {
    /** A spawner whose servers reach the hub only at the given addresses; it never starts anything. */
    record AddressedSpawner(List<String> addresses) implements Spawner {
        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            throw new UnsupportedOperationException("not started in this test");
        }

        @Override
        public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
            throw new UnsupportedOperationException("not polled in this test");
        }

        @Override
        public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
            throw new UnsupportedOperationException("not stopped in this test");
        }

        @Override
        public List<String> hubListenAddresses() {
            return addresses;
        }
    }

    @Test
    void theHubApiAnswersOnTheSpawnersAddressToo(@TempDir Path dir) throws Exception {
        // 127.0.0.2 is loopback on Linux: it stands in for a Docker network's gateway address.
        try (TestHub hub = TestHub.start(dir, b -> b.spawner(new AddressedSpawner(List.of("127.0.0.2", "127.0.0.1"))))) {
            int port = hub.hub.port();
            HttpClient http = HttpClient.newHttpClient();
            for (String host : List.of("127.0.0.1", "127.0.0.2")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/hub/api/"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(host).isEqualTo(200);
                assertThat(r.body()).contains("\"version\"");
            }
        }
    }

    @Test
    void anAddressTheHubCannotListenOnStopsTheStartNamingIt(@TempDir Path dir) {
        // 192.0.2.1 (TEST-NET-1) is not an address of this machine: binding it fails, nothing is sent to it.
        assertThatThrownBy(() -> TestHub.start(dir, b -> b.spawner(new AddressedSpawner(List.of("192.0.2.1")))).close())
                .hasStackTraceContaining("192.0.2.1").hasStackTraceContaining("Cannot listen on")
                .satisfies(e -> assertThat(e).isInstanceOfAny(HubException.class, RuntimeException.class));
    }
}
