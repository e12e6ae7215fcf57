package org.hubkit.docker;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.Mount;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;

/** Spawn requests as the hub makes them, a recording {@link SpawnContext}, and a wait for HTTP. */
final class Spawns {
    /** The command of containers that only need to answer HTTP (no hub behind them). */
    static final List<String> HTTP_SERVER = List.of("python3", "-m", "http.server", "8888");

    private Spawns() {
    }

    static SpawnRequest request(ServerId server, Set<String> groups, Map<String, Object> options, List<Mount> mounts,
                                SpawnerState previous, int hubPort) {
        UserInfo user = new UserInfo(server.user(), false, groups, Map.of());
        String api = "http://127.0.0.1:" + hubPort + "/hub/api";
        String prefix = "/user/" + server.user() + "/" + (server.isDefault() ? "" : server.serverName() + "/");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JUPYTERHUB_API_TOKEN", "test-token-" + server.user());
        env.put("JUPYTERHUB_API_URL", api);
        env.put("JUPYTERHUB_ACTIVITY_URL", api + "/users/" + server.user() + "/activity");
        env.put("JUPYTERHUB_SERVICE_PREFIX", prefix);
        env.put("JUPYTERHUB_USER", server.user());
        env.put("JUPYTERHUB_SERVER_NAME", server.serverName());
        return new SpawnRequest(server, user, env, options, mounts, Duration.ofSeconds(60), previous);
    }

    static SpawnRequest request(String user) {
        return request(ServerId.defaultServer(user), Set.of(), Map.of(), List.of(), SpawnerState.EMPTY, 8081);
    }

    /** Waits until {@code url} answers HTTP with any status. */
    static void awaitHttp(URI url, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError(url + " did not answer within " + timeout + ": " + last);
    }

    /** What a spawner reported during one start. */
    static final class Recorder implements SpawnContext {
        final List<String> progress = new CopyOnWriteArrayList<>();
        final List<Integer> percents = new CopyOnWriteArrayList<>();
        volatile SpawnerState saved;

        @Override
        public void progress(int percent, String message) {
            percents.add(percent);
            progress.add(percent + " " + message);
        }

        @Override
        public void saveState(SpawnerState state) {
            saved = state;
        }
    }
}
