package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /hub/api/shutdown}, as JupyterHub: 202, then the hub stops, and with {@code servers: true} its servers too. */
@Timeout(60)
class ShutdownApiTest {
    @Test
    void shutdownWithServersTrueStopsEveryServerThenTheHub(@TempDir Path dir) throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            hub.startServer("sd1");
            hub.startServer("sd2");
            List<Long> pids = hub.serverPids();
            assertThat(pids).hasSize(2).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

            assertThat(hub.admin("POST", "/shutdown", Map.of("servers", "yes")).statusCode()).as("servers must be a boolean")
                    .isEqualTo(400);
            HttpResponse<String> r = hub.admin("POST", "/shutdown", Map.of("servers", true, "proxy", true));
            assertThat(r.statusCode()).isEqualTo(202);

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && pids.stream().anyMatch(p -> ProcessHandle.of(p).isPresent())) {
                Thread.sleep(100);
            }
            assertThat(pids).as("every server process stopped").noneMatch(p -> ProcessHandle.of(p).isPresent());
            boolean hubGone = false;
            while (System.nanoTime() < deadline && !hubGone) {
                try {
                    hub.admin("GET", "/", null);
                    Thread.sleep(100);
                } catch (java.io.IOException refused) {
                    hubGone = true;
                }
            }
            assertThat(hubGone).as("the hub stopped answering").isTrue();
        }
    }

    @Test
    void shutdownWithServersFalseLeavesThemRunning(@TempDir Path dir) throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            hub.startServer("sd3");
            List<Long> pids = hub.serverPids();
            assertThat(hub.admin("POST", "/shutdown", Map.of("servers", false)).statusCode()).isEqualTo(202);
            Thread.sleep(1500);
            assertThat(pids).hasSize(1).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void closingTheHubStopsItsServersByDefaultAsJupyterHubsCleanupServers(@TempDir Path dir) throws Exception {
        List<Long> pids;
        try (TestHub hub = TestHub.start(dir)) {
            hub.startServer("sd4");
            pids = hub.serverPids();
            assertThat(pids).hasSize(1);
            hub.hub.close();
        }
        assertThat(pids).noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void withCleanupServersOffClosingTheHubLeavesServersRunning(@TempDir Path dir) throws Exception {
        List<Long> pids;
        try (TestHub hub = TestHub.start(dir, b -> b.cleanupServers(false))) {
            hub.startServer("sd5");
            pids = hub.serverPids();
            hub.hub.close();
            assertThat(pids).hasSize(1).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }
}
