package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigException;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerFactory;
import org.hubkit.api.UserInfo;
import org.hubkit.docker.internal.config.DockerSpawnerFactory;
import org.junit.jupiter.api.Test;

class DockerSpawnerFactoryTest {
    private static final ConfigContext CONTEXT = new ConfigContext() {
        @Override
        public Path dataDirectory() {
            return Path.of("/tmp/hub");
        }

        @Override
        public URI publicUrl() {
            return URI.create("http://127.0.0.1:8000");
        }

        @Override
        public String hubIp() {
            return "127.0.0.1";
        }

        @Override
        public int hubPort() {
            return 8081;
        }

        @Override
        public Optional<URI> hubConnectUrl() {
            return Optional.empty();
        }

        @Override
        public String proxyIp() {
            return "127.0.0.1";
        }

        @Override
        public int proxyPort() {
            return 8000;
        }

        @Override
        public Map<String, String> environment() {
            return Map.of();
        }
    };

    private static final Map<String, Object> FULL = Map.ofEntries(
            Map.entry("image", "hubkit/singleuser:test"), Map.entry("dockerHost", "unix:///var/run/docker.sock"),
            Map.entry("hubId", "dept"), Map.entry("cmd", "jupyterhub-singleuser"), Map.entry("args", List.of("--debug")),
            Map.entry("environment", Map.of("TZ", "UTC")), Map.entry("workDir", "/home/jovyan"),
            Map.entry("nameTemplate", "dept-{username}"), Map.entry("extraCreateConfig", Map.of("Hostname", "\"nb\"")),
            Map.entry("extraHostConfig", Map.of("ShmSize", "1073741824")), Map.entry("networkName", "dept-net"),
            Map.entry("useInternalIp", true), Map.entry("hostIp", "127.0.0.1"), Map.entry("internalNetwork", true),
            Map.entry("memLimit", "2G"), Map.entry("memGuarantee", "1G"), Map.entry("cpuLimit", "2"),
            Map.entry("cpuGuarantee", "0.5"), Map.entry("pidsLimit", 500), Map.entry("gpus", "all"), Map.entry("remove", false),
            Map.entry("stopTimeout", 5), Map.entry("postStartCmd", List.of("sh", "-c", "true")),
            Map.entry("removeVolumesOnDelete", true), Map.entry("pullPolicy", "never"), Map.entry("callConcurrency", 4),
            Map.entry("pullConcurrency", 1),
            Map.entry("volumes", Map.of("jupyterhub-user-{username}", "/home/jovyan/work", "/srv/shared", "/shared:ro")),
            Map.entry("readOnlyVolumes", Map.of("/srv/data", "/data")),
            Map.entry("groupVolumes", List.of(Map.of("group", "staff", "volumes", Map.of("staff", "/staff"),
                    "readOnlyVolumes", Map.of("/srv/exams", "/exams")))),
            Map.entry("layeredVolumes", Map.of("/archive", "/srv/v1:/srv/v2")),
            Map.entry("allowedImages", List.of("hubkit/singleuser:test")),
            Map.entry("options", Map.of(
                    "image", List.of(Map.of("value", "alt", "image", "hubkit/singleuser:alt", "label", "Alternative",
                            "groups", List.of("staff"))),
                    "memLimit", List.of(Map.of("value", "2G", "label", "2 GB", "default", true),
                            Map.of("value", "8G", "groups", List.of("big"))),
                    "cpuLimit", List.of(Map.of("value", "1")),
                    "gpus", List.of(Map.of("value", "none"), Map.of("value", "1", "description", "one GPU")))));

    private static final DockerSpawnerFactory FACTORY = new DockerSpawnerFactory();

    @Test
    void theFactoryIsFoundAsTypeDocker() {
        assertThat(ServiceLoader.load(SpawnerFactory.class).stream().map(p -> p.get().type())).contains("docker");
    }

    @Test
    void everyKeyIsReadAndTheSpawnerOffersTheConfiguredForm() {
        MapConfigNode node = new MapConfigNode(FULL);
        var configured = FACTORY.configure(node, CONTEXT);
        assertThat(node.problems()).isEmpty();
        try (Spawner spawner = configured.build()) {
            SpawnOptionsForm form = spawner.optionsForm();
            assertThat(form.fields()).extracting(SpawnOptionsForm.Field::name).containsExactly("image", "memLimit", "cpuLimit", "gpus");
            assertThat(form.fields().get(1).effectiveDefault()).isEqualTo("2G");
            UserInfo student = new UserInfo("s", false, Set.of(), Map.of());
            assertThat(form.forUser(student).fields().get(0).choices()).extracting(SpawnOptionsForm.Choice::value)
                    .containsExactly("hubkit/singleuser:test");
            assertThat(form.forUser(student).fields().get(1).choices()).extracting(SpawnOptionsForm.Choice::value)
                    .containsExactly("2G");
        }
    }

    @Test
    void wrongValuesAreReportedUnderTheirKeys() {
        MapConfigNode node = new MapConfigNode(Map.of("image", "x", "pullPolicy", "sometimes", "pidsLimit", "many",
                "volumes", Map.of("v", "/a:/b"), "extraHostConfig", Map.of("ShmSize", "{not json"), "imagee", "typo",
                "options", Map.of("memLimit", List.of(Map.of("label", "no value")), "disk", List.of())));
        FACTORY.configure(node, CONTEXT);
        assertThat(node.problems()).containsExactlyInAnyOrder(
                "pullPolicy: must be one of [ifNotPresent, always, never]; got 'sometimes'",
                "pidsLimit: must be an integer; got String",
                "volumes.v: must be a target path, optionally followed by :ro or :rw; got '/a:/b'",
                "extraHostConfig.ShmSize: must be a JSON value (quote a string twice: '\"text\"')",
                "options.memLimit[0].value: is required",
                "imagee: unknown key", "options.disk: unknown key");
    }

    @Test
    void whatOnlyTheBuilderChecksComesBackUnderTheSameKeys() {
        Map<String, Object> bad = Map.of("memLimit", "lots", "cpuLimit", "0", "gpus", "0", "nameTemplate", "nobody",
                "hubId", "Upper", "options", Map.of("memLimit", List.of(Map.of("value", "huge"))),
                "layeredVolumes", Map.of("/a", "/srv/only"));
        MapConfigNode node = new MapConfigNode(bad);
        var configured = FACTORY.configure(node, CONTEXT);
        assertThat(node.problems()).isEmpty();
        ConfigException e = catchThrowableOfType(ConfigException.class, configured::build);
        assertThat(e.details()).extracting(ConfigException.Problem::key).containsExactly("layeredVolumes./a");
        ConfigException spawner = catchThrowableOfType(ConfigException.class, () -> {
            MapConfigNode n = new MapConfigNode(Map.of("memLimit", "lots", "cpuLimit", "0", "gpus", "0",
                    "nameTemplate", "nobody", "hubId", "Upper", "options", Map.of("memLimit", List.of(Map.of("value", "huge")))));
            FACTORY.configure(n, CONTEXT).build();
        });
        assertThat(spawner.details()).extracting(ConfigException.Problem::key)
                .containsExactly("image", "hubId", "nameTemplate", "memLimit", "cpuLimit", "gpus", "options.memLimit");
    }

    @Test
    void theReadmeDocumentsExactlyTheKeysTheFactoryReads() throws Exception {
        MapConfigNode node = new MapConfigNode(FULL);
        FACTORY.configure(node, CONTEXT);
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        Matcher section = Pattern.compile("(?s)\n## Reference server keys\n(.*?)(\n## |$)").matcher(readme);
        assertThat(section.find()).isTrue();
        List<String> documented = Pattern.compile("(?m)^\\| `spawner\\.([^`.]+)` \\|").matcher(section.group(1)).results()
                .map(m -> m.group(1)).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(node.readKeys());
        assertThat(section.group(1)).contains("`spawner.type: docker`");
    }
}
