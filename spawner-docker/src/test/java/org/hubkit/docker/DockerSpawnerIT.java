package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.InvalidOptionsException;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spawner against the real engine, without a hub: limits and device requests read back,
 * layered views, restarts, a container removed by hand, images, spawn options, names, deletion.
 * Containers run a plain HTTP server (no hub needed); every name starts with this run's hub id.
 */
class DockerSpawnerIT {
    private static final String HUB = TestEngine.uniqueHubId();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static DockerClient docker;

    @BeforeAll
    static void engine() {
        docker = TestEngine.require();
    }

    @AfterAll
    static void removeEverything() {
        if (docker != null) {
            TestEngine.removeAll(HUB);
        }
    }

    private static DockerSpawner.Builder spawner() {
        return DockerSpawner.builder().image(TestEngine.IMAGE).hubId(HUB).nameTemplate(HUB + "-{username}")
                .cmd(Spawns.HTTP_SERVER).pullPolicy(DockerSpawner.PullPolicy.NEVER).volumes(DockerVolumes.none())
                .stopTimeout(Duration.ZERO);
    }

    private static SpawnResult start(DockerSpawner spawner, org.hubkit.api.SpawnRequest request) {
        return spawner.start(request, new Spawns.Recorder()).toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private static Throwable startFailure(DockerSpawner spawner, org.hubkit.api.SpawnRequest request) {
        Throwable t = catchThrowable(() -> start(spawner, request));
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static PollResult poll(DockerSpawner spawner, ServerId server, SpawnerState state) {
        return spawner.poll(server, state).toCompletableFuture().join();
    }

    private static String id(SpawnResult r) {
        return r.state().get("containerId").orElseThrow();
    }

    @Test
    void limitsAndReservationsAreReadBackFromTheEngineAndHoldInsideTheContainer() throws Exception {
        try (DockerSpawner spawner = spawner().memLimit("256M").memGuarantee("128M").cpuLimit("0.5").cpuGuarantee("0.25")
                .pidsLimit(200).build()) {
            SpawnResult r = start(spawner, Spawns.request("limits"));
            HostConfig host = docker.inspectContainerCmd(id(r)).exec().getHostConfig();
            assertThat(host.getMemory()).isEqualTo(268435456L);
            assertThat(host.getMemoryReservation()).isEqualTo(134217728L);
            assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
            assertThat(host.getCpuShares()).isEqualTo(256);
            assertThat(host.getPidsLimit()).isEqualTo(200L);
            assertThat(TestEngine.exec(id(r), "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes").output().strip())
                    .isEqualTo("268435456");
        }
    }

    @Test
    void aGpuRequestIsSentAsANvidiaDeviceRequestAndItsFailureOnAnEngineWithoutGpusIsAClearSpawnError() {
        try (DockerSpawner spawner = spawner().gpus("all").build()) {
            Throwable failure = startFailure(spawner, Spawns.request("gpu"));
            assertThat(failure).isInstanceOf(SpawnException.class).hasMessageContaining(HUB + "-gpu").hasMessageContaining("cannot start");
            InspectContainerResponse c = docker.inspectContainerCmd(HUB + "-gpu").exec();
            DeviceRequest request = c.getHostConfig().getDeviceRequests().get(0);
            assertThat(request.getDriver()).isEqualTo("nvidia");
            assertThat(request.getCount()).isEqualTo(-1);
            assertThat(request.getCapabilities()).containsExactly(List.of("gpu"));
        }
        try (DockerSpawner spawner = spawner().gpus("GPU-1,GPU-2").nameTemplate(HUB + "-ids-{username}").build()) {
            startFailure(spawner, Spawns.request("gpu"));
            DeviceRequest request = docker.inspectContainerCmd(HUB + "-ids-gpu").exec().getHostConfig().getDeviceRequests().get(0);
            assertThat(request.getDeviceIds()).containsExactly("GPU-1", "GPU-2");
            assertThat(request.getCount()).isZero();
        }
    }

    @Test
    void theLayeredViewShowsTheNewestLayersFileAndRefusesWrites(@TempDir Path dir) throws Exception {
        Path oldest = Files.createDirectories(dir.resolve("v1"));
        Path middle = Files.createDirectories(dir.resolve("v2"));
        Path newest = Files.createDirectories(dir.resolve("v3"));
        Files.writeString(oldest.resolve("dataset.txt"), "v1\n");
        Files.writeString(oldest.resolve("only-old.txt"), "old\n");
        Files.writeString(middle.resolve("dataset.txt"), "v2\n");
        Files.writeString(newest.resolve("dataset.txt"), "v3\n");
        Files.writeString(middle.resolve("only-middle.txt"), "middle\n");
        DockerVolumes volumes = DockerVolumes.builder()
                .layered("/archive", List.of(oldest.toString(), middle.toString(), newest.toString())).build();
        try (DockerSpawner spawner = spawner().volumes(volumes).build()) {
            SpawnResult r = start(spawner, Spawns.request("layers"));
            String cid = id(r);
            assertThat(TestEngine.exec(cid, "cat", "/archive/dataset.txt").output()).isEqualTo("v3\n");
            assertThat(TestEngine.exec(cid, "cat", "/archive/only-old.txt", "/archive/only-middle.txt").output())
                    .isEqualTo("old\nmiddle\n");
            TestEngine.Exec write = TestEngine.exec(cid, "sh", "-c", "echo x > /archive/dataset.txt");
            assertThat(write.exitCode()).isNotZero();
            assertThat(write.output()).contains("Read-only file system");
            String volume = volumes.mounts(ServerId.defaultServer("layers"), user("layers")).get(0).source();
            assertThat(docker.inspectVolumeCmd(volume).exec().getOptions())
                    .containsEntry("o", "lowerdir=" + newest + ":" + middle + ":" + oldest).containsEntry("type", "overlay");
            docker.removeContainerCmd(cid).withForce(true).exec();
        }
    }

    @Test
    void aLayeredViewTheKernelCannotMountFailsTheSpawnNamingTheMount(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        DockerVolumes volumes = DockerVolumes.builder().layered("/broken", List.of(a.toString(), dir.resolve("missing").toString()))
                .build();
        try (DockerSpawner spawner = spawner().volumes(volumes).nameTemplate(HUB + "-broken-{username}").build()) {
            Throwable failure = startFailure(spawner, Spawns.request("layers"));
            assertThat(failure).isInstanceOf(SpawnException.class).hasMessageContaining("layered view at /broken");
        }
    }

    @Test
    void aNewSpawnerFindsTheContainerByIdAndAContainerKilledOrRemovedByHandIsStoppedAtTheNextPoll() throws Exception {
        ServerId server = ServerId.defaultServer("restore");
        SpawnResult r;
        try (DockerSpawner before = spawner().build()) {
            r = start(before, Spawns.request("restore"));
        }
        try (DockerSpawner after = spawner().build()) {
            assertThat(poll(after, server, r.state()).running()).isTrue();
            Spawns.awaitHttp(r.url(), WAIT);
            Map<ServerId, PollResult> all = after.pollAll(Map.of(server, r.state(),
                    ServerId.defaultServer("nobody"), SpawnerState.EMPTY)).toCompletableFuture().join();
            assertThat(all.get(server).running()).isTrue();
            assertThat(all.get(ServerId.defaultServer("nobody")).running()).isFalse();

            docker.killContainerCmd(id(r)).exec();
            PollResult killed = poll(after, server, r.state());
            assertThat(killed.running()).isFalse();
            assertThat(killed.exitCode()).hasValue(137);
            docker.removeContainerCmd(id(r)).withForce(true).exec();
            assertThat(poll(after, server, r.state()).running()).isFalse();
            assertThat(after.pollAll(Map.of(server, r.state())).toCompletableFuture().join().get(server).running()).isFalse();
            after.stop(server, r.state()).toCompletableFuture().join(); // a gone container stops fine
        }
    }

    @Test
    void aStoppedContainerIsStartedAgainUnlessItsImageOrSettingsChangedThenItIsReplaced() throws Exception {
        ServerId server = ServerId.defaultServer("again");
        try (DockerSpawner spawner = spawner().build()) {
            SpawnResult first = start(spawner, Spawns.request("again"));
            spawner.stop(server, first.state()).toCompletableFuture().join();
            assertThat(docker.inspectContainerCmd(id(first)).exec().getState().getRunning()).isFalse();

            SpawnResult second = start(spawner, Spawns.request(server, Set.of(), Map.of(), List.of(), first.state(), 8081));
            assertThat(id(second)).as("the same container, started again").isEqualTo(id(first));
            spawner.stop(server, second.state()).toCompletableFuture().join();

            try (DockerSpawner resized = spawner.toBuilder().memLimit("300M").build()) {
                SpawnResult resizedResult = start(resized, Spawns.request(server, Set.of(), Map.of(), List.of(), second.state(), 8081));
                assertThat(id(resizedResult)).as("a new container for new settings").isNotEqualTo(id(first));
                resized.stop(server, resizedResult.state()).toCompletableFuture().join();
                second = resizedResult;
            }
            try (DockerSpawner upgraded = spawner.toBuilder().memLimit("300M").image(TestEngine.ALT_IMAGE).build()) {
                SpawnResult third = start(upgraded, Spawns.request(server, Set.of(), Map.of(), List.of(), second.state(), 8081));
                assertThat(id(third)).as("a new container for the new image").isNotEqualTo(id(second));
                assertThat(docker.inspectContainerCmd(id(third)).exec().getConfig().getImage()).isEqualTo(TestEngine.ALT_IMAGE);
                String replaced = id(second);
                assertThat(catchThrowable(() -> docker.inspectContainerCmd(replaced).exec())).isInstanceOf(NotFoundException.class);
            }
        }
    }

    @Test
    void aMissingImageWithPullPolicyNeverIsASpawnErrorNamingTheImageAndCreatesNothing() {
        String missing = "hubkit/does-not-exist:" + HUB;
        try (DockerSpawner spawner = spawner().image(missing).build()) {
            Throwable failure = startFailure(spawner, Spawns.request("noimage"));
            assertThat(failure).isInstanceOf(SpawnException.class).hasMessageContaining(missing).hasMessageContaining("never");
            assertThat(catchThrowable(() -> docker.inspectContainerCmd(HUB + "-noimage").exec())).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void theFormOffersTheAllowedImagesByGroupAndStartRefusesAnImageNotOfferedBeforeCreatingAnything() {
        try (DockerSpawner spawner = spawner().imageChoice(new Choice("standard", "Standard", "", Set.of()), TestEngine.IMAGE)
                .imageChoice(new Choice("alt", "Alternative", "", Set.of("staff")), TestEngine.ALT_IMAGE)
                .choice("memLimit", new Choice("512M", "512 MB", "", Set.of()))
                .choice("memLimit", new Choice("1G", "1 GB", "", Set.of("staff"))).build()) {
            SpawnOptionsForm form = spawner.optionsForm();
            assertThat(form.fields()).extracting(SpawnOptionsForm.Field::name).containsExactly("image", "memLimit");
            UserInfo student = new UserInfo("student", false, Set.of(), Map.of());
            assertThat(form.forUser(student).fields().get(0).choices()).extracting(Choice::value).containsExactly("standard");
            assertThat(form.forUser(new UserInfo("prof", false, Set.of("staff"), Map.of())).fields().get(0).choices())
                    .extracting(Choice::value).containsExactly("standard", "alt");

            Throwable forged = startFailure(spawner, Spawns.request(ServerId.defaultServer("student"), Set.of(),
                    Map.of("image", "evil/miner:latest"), List.of(), SpawnerState.EMPTY, 8081));
            assertThat(forged).isInstanceOf(InvalidOptionsException.class);
            assertThat(((InvalidOptionsException) forged).field()).isEqualTo("image");
            Throwable notHis = startFailure(spawner, Spawns.request(ServerId.defaultServer("student"), Set.of(),
                    Map.of("image", "alt"), List.of(), SpawnerState.EMPTY, 8081));
            assertThat(notHis).isInstanceOf(InvalidOptionsException.class);
            assertThat(((InvalidOptionsException) notHis).field()).isEqualTo("image");
            assertThat(catchThrowable(() -> docker.inspectContainerCmd(HUB + "-student").exec())).isInstanceOf(NotFoundException.class);

            SpawnResult prof = start(spawner, Spawns.request(ServerId.defaultServer("prof"), Set.of("staff"),
                    Map.of("image", "alt", "memLimit", "1G"), List.of(), SpawnerState.EMPTY, 8081));
            InspectContainerResponse c = docker.inspectContainerCmd(id(prof)).exec();
            assertThat(c.getConfig().getImage()).isEqualTo(TestEngine.ALT_IMAGE);
            assertThat(c.getHostConfig().getMemory()).isEqualTo(1L << 30);
        }
    }

    @Test
    void awkwardUsernamesGetDistinctContainersTheEngineAccepts() {
        List<String> users = List.of("Alice", "alice", "a.lice", "alice@uni.example", "älice", "ali ce", "..alice", "al-ice", "al-2dice");
        try (DockerSpawner spawner = spawner().build()) {
            Set<String> names = new java.util.HashSet<>();
            for (String user : users) {
                SpawnResult r = start(spawner, Spawns.request(user));
                String name = docker.inspectContainerCmd(id(r)).exec().getName().substring(1);
                assertThat(names.add(name)).as("%s gets a name of its own: %s", user, name).isTrue();
                assertThat(docker.inspectContainerCmd(id(r)).exec().getConfig().getLabels())
                        .containsEntry(DockerSpawner.LABEL_HUB, HUB).containsEntry(DockerSpawner.LABEL_SERVER, "");
            }
            SpawnResult named = start(spawner, Spawns.request(new ServerId("Alice", "GPU.box"), Set.of(), Map.of(), List.of(),
                    SpawnerState.EMPTY, 8081));
            assertThat(docker.inspectContainerCmd(id(named)).exec().getName()).as("escaped user, --, escaped server name").isEqualTo("/" + HUB + "--41lice---47-50-55-2ebox");
        }
    }

    @Test
    void deletingAUserRemovesTheirContainerAndTheirVolumesButNobodyElses() throws Exception {
        DockerVolumes volumes = DockerVolumes.builder().volume(HUB + "-home-{username}", "/home/jovyan/work")
                .volume(HUB + "-scratch-{username}-{servername}", "/scratch").readOnlyVolume(HUB + "-shared", "/shared").build();
        try (DockerSpawner spawner = spawner().volumes(volumes).removeVolumesOnDelete(true).build()) {
            SpawnResult alice = start(spawner, Spawns.request("alice"));
            SpawnResult bob = start(spawner, Spawns.request("bob"));
            SpawnResult bobsNamed = start(spawner, Spawns.request(new ServerId("bob", "lab"), Set.of(), Map.of(), List.of(),
                    SpawnerState.EMPTY, 8081));
            ServerId bobLab = new ServerId("bob", "lab");
            spawner.stop(bobLab, bobsNamed.state()).toCompletableFuture().join();
            spawner.deleteForever(bobLab, bobsNamed.state(), false).toCompletableFuture().join();
            assertThat(volumeExists(HUB + "-scratch-bob-lab")).as("the named server's own volume").isFalse();
            assertThat(volumeExists(HUB + "-home-bob")).as("bob's home, kept while bob exists").isTrue();

            ServerId bobDefault = ServerId.defaultServer("bob");
            spawner.stop(bobDefault, bob.state()).toCompletableFuture().join();
            spawner.deleteForever(bobDefault, bob.state(), true).toCompletableFuture().join();
            assertThat(catchThrowable(() -> docker.inspectContainerCmd(id(bob)).exec())).isInstanceOf(NotFoundException.class);
            assertThat(volumeExists(HUB + "-home-bob")).isFalse();
            assertThat(volumeExists(HUB + "-home-alice")).isTrue();
            assertThat(volumeExists(HUB + "-shared")).as("a shared volume is nobody's").isTrue();
            assertThat(poll(spawner, ServerId.defaultServer("alice"), alice.state()).running()).isTrue();
        }
    }

    @Test
    void postStartCmdRunsInTheContainerAndItsFailureDoesNotFailTheSpawn() throws Exception {
        try (DockerSpawner spawner = spawner().postStartCmd(List.of("sh", "-c", "echo done > /tmp/post-start")).build()) {
            SpawnResult r = start(spawner, Spawns.request("post"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (TestEngine.exec(id(r), "cat", "/tmp/post-start").exitCode() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(TestEngine.exec(id(r), "cat", "/tmp/post-start").output()).isEqualTo("done\n");
        }
        try (DockerSpawner spawner = spawner().nameTemplate(HUB + "-pf-{username}").postStartCmd(List.of("false")).build()) {
            SpawnResult r = start(spawner, Spawns.request("post"));
            assertThat(poll(spawner, ServerId.defaultServer("post"), r.state()).running()).isTrue();
        }
    }

    private static boolean volumeExists(String name) {
        try {
            docker.inspectVolumeCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static UserInfo user(String name) {
        return new UserInfo(name, false, Set.of(), Map.of());
    }
}
