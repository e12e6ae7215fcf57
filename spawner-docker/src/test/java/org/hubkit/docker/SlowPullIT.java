package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.SpawnerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ten users start at once through one spawner; one of them chose an image that must be pulled,
 * and that pull is held back (a {@link SlowPullEngine} in front of the real engine). The nine
 * others' containers start and answer HTTP while the pull is still streaming progress; once the
 * pull ends, the tenth starts too.
 */
class SlowPullIT {
    private static final String HUB = TestEngine.uniqueHubId();
    private static final String SLOW_IMAGE = "hubkit/slow-" + HUB + ":1";
    private static SlowPullEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        TestEngine.require();
        engine = new SlowPullEngine(TestEngine.IMAGE);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (engine != null) {
            engine.close();
            TestEngine.removeAll(HUB);
            try {
                TestEngine.require().removeImageCmd(SLOW_IMAGE).exec(); // only the tag: the test image keeps its own
            } catch (NotFoundException never) {
                // the pull never finished
            }
        }
    }

    @Test
    void pullPolicyAlwaysPullsAnImageTheEngineAlreadyHas() throws Exception {
        // The image is here under this name, but its registry fails: only a pull can fail the start.
        String repo = "hubkit/unreachable-local-" + HUB;
        TestEngine.require().tagImageCmd(TestEngine.IMAGE, repo, "1").exec();
        try (DockerSpawner spawner = DockerSpawner.builder().dockerHost(engine.dockerHost()).image(repo + ":1").hubId(HUB)
                .nameTemplate(HUB + "-{username}").volumes(DockerVolumes.none()).pullPolicy(DockerSpawner.PullPolicy.ALWAYS)
                .build()) {
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> spawner.start(Spawns.request("eager"),
                    new Spawns.Recorder()).toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertThat(failure).hasCauseInstanceOf(org.hubkit.api.SpawnException.class);
            assertThat(failure.getCause()).hasMessageStartingWith("Pulling image " + repo + ":1 failed");
        } finally {
            TestEngine.require().removeImageCmd(repo + ":1").exec(); // only the tag
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestEngine.require().inspectContainerCmd(HUB + "-eager").exec()))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void aPullTheRegistryFailsIsASpawnErrorNamingTheImage() {
        String image = "hubkit/unreachable-" + HUB + ":1";
        try (DockerSpawner spawner = DockerSpawner.builder().dockerHost(engine.dockerHost()).image(image).hubId(HUB)
                .nameTemplate(HUB + "-{username}").volumes(DockerVolumes.none()).build()) {
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> spawner.start(Spawns.request("unlucky"),
                    new Spawns.Recorder()).toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertThat(failure).hasCauseInstanceOf(org.hubkit.api.SpawnException.class);
            assertThat(failure.getCause()).hasMessage("Pulling image " + image
                    + " failed: Get https://registry.example/v2/: dial tcp: no such host");
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestEngine.require().inspectContainerCmd(HUB + "-unlucky").exec()))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void nineUsersStartWhileTheTenthsImagePullIsHeldBack() throws Exception {
        try (DockerSpawner spawner = DockerSpawner.builder().dockerHost(engine.dockerHost()).image(TestEngine.IMAGE).hubId(HUB)
                .nameTemplate(HUB + "-{username}").cmd(Spawns.HTTP_SERVER).volumes(DockerVolumes.none())
                .stopTimeout(Duration.ZERO)
                .imageChoice(Choice.of("standard"), TestEngine.IMAGE).imageChoice(Choice.of("slow"), SLOW_IMAGE).build()) {
            Spawns.Recorder slowProgress = new Spawns.Recorder();
            CompletableFuture<SpawnResult> slow = spawner.start(Spawns.request(ServerId.defaultServer("slow"), Set.of(),
                    Map.of("image", "slow"), List.of(), SpawnerState.EMPTY, 8081), slowProgress).toCompletableFuture();
            List<CompletableFuture<SpawnResult>> nine = new ArrayList<>();
            for (int i = 1; i <= 9; i++) {
                nine.add(spawner.start(Spawns.request("user" + i), new Spawns.Recorder()).toCompletableFuture());
            }

            long t0 = System.nanoTime();
            for (CompletableFuture<SpawnResult> f : nine) {
                Spawns.awaitHttp(f.get(60, TimeUnit.SECONDS).url(), Duration.ofSeconds(60));
            }
            long nineReady = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(engine.pullsInProgress).as("the pull is still streaming when all nine answer (after %d ms)", nineReady)
                    .isEqualTo(1);
            assertThat(slow).isNotDone();
            assertThat(slowProgress.progress).anySatisfy(p -> assertThat(p).matches("\\d+ Pulling image " + SLOW_IMAGE.replace(".", "\\.")
                    + ": 0/3 layers, \\d+ MB of 100 MB"));
            assertThat(slowProgress.percents).allSatisfy(p -> assertThat(p).isBetween(0, 60)).isSorted();

            engine.finishPulls();
            SpawnResult r = slow.get(60, TimeUnit.SECONDS);
            Spawns.awaitHttp(r.url(), Duration.ofSeconds(60));
            assertThat(TestEngine.require().inspectContainerCmd(r.state().get("containerId").orElseThrow()).exec().getConfig().getImage())
                    .isEqualTo(SLOW_IMAGE);
        }
    }
}
