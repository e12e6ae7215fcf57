package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs in one JVM on one H2 file: the second stands by (503, nothing loaded, no proxy) and
 * takes over when the first closes, restoring its running server. The two-process variants with
 * {@code kill -9} are {@link FailoverPostgresIT} and {@link FailoverH2IT}.
 */
class StandbyTakeoverTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondHubStandsByAndTakesOverWhenTheActiveOneCloses() throws Exception {
        Path db = tmp.resolve("shared-db");
        try (LogCapture log = new LogCapture("org.hubkit.core", Level.INFO);
             TestHub a = TestHub.start(tmp.resolve("a"), b -> b.database(Database.h2(db)).cleanupServers(false)
                     .standbyPollInterval(Duration.ofMillis(200)))) {
            assertThat(a.hub.isActive()).isTrue();
            assertThat(a.hub.whenActive().toCompletableFuture()).isCompletedWithValue(a.hub);
            a.startServer("alice");

            try (TestHub b = TestHub.start(tmp.resolve("b"), c -> c.database(Database.h2(db)).cleanupServers(false)
                    .standbyPollInterval(Duration.ofMillis(200)))) {
                // Standing by: 503 everywhere, nothing loaded, its proxy not even listening.
                assertThat(b.hub.isActive()).isFalse();
                assertThat(b.hub.whenActive().toCompletableFuture()).isNotDone();
                URI direct = URI.create("http://127.0.0.1:" + b.hub.port());
                HttpResponse<String> api = get(b, direct.resolve("/hub/api/"));
                assertThat(api.statusCode()).isEqualTo(503);
                assertThat(api.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(TestHub.json(api)).containsEntry("status", "standby");
                assertThat(get(b, direct.resolve("/hub/health")).statusCode()).isEqualTo(503);
                assertThat(get(b, direct.resolve("/hub/login")).statusCode()).isEqualTo(503);
                assertThatThrownBy(() -> get(b, b.base.resolve("/hub/api/"))).isInstanceOf(ConnectException.class);
                assertThatThrownBy(() -> b.hub.createToken("eve", true, "x")).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("standby");
                assertThat(get(a, URI.create("http://127.0.0.1:" + a.hub.port() + "/hub/health")).statusCode()).isEqualTo(200);
                Thread.sleep(600); // a few standby polls: still standing by
                assertThat(b.hub.isActive()).isFalse();
                assertThat(log.messages()).anyMatch(m -> m.startsWith("Hub is standby (active hub: ")
                        && m.contains("/" + ProcessHandle.current().pid() + " since "));

                a.hub.close(); // keeps alice's server running (cleanupServers false)

                assertThat(b.hub.whenActive().toCompletableFuture().get(15, TimeUnit.SECONDS)).isSameAs(b.hub);
                assertThat(b.hub.isActive()).isTrue();
                b.hub.whenRestored().toCompletableFuture().get(15, TimeUnit.SECONDS);
                assertThat(get(b, direct.resolve("/hub/api/")).statusCode()).isEqualTo(200);
                assertThat(get(b, direct.resolve("/hub/health")).statusCode()).isEqualTo(200);
                assertThat(b.server("alice")).containsEntry("ready", true);
                HttpResponse<String> page = get(b, b.base.resolve("/user/alice/lab"));
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("user=alice");
                assertThat(log.messages()).anyMatch(m -> m.startsWith("Hub took over as the active hub in "));
                b.admin("DELETE", "/users/alice/server", null);
                b.awaitNoServer("alice");
            }
        }
    }

    @Test
    void closingAStandbyLeavesTheActiveHubAlone() throws Exception {
        Path db = tmp.resolve("shared-db");
        try (TestHub a = TestHub.start(tmp.resolve("a"), b -> b.database(Database.h2(db)))) {
            a.startServer("bob");
            Hub standby = TestHub.start(tmp.resolve("b"), b -> b.database(Database.h2(db))).hub;
            assertThat(standby.isActive()).isFalse();
            standby.close(); // cleanupServers is true, but a standby has no servers to stop
            assertThat(standby.whenActive().toCompletableFuture()).isCompletedExceptionally();
            assertThat(a.hub.isActive()).isTrue();
            assertThat(a.server("bob")).containsEntry("ready", true);
            assertThat(get(a, a.base.resolve("/user/bob/")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theStandbyPollIntervalMustBePositive() {
        assertThatThrownBy(() -> Hub.builder().standbyPollInterval(Duration.ZERO).build())
                .hasMessageContaining("standbyPollInterval: must be a positive duration");
    }

    private static HttpResponse<String> get(TestHub via, URI uri) throws Exception {
        return via.send(HttpRequest.newBuilder(uri).GET());
    }
}
