package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Mount;
import org.hubkit.api.ServerId;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.Test;

class DockerVolumesTest {
    private static UserInfo user(String name, String... groups) {
        return new UserInfo(name, false, Set.of(groups), Map.of());
    }

    @Test
    void theDefaultIsAVolumePerUserAtWork() {
        assertThat(DockerVolumes.defaults().mounts(ServerId.defaultServer("Alice"), user("Alice"))).containsExactly(
                new Mount(Mount.Kind.VOLUME, "jupyterhub-user--41lice", "/home/jovyan/work", false, Map.of("scope", "user")));
    }

    @Test
    void templatesAreEscapedSoNoNameLeavesItsParentOrTakesAnothersVolume() {
        DockerVolumes v = DockerVolumes.builder().volume("/srv/homes/{username}", "/home/jovyan/work")
                .volume("scratch-{username}-{servername}", "/scratch").readOnlyVolume("/srv/data", "/data")
                .groupVolume("staff", "staff-share", "/staff", false).build();
        List<Mount> m = v.mounts(new ServerId("a..b", "Lab"), user("a..b"));
        assertThat(m).extracting(Mount::source).containsExactly("/srv/homes/a-2e-2eb", "scratch-a-2e-2eb--4cab", "/srv/data");
        assertThat(m).extracting(Mount::kind).containsExactly(Mount.Kind.DIRECTORY, Mount.Kind.VOLUME, Mount.Kind.DIRECTORY);
        assertThat(m.get(1).options()).containsEntry("scope", "server");
        assertThat(m.get(2).readOnly()).isTrue();
        assertThat(v.mounts(ServerId.defaultServer("carol"), user("carol", "staff"))).extracting(Mount::target)
                .containsExactly("/home/jovyan/work", "/scratch", "/data", "/staff");
        assertThat(v.mounts(ServerId.defaultServer("alice@x"), user("alice@x")).get(0).source()).isEqualTo("/srv/homes/alice-40x");
    }

    @Test
    void aLayeredViewIsOneReadOnlyVolumeNamedAfterItsLayers() {
        DockerVolumes v = DockerVolumes.builder().layered("/archive", List.of("/srv/v1", "/srv/v2", "/srv/v3")).build();
        Mount m = v.mounts(ServerId.defaultServer("a"), user("a")).get(0);
        assertThat(m.readOnly()).isTrue();
        assertThat(m.options()).containsEntry("layers", "/srv/v1:/srv/v2:/srv/v3");
        assertThat(m.source()).matches("hubkit-layers-[0-9a-f]{16}")
                .isEqualTo(DockerVolumes.builder().layered("/other", List.of("/srv/v1", "/srv/v2", "/srv/v3")).build()
                        .mounts(ServerId.defaultServer("b"), user("b")).get(0).source())
                .isNotEqualTo(DockerVolumes.layeredVolumeName(List.of("/srv/v3", "/srv/v2", "/srv/v1")));
        assertThat(DockerSpawner.overlayOptions(List.of("/srv/v1", "/srv/v2", "/srv/v3")))
                .as("overlayfs lists its lower directories top first")
                .containsExactly(Map.entry("type", "overlay"), Map.entry("device", "overlay"),
                        Map.entry("o", "lowerdir=/srv/v3:/srv/v2:/srv/v1"));
    }

    @Test
    void badSourcesTargetsAndLayersAreAllReportedByField() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> DockerVolumes.builder()
                .volume("../{username}", "/work").volume("home", "relative").readOnlyVolume("/srv/../etc", "/etc2")
                .volume("a", "/same").volume("b", "/same").layered("/one", List.of("/srv/a"))
                .layered("/rel", List.of("/srv/a", "srv/b")).build());
        assertThat(e.problems()).containsExactly(
                "volumes.../{username}: the source '../{username}' is neither an absolute host path nor a valid volume name ('../x')",
                "volumes: the target 'relative' must be an absolute path in the container without '..'",
                "readOnlyVolumes./srv/../etc: the source '/srv/../etc' must not hold '.' or '..' path segments",
                "volumes.b: the target is mounted twice",
                "layeredVolumes./one: a layered view needs two or more layers; got 1",
                "layeredVolumes./rel: the layer 'srv/b' must be an absolute host directory");
    }
}
