package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs on one database, each in a JVM of its own ({@link FailoverHubMain}): the second stands
 * by (its API answers 503 "standby", its proxy is not even listening, its log names the active
 * hub); the first starts servers; then it is killed with {@code kill -9}, and within 15 s the
 * second serves the API and every running server through its own proxy. The time it took is
 * printed. Subclasses choose the database.
 */
abstract class FailoverScenario {
    static final int SERVERS = 3;
    static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    private final List<HubProcess> hubs = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String token = "failover-admin-" + HexFormat.of().formatHex(randomBytes(16));

    /** @return the database both hubs use: a JDBC URL, or {@code h2:<directory>} */
    abstract String database(Path tmp);

    /** Checks what standing by left behind, after a few standby polls; nothing by default. */
    void afterStandbyPolls(Path tmp) throws Exception {
    }

    @Test
    void theStandbyTakesOverWithinFifteenSecondsOfAKillDashNine() throws Exception {
        String db = database(tmp);
        HubProcess a = start("a", db);
        a.awaitLog("FAILOVER-MAIN role=active", Duration.ofSeconds(90));
        HubProcess b = start("b", db);
        b.awaitLog("FAILOVER-MAIN role=standby", Duration.ofSeconds(90));

        // The standby: 503 on its API and health check, no proxy, its log names the active hub.
        HttpResponse<String> standby = get(b.hubUrl("/hub/api/"));
        assertThat(standby.statusCode()).isEqualTo(503);
        assertThat(TestHub.json(standby)).containsEntry("status", "standby");
        assertThat(get(b.hubUrl("/hub/health")).statusCode()).isEqualTo(503);
        assertThatThrownBy(() -> get(b.proxyUrl("/hub/api/"))).isInstanceOf(ConnectException.class);
        assertThat(b.log()).contains("Hub is standby (active hub: ").contains("/" + a.pid() + " since ");
        assertThat(a.log()).contains("Hub is active: it holds the active-hub lock");

        // The active hub starts servers.
        for (int i = 0; i < SERVERS; i++) {
            String user = "user" + i;
            assertThat(api(a, "POST", "/users/" + user).statusCode()).isEqualTo(201);
            assertThat(api(a, "POST", "/users/" + user + "/server").statusCode()).isIn(201, 202);
        }
        for (int i = 0; i < SERVERS; i++) {
            String user = "user" + i;
            awaitTrue(Duration.ofSeconds(30), () -> serves(a, user), user + "'s server through the first hub's proxy");
        }
        Thread.sleep(1500); // some standby polls go by: still standing by
        assertThat(get(b.hubUrl("/hub/api/")).statusCode()).isEqualTo(503);
        assertThat(b.log()).doesNotContain("Loaded ").doesNotContain("Route added");
        afterStandbyPolls(tmp);

        // kill -9 of the active hub.
        long killed = System.nanoTime();
        a.process.destroyForcibly(); // SIGKILL
        assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).isTrue();

        long apiMillis = -1;
        long allMillis = -1;
        long deadline = killed + TAKEOVER_LIMIT.toNanos();
        while (System.nanoTime() < deadline && allMillis < 0) {
            if (apiMillis < 0 && status(b.hubUrl("/hub/api/")) == 200) {
                apiMillis = (System.nanoTime() - killed) / 1_000_000;
            }
            if (apiMillis >= 0 && everyServerServedBy(b)) {
                allMillis = (System.nanoTime() - killed) / 1_000_000;
            }
            Thread.sleep(50);
        }
        System.out.printf("[failover] %s: standby API answering %d ms and all %d servers reachable through its proxy "
                + "%d ms after kill -9 of the active hub (standby poll interval: the default, 3 s)%n",
                getClass().getSimpleName(), apiMillis, SERVERS, allMillis);
        for (HubProcess hub : List.of(a, b)) {
            hub.log().lines().filter(l -> l.contains("Hub is ") || l.contains("took over"))
                    .forEach(l -> System.out.println("[failover] hub " + hub.name + ": " + l));
        }
        assertThat(allMillis).as("takeover within %s; hub b's log:%n%s", TAKEOVER_LIMIT, b.log()).isBetween(0L,
                TAKEOVER_LIMIT.toMillis());
        assertThat(b.log()).contains("Hub is active: the active hub on").contains("Hub took over as the active hub in")
                .contains("FAILOVER-MAIN now active");
        for (int i = 0; i < SERVERS; i++) {
            assertThat(b.log()).contains("Restored server user" + i + " at ");
            HttpResponse<String> u = api(b, "GET", "/users/user" + i);
            assertThat(u.statusCode()).isEqualTo(200);
            assertThat(TestHub.map(TestHub.map(TestHub.json(u).get("servers")).get(""))).containsEntry("ready", true);
        }
        assertThat(get(b.hubUrl("/hub/health")).statusCode()).isEqualTo(200);
    }

    private boolean everyServerServedBy(HubProcess hub) {
        for (int i = 0; i < SERVERS; i++) {
            if (!serves(hub, "user" + i)) {
                return false;
            }
        }
        return true;
    }

    private boolean serves(HubProcess hub, String user) {
        try {
            HttpResponse<String> r = get(hub.proxyUrl("/user/" + user + "/api/status"));
            return r.statusCode() == 200 && r.body().contains("user=" + user + " ");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private int status(URI uri) {
        try {
            return get(uri).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> api(HubProcess hub, String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(hub.hubUrl("/hub/api" + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "token " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private HubProcess start(String name, String db) throws IOException {
        HubProcess hub = new HubProcess(name, db, tmp, token);
        hubs.add(hub);
        return hub;
    }

    /** Stops the hubs the test started (SIGTERM, then SIGKILL), then any test server left, by pid. */
    @AfterEach
    void stopEverything() throws Exception {
        for (HubProcess hub : hubs) {
            hub.process.destroy();
        }
        for (HubProcess hub : hubs) {
            if (!hub.process.waitFor(30, TimeUnit.SECONDS)) {
                hub.process.destroyForcibly();
            }
        }
        TestHub.killServers(tmp.resolve("env"));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** A {@link FailoverHubMain} in a JVM of its own, its output in {@code <name>.log}. */
    static final class HubProcess {
        final String name;
        final Process process;
        final int hubPort = RealComponents.freePort();
        final int proxyPort = RealComponents.freePort();
        final Path logFile;

        HubProcess(String name, String db, Path tmp, String token) throws IOException {
            this.name = name;
            Path dir = Files.createDirectories(tmp.resolve(name));
            logFile = tmp.resolve(name + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // Failsafe runs tests from a manifest-only jar; the real class path is in this property.
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", classPath, FailoverHubMain.class.getName())
                    .redirectErrorStream(true).redirectOutput(logFile.toFile());
            Map<String, String> env = pb.environment();
            env.put("FAILOVER_DB", db); // in the environment, not on the command line: it may hold a password
            env.put("FAILOVER_DIR", dir.toString());
            env.put("FAILOVER_ENV_DIR", tmp.resolve("env").toString());
            env.put("FAILOVER_HUB_PORT", Integer.toString(hubPort));
            env.put("FAILOVER_PROXY_PORT", Integer.toString(proxyPort));
            env.put("FAILOVER_TOKEN", token);
            process = pb.start();
        }

        long pid() {
            return process.pid();
        }

        URI hubUrl(String path) {
            return URI.create("http://127.0.0.1:" + hubPort + path);
        }

        URI proxyUrl(String path) {
            return URI.create("http://127.0.0.1:" + proxyPort + path);
        }

        String log() throws IOException {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        }

        void awaitLog(String line, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!log().contains(line)) {
                if (!process.isAlive()) {
                    throw new AssertionError("hub exited (" + process.exitValue() + ") before '" + line + "':\n" + log());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no '" + line + "' in time:\n" + log());
                }
                Thread.sleep(50);
            }
        }
    }
}
