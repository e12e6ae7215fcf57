package org.hubkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hubkit.api.Mount;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.hubkit.api.VolumePolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The behaviour the hub relies on from every {@link Spawner}: a started server answers HTTP
 * under its prefix, {@code poll} tells the truth, {@code stop} stops it (twice is fine), and a
 * new spawner instance given only the saved {@link SpawnerState} can still find and stop it,
 * as after a restart of the hub.
 *
 * <p><b>How to use it.</b> Extend it in your test sources and say how to make your spawner
 * (this is Hubkit's own {@code LocalProcessSpawnerContractIT}, compiled and run in its build):
 * <pre>{@code
 * class LocalProcessSpawnerContractIT extends SpawnerContract {
 *     @TempDir
 *     static Path logs;
 *
 *     @Override
 *     protected Spawner createSpawner() {
 *         return LocalProcessSpawner.builder()
 *                 .cmd(List.of(RealComponents.singleuserCommand()))    // jupyterhub-singleuser, skipped if missing
 *                 .logDirectory(logs)
 *                 .isolation(LocalProcessSpawner.Isolation.NONE)
 *                 .build();
 *     }
 * }
 * }</pre>
 * The spawned server must be a real one that serves {@code GET <prefix>api} (any status below
 * 500 counts, as in the hub's own readiness check), e.g. {@code jupyterhub-singleuser}. Each
 * test starts at most one server for {@link #username()}'s default server and stops it in
 * {@code @AfterEach}, also when the test fails. Override {@link #spawnRequest(ServerId)} to
 * change what is spawned, {@link #readyTimeout()} for slow back ends (image pulls), and
 * {@link #hubApiUrl()} when the server cannot reach the hub API stub on {@code 127.0.0.1}
 * (a container on a bridge network). A test your spawner cannot pass for a stated reason can
 * be overridden with {@code @Test @Disabled("why")}.
 *
 * <p><b>What it provides.</b> A temporary storage root (the default request mounts the user's
 * directory under it, see {@link VolumePolicy#perUserDirectory}) and a stub of the hub API on
 * loopback that answers the single-user server's start-up version check and activity reports,
 * so that a real server keeps running for the whole test. All of the contract's own traffic
 * goes to the URL the spawner returns and to that stub.
 *
 * <p>Tests run one at a time per instance; JUnit makes a new instance per test.
 *
 * <p>Run it with Surefire 3.x: Maven 3.8's default Surefire (2.12.4) finds no JUnit 5 test and
 * passes without running any; see the {@linkplain org.hubkit.testkit package description}.
 *
 * @since 0.1
 */
public abstract class SpawnerContract {
    private static final Logger LOG = LoggerFactory.getLogger(SpawnerContract.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final HttpProbe http = new HttpProbe();
    private final List<Spawner> spawners = new ArrayList<>();
    private final Set<Spawner> closedSpawners = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Launch> launches = new ArrayList<>();
    private Path storageRoot;
    private HubApiStub hubApi;

    /**
     * Makes a new spawner. Called once per test, and again to stand for the hub after a
     * restart: each call must return a fresh instance that shares nothing in memory with the
     * earlier ones (connections to the same Docker engine or API server are fine).
     *
     * @return a new spawner; the contract closes it
     */
    protected abstract Spawner createSpawner();

    /**
     * @return the (normalised, lowercase) owner of the servers the contract spawns
     */
    protected String username() {
        return "contract-user";
    }

    /**
     * How long the contract waits for each slow step: {@code start} to complete, the server to
     * answer HTTP, {@code poll} and {@code stop} to complete, the server to stop answering.
     *
     * @return 60 seconds unless overridden
     */
    protected Duration readyTimeout() {
        return Duration.ofSeconds(60);
    }

    /**
     * The address the spawned server reaches the hub API at ({@code JUPYTERHUB_API_URL}). By
     * default the contract's stub on {@code 127.0.0.1}; a spawner whose servers cannot reach
     * the host's loopback overrides this, e.g. to route {@code super.hubApiUrl()}'s port
     * through a host gateway address of a network the test created.
     *
     * @return the hub API URL, ending in {@code /hub/api}
     */
    protected URI hubApiUrl() {
        return hubApi.apiUrl();
    }

    /** @return this test's temporary directory under which the default request mounts user storage */
    protected final Path storageRoot() {
        return storageRoot;
    }

    /**
     * The request the hub would make to spawn {@code server}: the JupyterHub environment
     * ({@code JUPYTERHUB_API_TOKEN}, {@code JUPYTERHUB_SERVICE_PREFIX=/user/<name>/},
     * {@code JUPYTERHUB_API_URL}, OAuth client id and scopes, ...), no user options, the mounts of
     * {@code VolumePolicy.perUserDirectory(storageRoot(), "/home/jovyan/work")} with the
     * directory created, and {@link #readyTimeout()} as start timeout.
     * {@code JUPYTERHUB_SERVICE_URL} is left to the spawner, which alone knows where the server
     * binds.
     *
     * @param server the server to spawn
     * @return a valid request; override to add user options or change the environment
     */
    protected SpawnRequest spawnRequest(ServerId server) {
        UserInfo user = new UserInfo(server.user(), false, Set.of(), Map.of());
        List<Mount> mounts = VolumePolicy.perUserDirectory(storageRoot, "/home/jovyan/work").mounts(server, user);
        for (Mount mount : mounts) {
            if (mount.kind() == Mount.Kind.DIRECTORY) {
                try {
                    Files.createDirectories(Path.of(mount.source()));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot create " + mount.source(), e);
                }
            }
        }
        return new SpawnRequest(server, user, jupyterHubEnvironment(server), Map.of(), mounts, readyTimeout());
    }

    private Map<String, String> jupyterHubEnvironment(ServerId server) {
        String user = pathSegment(server.user());
        String prefix = "/user/" + user + "/" + (server.isDefault() ? "" : pathSegment(server.serverName()) + "/");
        String clientId = "jupyterhub-user-" + user + (server.isDefault() ? "" : "-" + pathSegment(server.serverName()));
        String apiUrl = hubApiUrl().toString();
        String token = HexFormat.of().formatHex(randomBytes(16));
        String accessScopes = "[" + jsonString("access:servers!server=" + server.qualifiedName()) + ","
                + jsonString("access:servers!user=" + server.user()) + "]";
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JUPYTERHUB_API_TOKEN", token);
        env.put("JPY_API_TOKEN", token);
        env.put("JUPYTERHUB_CLIENT_ID", clientId);
        env.put("JUPYTERHUB_API_URL", apiUrl);
        env.put("JUPYTERHUB_ACTIVITY_URL", apiUrl + "/users/" + user + "/activity");
        env.put("JUPYTERHUB_BASE_URL", "/");
        env.put("JUPYTERHUB_SERVICE_PREFIX", prefix);
        env.put("JUPYTERHUB_USER", server.user());
        env.put("JUPYTERHUB_SERVER_NAME", server.serverName());
        env.put("JUPYTERHUB_OAUTH_CALLBACK_URL", prefix + "oauth_callback");
        env.put("JUPYTERHUB_OAUTH_ACCESS_SCOPES", accessScopes);
        env.put("JUPYTERHUB_OAUTH_SCOPES", accessScopes);
        env.put("JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES",
                "[" + jsonString("access:servers!server=" + server.qualifiedName()) + "]");
        env.put("JUPYTERHUB_HOST", "");
        env.put("JUPYTERHUB_PUBLIC_URL", "");
        env.put("JUPYTERHUB_PUBLIC_HUB_URL", "");
        env.put("JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED", "0");
        return env;
    }

    @BeforeEach
    final void startHubApiStub(@TempDir Path dir) throws IOException {
        storageRoot = dir;
        spawners.clear();
        closedSpawners.clear();
        launches.clear();
        hubApi = HubApiStub.start();
    }

    /** Stops every server a test started, with the state the hub would have, then closes the spawners. */
    @AfterEach
    final void stopServersAndCloseSpawners() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        for (Launch launch : launches) {
            if (launch.stopped) {
                continue;
            }
            try {
                stopLeftover(launch);
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        for (Spawner spawner : spawners) {
            if (!closedSpawners.contains(spawner)) {
                try {
                    spawner.close();
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        }
        if (hubApi != null) {
            hubApi.close();
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("cleaning up after the test failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    private void stopLeftover(Launch launch) throws Exception {
        SpawnerState state;
        try {
            state = Stages.await(launch.result, readyTimeout(), "start(" + launch.server + ")").state();
        } catch (AssertionError startFailed) {
            // The hub stops a failed spawn with whatever the spawner saved early.
            state = launch.context.lastSavedState();
            if (state == null) {
                LOG.warn("Start of {} failed and saved no state; nothing to stop", launch.server);
                return;
            }
        }
        Spawner spawner = closedSpawners.contains(launch.spawner) ? newSpawner() : launch.spawner;
        Stages.await(spawner.stop(launch.server, state), readyTimeout(), "stop(" + launch.server + ") after the test");
        launch.stopped = true;
    }

    @Test
    public void startCompletesWithUrlWhereServerAnswersHttp() throws Exception {
        Launch launch = launch(newSpawner());
        SpawnResult result = started(launch);

        assertThat(result.url().getScheme()).as("scheme of the started server's URL %s", result.url()).isIn("http", "https");
        assertThat(result.url().getHost()).as("host of the started server's URL %s", result.url()).isNotBlank();
        awaitAnswering(launch, result);
    }

    @Test
    public void pollReportsRunningAfterStart() throws Exception {
        Spawner spawner = newSpawner();
        Launch launch = launch(spawner);
        SpawnResult result = started(launch);
        awaitAnswering(launch, result);

        assertRunning(poll(spawner, launch.server, result.state()), "poll after start");
    }

    @Test
    public void newSpawnerGivenOnlySavedStateFindsAndStopsServerAfterHubRestart() throws Exception {
        Spawner before = newSpawner();
        Launch launch = launch(before);
        SpawnResult result = started(launch);
        awaitAnswering(launch, result);

        close(before); // the hub process ends; per the SPI its servers keep running
        Spawner after = newSpawner();
        SpawnerState stored = new SpawnerState(new LinkedHashMap<>(result.state().values()));

        assertRunning(poll(after, launch.server, stored), "poll by a new spawner given only the saved state");
        awaitAnswering(launch, result);
        stop(after, launch, stored);
        assertStopped(poll(after, launch.server, stored), "poll by the new spawner after it stopped the server");
    }

    @Test
    public void pollAllAnswersForARunningServerAndAStoppedOne() throws Exception {
        Spawner spawner = newSpawner();
        Launch launch = launch(spawner);
        SpawnResult result = started(launch);
        awaitAnswering(launch, result);
        ServerId gone = new ServerId(launch.server.user(), "never-started");

        java.util.Map<ServerId, SpawnerState> ask = new LinkedHashMap<>();
        ask.put(launch.server, result.state());
        ask.put(gone, SpawnerState.EMPTY);
        java.util.Map<ServerId, PollResult> answers = Stages.await(spawner.pollAll(ask), readyTimeout(), "pollAll");

        assertThat(answers).as("pollAll answers").isNotNull();
        assertThat(answers).as("pollAll answers only for the servers it was asked about")
                .containsOnlyKeys(launch.server, gone);
        assertRunning(answers.get(launch.server), "pollAll for the running server");
        assertStopped(answers.get(gone), "pollAll for a server that was never started");
    }

    @Test
    public void aServerStartedAgainWithItsPreviousStateRunsAndCanBeStopped() throws Exception {
        Spawner spawner = newSpawner();
        Launch first = launch(spawner);
        SpawnResult firstResult = started(first);
        awaitAnswering(first, firstResult);
        stop(spawner, first, firstResult.state());

        SpawnRequest again = new SpawnRequest(first.request.server(), first.request.user(), first.request.environment(),
                first.request.userOptions(), first.request.mounts(), first.request.startTimeout(), firstResult.state());
        Launch second = launch(spawner, again);
        SpawnResult secondResult = started(second);
        awaitAnswering(second, secondResult);
        assertRunning(poll(spawner, second.server, secondResult.state()), "poll after a start with the previous state");
        stop(spawner, second, secondResult.state());
        assertStopped(poll(spawner, second.server, secondResult.state()), "poll after stopping it again");
    }

    @Test
    public void stopMakesPollReportStoppedAndUrlStopAnswering() throws Exception {
        Spawner spawner = newSpawner();
        Launch launch = launch(spawner);
        SpawnResult result = started(launch);
        awaitAnswering(launch, result);

        stop(spawner, launch, result.state());

        assertStopped(poll(spawner, launch.server, result.state()), "poll after stop completed");
        awaitNotAnswering(launch, result);
    }

    @Test
    public void stoppingAlreadyStoppedServerSucceeds() throws Exception {
        Spawner spawner = newSpawner();
        Launch launch = launch(spawner);
        SpawnResult result = started(launch);
        stop(spawner, launch, result.state());

        Stages.await(spawner.stop(launch.server, result.state()), readyTimeout(), "second stop(" + launch.server + ")");
        Stages.await(newSpawner().stop(launch.server, result.state()), readyTimeout(),
                "stop(" + launch.server + ") of a stopped server by a new spawner");
        assertStopped(poll(spawner, launch.server, result.state()), "poll after stopping twice");
    }

    @Test
    public void progressReportedDuringStartIsBetween0And99() throws Exception {
        Launch launch = launch(newSpawner());
        started(launch);

        for (Progress progress : launch.context.progress) {
            assertThat(progress.percent())
                    .as("progress %s%% '%s' (the hub itself reports 100 once the server answers)",
                            progress.percent(), progress.message())
                    .isBetween(0, 99);
        }
    }

    @Test
    public void stateSavedDuringStartIsSameAsOrSupersededByResultState() throws Exception {
        Spawner spawner = newSpawner();
        Launch launch = launch(spawner);
        SpawnResult result = started(launch);
        poll(spawner, launch.server, result.state()); // gives a late, asynchronous saveState time to show

        List<SavedState> saves = List.copyOf(launch.context.saves);
        assertThat(saves.stream().filter(SavedState::afterStartCompleted).map(SavedState::state).toList())
                .as("states saved after start completed (the hub already stored the result's state, "
                        + "a late save would overwrite it)")
                .isEmpty();
        SpawnerState early = launch.context.lastSavedState();
        if (early == null) {
            return;
        }
        assertThat(result.state().values())
                .as("the result's state must keep every value saved early through SpawnContext.saveState "
                        + "(it may add more); saved early: %s", early.values().keySet())
                .containsAllEntriesOf(early.values());
        // What saveState is for: a hub that dies before start completes finds the server with it.
        SpawnerState stored = new SpawnerState(new LinkedHashMap<>(early.values()));
        assertRunning(poll(newSpawner(), launch.server, stored),
                "poll by a new spawner given only the state saved early");
    }

    private Spawner newSpawner() {
        Spawner spawner = createSpawner();
        assertThat(spawner).as("createSpawner()").isNotNull();
        assertThat(spawners).as("createSpawner() must return a new instance each call")
                .noneMatch(earlier -> earlier == spawner);
        spawners.add(spawner);
        return spawner;
    }

    private void close(Spawner spawner) {
        closedSpawners.add(spawner);
        spawner.close();
    }

    private Launch launch(Spawner spawner) {
        return launch(spawner, spawnRequest(ServerId.defaultServer(username())));
    }

    private Launch launch(Spawner spawner, SpawnRequest request) {
        ServerId server = request.server();
        RecordingContext context = new RecordingContext();
        CompletableFuture<SpawnResult> result;
        try {
            CompletionStage<SpawnResult> stage = spawner.start(request, context);
            result = stage == null
                    ? CompletableFuture.failedFuture(new AssertionError("start returned null instead of a stage"))
                    : stage.toCompletableFuture();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(new AssertionError("start threw instead of returning a stage", e));
        }
        result.whenComplete((r, e) -> context.startCompleted = true);
        Launch launch = new Launch(server, request, spawner, context, result);
        launches.add(launch);
        return launch;
    }

    private SpawnResult started(Launch launch) throws InterruptedException {
        SpawnResult result = Stages.await(launch.result, readyTimeout(), "start(" + launch.server + ")");
        assertThat(result).as("start(%s) result", launch.server).isNotNull();
        return result;
    }

    private PollResult poll(Spawner spawner, ServerId server, SpawnerState state) throws InterruptedException {
        PollResult result = Stages.await(spawner.poll(server, state), readyTimeout(), "poll(" + server + ")");
        assertThat(result).as("poll(%s) result", server).isNotNull();
        return result;
    }

    private void stop(Spawner spawner, Launch launch, SpawnerState state) throws InterruptedException {
        Stages.await(spawner.stop(launch.server, state), readyTimeout(), "stop(" + launch.server + ")");
        launch.stopped = true;
    }

    private static void assertRunning(PollResult result, String what) {
        assertThat(result.running()).as("%s: running (detail: %s)", what, result.detail()).isTrue();
    }

    private static void assertStopped(PollResult result, String what) {
        assertThat(result.running()).as("%s: running (detail: %s)", what, result.detail()).isFalse();
    }

    /** The hub's readiness check: GET {@code url + prefix + "api"} until any status below 500. */
    private void awaitAnswering(Launch launch, SpawnResult result) throws InterruptedException {
        URI probe = readinessUrl(launch, result);
        long deadline = System.nanoTime() + readyTimeout().toNanos();
        String last;
        do {
            try {
                int status = http.get(probe, PROBE_TIMEOUT).status();
                if (status < 500) {
                    return;
                }
                last = "status " + status;
            } catch (IOException e) {
                last = e.toString();
            }
            LOG.debug("{} does not answer yet: {}", probe, last);
            Thread.sleep(PROBE_INTERVAL.toMillis());
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the server started for " + launch.server + " did not answer GET " + probe
                + " with a status below 500 within " + readyTimeout() + "; last: " + last);
    }

    private void awaitNotAnswering(Launch launch, SpawnResult result) throws InterruptedException {
        URI probe = readinessUrl(launch, result);
        long deadline = System.nanoTime() + readyTimeout().toNanos();
        int status;
        do {
            try {
                status = http.get(probe, PROBE_TIMEOUT).status();
                if (status >= 500) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            Thread.sleep(PROBE_INTERVAL.toMillis());
        } while (System.nanoTime() < deadline);
        throw new AssertionError("GET " + probe + " still answers " + status + " " + readyTimeout()
                + " after stop(" + launch.server + ") completed");
    }

    private static URI readinessUrl(Launch launch, SpawnResult result) {
        String base = result.url().toString().replaceAll("/+$", "");
        return URI.create(base + launch.request.servicePrefix() + "api");
    }

    /** Percent-encodes like JupyterHub's {@code quote(name, safe='@~')}. */
    private static String pathSegment(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~@".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** One call of {@code start} and what became of it. */
    private static final class Launch {
        final ServerId server;
        final SpawnRequest request;
        final Spawner spawner;
        final RecordingContext context;
        final CompletableFuture<SpawnResult> result;
        volatile boolean stopped;

        Launch(ServerId server, SpawnRequest request, Spawner spawner, RecordingContext context,
               CompletableFuture<SpawnResult> result) {
            this.server = server;
            this.request = request;
            this.spawner = spawner;
            this.context = context;
            this.result = result;
        }
    }

    private record Progress(int percent, String message) {
    }

    private record SavedState(SpawnerState state, boolean afterStartCompleted) {
    }

    /** The hub's side of a spawn, recording what the spawner reports. */
    private static final class RecordingContext implements SpawnContext {
        final List<Progress> progress = new CopyOnWriteArrayList<>();
        final List<SavedState> saves = new CopyOnWriteArrayList<>();
        volatile boolean startCompleted;

        @Override
        public void progress(int percent, String message) {
            progress.add(new Progress(percent, message));
        }

        @Override
        public void saveState(SpawnerState state) {
            saves.add(new SavedState(state, startCompleted));
        }

        /** @return the last state saved before start completed, or {@code null} */
        SpawnerState lastSavedState() {
            SpawnerState last = null;
            for (SavedState saved : saves) {
                if (!saved.afterStartCompleted()) {
                    last = saved.state();
                }
            }
            return last;
        }
    }
}
