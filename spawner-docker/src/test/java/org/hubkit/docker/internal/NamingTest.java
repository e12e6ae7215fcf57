package org.hubkit.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hubkit.api.ServerId;
import org.hubkit.api.Usernames;
import org.junit.jupiter.api.Test;

class NamingTest {
    private static final List<String> AWKWARD = List.of("alice", "Alice", "ALICE", "a.lice", "alice@uni.example",
            "alice@uni-example", "älice", "a\u0308lice", "аlice", "ali ce", "..alice", "al-ice", "al-2dice", "-", "--", "a--b",
            "日本語", "x".repeat(255));

    @Test
    void awkwardUsernamesMapToDistinctValidContainerNames() {
        Set<String> names = new HashSet<>();
        for (String user : AWKWARD) {
            String name = Names.containerName("jupyter-{username}", ServerId.defaultServer(user));
            assertThat(name).matches(Names.DOCKER_NAME);
            assertThat(names.add(name)).as("%s gets a name of its own (%s)", user, name).isTrue();
        }
    }

    @Test
    void namedServersGetTheirOwnNamesThatNoDefaultServerCanTake() {
        Set<String> names = new HashSet<>();
        for (String user : AWKWARD) {
            names.add(Names.containerName("jupyter-{username}", ServerId.defaultServer(user)));
            for (String server : List.of("lab", "Lab", "gpu.box", "a--b")) {
                assertThat(names.add(Names.containerName("jupyter-{username}", new ServerId(user, server))))
                        .as("%s/%s", user, server).isTrue();
            }
        }
        assertThat(Names.containerName("jupyter-{username}", new ServerId("bob", "lab"))).isEqualTo("jupyter-bob--lab");
        assertThat(Names.containerName("{username}-on-{servername}", new ServerId("bob", "lab"))).isEqualTo("bob-on-lab");
    }

    @Test
    void theEscapeIsDockersafeAndNeverLeavesItsParentDirectory() {
        for (String evil : List.of("../etc", "/", "a/../../b", "\0", "..", ".")) {
            String escaped = Usernames.escape(evil);
            assertThat(escaped).matches("[a-z0-9-]+").doesNotContain("/").doesNotContain(".").doesNotContain("\0");
            assertThat("/srv/homes/" + escaped).startsWith("/srv/homes/").doesNotContain("..");
        }
        assertThat(Usernames.escape("../etc")).isEqualTo("-2e-2e-2fetc");
    }

    @Test
    void templatesAreCheckedForWhatTheEngineAccepts() {
        assertThat(Names.containerTemplateProblem("jupyter-{username}")).isNull();
        assertThat(Names.containerTemplateProblem("jupyter")).contains("{username}");
        assertThat(Names.containerTemplateProblem("/jupyter-{username}")).contains("refuses");
        assertThat(Names.volumeSourceProblem("jupyterhub-user-{username}")).isNull();
        assertThat(Names.volumeSourceProblem("/srv/homes/{username}")).isNull();
        assertThat(Names.volumeSourceProblem("/srv/../etc/{username}")).contains("'..'");
        assertThat(Names.volumeSourceProblem("relative/{username}")).contains("neither");
    }

    @Test
    void sizesAreParsedStrictlyInPowersOf1024() {
        assertThat(Sizes.parse("512M")).isEqualTo(512L << 20);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("1.5g")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("1024")).isEqualTo(1024);
        for (String bad : List.of("", "lots", "2GB", "-1G", "0", "1 G", "1e9", "G", "9999999T")) {
            assertThatThrownBy(() -> Sizes.parse(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Sizes.cpus("0.5")).isEqualTo(0.5);
        for (String bad : List.of("0", "-1", "half", "1e3x", "NaN", "Infinity")) {
            assertThatThrownBy(() -> Sizes.cpus(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void gpusAreAllANumberOrDeviceIds() {
        assertThat(Gpus.parse("all")).isEqualTo(new Gpus(-1, List.of()));
        assertThat(Gpus.parse("2")).isEqualTo(new Gpus(2, List.of()));
        assertThat(Gpus.parse("0,1")).isEqualTo(new Gpus(0, List.of("0", "1")));
        assertThat(Gpus.parse("GPU-3a1b")).isEqualTo(new Gpus(0, List.of("GPU-3a1b")));
        assertThat(Gpus.parse("device=0")).as("one numeric id, as docker run --gpus writes it").isEqualTo(new Gpus(0, List.of("0")));
        assertThat(Gpus.parse("device=0,1")).isEqualTo(new Gpus(0, List.of("0", "1")));
        for (String bad : List.of("", "0", ",", "0,", "a b", "all,0", "device=", "device=0,", "device=all")) {
            assertThatThrownBy(() -> Gpus.parse(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
