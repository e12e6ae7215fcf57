package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Mount;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerFactory;
import org.hubkit.api.UserInfo;
import org.hubkit.docker.internal.CreateRequest;
import org.hubkit.docker.internal.Gpus;
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
            Map.entry("nameTemplate", "dept-{username}"), Map.entry("extraCreateConfig", Map.of("Hostname", "nb")),
            Map.entry("extraHostConfig", Map.of("ShmSize", 1073741824)), Map.entry("networkName", "dept-net"),
            Map.entry("useInternalIp", true), Map.entry("hostIp", "127.0.0.1"), Map.entry("internalNetwork", true),
            Map.entry("memLimit", "2G"), Map.entry("memGuarantee", "1G"), Map.entry("cpuLimit", 2),
            Map.entry("cpuGuarantee", 0.5), Map.entry("pidsLimit", 500), Map.entry("gpus", "all"), Map.entry("remove", false),
            Map.entry("stopTimeout", 5), Map.entry("postStartCmd", List.of("sh", "-c", "true")),
            Map.entry("removeVolumesOnDelete", true), Map.entry("pullPolicy", "never"), Map.entry("callConcurrency", 4),
            Map.entry("pullConcurrency", 1),
            Map.entry("volumes", Map.of("jupyterhub-user-{username}", "/home/jovyan/work", "/srv/shared", "/shared:ro",
                    "/srv/scratch", Map.of("bind", "/scratch", "mode", "rw"))),
            Map.entry("readOnlyVolumes", Map.of("/srv/data", "/data")),
            Map.entry("groupVolumes", List.of(Map.of("group", "staff", "volumes", Map.of("staff", "/staff"),
                    "readOnlyVolumes", Map.of("/srv/exams", "/exams")))),
            Map.entry("layeredVolumes", Map.of("/archive", List.of("/srv/v1", "/srv/v2"))),
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
                "extraHostConfig.ShmSize: starts like JSON text but is not valid JSON; write the value as YAML instead",
                "options.memLimit[0].value: is required",
                "imagee: unknown key", "options.disk: unknown key");
    }

    // ---- the shapes each key takes, written as an operator writes them ---------------------------

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ServerId ALICE = ServerId.defaultServer("alice");

    /** The {@code spawner} section of a YAML file, less its {@code type}, as the reference server hands it over. */
    private static MapConfigNode yaml(String text) {
        try {
            Map<String, Object> file = YAML.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
            @SuppressWarnings("unchecked")
            Map<String, Object> spawner = new LinkedHashMap<>((Map<String, Object>) file.get("spawner"));
            assertThat(spawner.remove("type")).isEqualTo("docker");
            return new MapConfigNode(spawner);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Configures and builds: no problem, no builder problem. */
    private static DockerSpawner built(MapConfigNode node) {
        var configured = FACTORY.configure(node, CONTEXT);
        assertThat(node.problems()).isEmpty();
        return (DockerSpawner) configured.build();
    }

    /** @param keys the keys of a {@code spawner:} section of {@code type: docker}, as YAML */
    private static DockerSpawner built(String keys) {
        return built(yaml("spawner:\n  type: docker\n" + keys.indent(2)));
    }

    private static List<String> problems(String keys) {
        MapConfigNode node = yaml("spawner:\n  type: docker\n" + keys.indent(2));
        FACTORY.configure(node, CONTEXT);
        return node.problems();
    }

    private static UserInfo user(String name, String... groups) {
        return new UserInfo(name, false, Set.of(groups), Map.of());
    }

    @Test
    void theReadmesExampleLoadsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        Matcher example = Pattern.compile("(?s)For instance[^\\n]*:\n\n```yaml\n(spawner:\n.*?)```").matcher(readme);
        assertThat(example.find()).isTrue();
        try (DockerSpawner spawner = built(yaml(example.group(1)))) {
            assertThat(spawner.choices().form().fields()).extracting(SpawnOptionsForm.Field::name)
                    .containsExactly("image", "memLimit", "cpuLimit", "gpus");
            assertThat(spawner.choices().images()).containsEntry("Python", "quay.io/jupyter/base-notebook:2024-12-02");
            assertThat(spawner.volumes().mounts(ALICE, user("alice"))).extracting(Mount::target)
                    .contains("/home/jovyan/work", "/home/jovyan/shared", "/home/jovyan/data", "/home/jovyan/archive");
        }
    }

    @Test
    void allowedImagesAreAListOfImagesEachOfferedUnderItsName() {
        try (DockerSpawner spawner = built("""
                image: quay.io/jupyter/base-notebook:2024-12-02
                allowedImages:
                  - quay.io/jupyter/base-notebook:2024-12-02
                  - quay.io/jupyter/scipy-notebook:2024-12-02
                """)) {
            assertThat(spawner.choices().images()).containsOnly(
                    Map.entry("quay.io/jupyter/base-notebook:2024-12-02", "quay.io/jupyter/base-notebook:2024-12-02"),
                    Map.entry("quay.io/jupyter/scipy-notebook:2024-12-02", "quay.io/jupyter/scipy-notebook:2024-12-02"));
            assertThat(spawner.optionsForm().fields().get(0).choices()).extracting(SpawnOptionsForm.Choice::label)
                    .containsExactly("quay.io/jupyter/base-notebook:2024-12-02", "quay.io/jupyter/scipy-notebook:2024-12-02");
        }
    }

    @Test
    void allowedImagesAreAMappingOfDisplayNamesToImagesOrToImageGroupsAndDefault() {
        try (DockerSpawner spawner = built("""
                image: quay.io/jupyter/base-notebook:2024-12-02
                allowedImages:
                  Python 3: quay.io/jupyter/base-notebook:2024-12-02
                  R:
                    image: quay.io/jupyter/r-notebook:2024-12-02
                    default: true
                  PyTorch (GPU):
                    image: quay.io/jupyter/pytorch-notebook:cuda12-2024-12-02
                    description: CUDA 12, for the GPU nodes
                    groups: [gpu-users]
                """)) {
            SpawnOptionsForm.Field images = spawner.optionsForm().fields().get(0);
            assertThat(images.choices()).extracting(SpawnOptionsForm.Choice::value).as("the display name is what the form sends")
                    .containsExactly("Python 3", "R", "PyTorch (GPU)");
            assertThat(images.choices()).extracting(SpawnOptionsForm.Choice::label).containsExactly("Python 3", "R", "PyTorch (GPU)");
            assertThat(images.choices().get(2).description()).isEqualTo("CUDA 12, for the GPU nodes");
            assertThat(images.effectiveDefault()).isEqualTo("R");
            assertThat(spawner.choices().images()).containsEntry("Python 3", "quay.io/jupyter/base-notebook:2024-12-02")
                    .containsEntry("PyTorch (GPU)", "quay.io/jupyter/pytorch-notebook:cuda12-2024-12-02");
            assertThat(spawner.optionsForm().forUser(user("s")).fields().get(0).choices()).extracting(SpawnOptionsForm.Choice::value)
                    .containsExactly("Python 3", "R");
            assertThat(spawner.optionsForm().forUser(user("g", "gpu-users")).fields().get(0).choices()).hasSize(3);
            assertThat(spawner.choices().resolve(user("s"), Map.of())).containsEntry("image", "R");
        }
    }

    @Test
    void volumesAreTargetsWithAModeOrDockerSpawnersBindMappings() {
        try (DockerSpawner spawner = built("""
                image: notebook
                volumes:
                  jupyterhub-user-{username}: /home/jovyan/work
                  /srv/shared: /home/jovyan/shared:ro
                  /srv/scratch: {bind: /scratch, mode: rw}
                  /srv/data: {bind: /data, mode: ro}
                  /srv/tools: {bind: /tools}
                readOnlyVolumes:
                  /srv/ref: /ref
                  /srv/ref2: {bind: /ref2}
                  /srv/ref3: {bind: /ref3, mode: ro}
                groupVolumes:
                  - group: staff
                    volumes: {/srv/staff: {bind: /staff, mode: ro}}
                    readOnlyVolumes: {/srv/exams: /exams}
                """)) {
            assertThat(spawner.volumes().mounts(ALICE, user("alice", "staff")))
                    .extracting(m -> m.target() + (m.readOnly() ? ":ro" : ":rw")).containsExactly(
                            "/home/jovyan/work:rw", "/home/jovyan/shared:ro", "/scratch:rw", "/data:ro", "/tools:rw",
                            "/ref:ro", "/ref2:ro", "/ref3:ro", "/staff:ro", "/exams:ro");
        }
        try (DockerSpawner none = built("image: notebook\nvolumes: {}")) {
            assertThat(none.volumes().mounts(ALICE, user("alice"))).isEmpty();
        }
        try (DockerSpawner byDefault = built("image: notebook\nvolumes: null")) {
            assertThat(byDefault.volumes().mounts(ALICE, user("alice"))).extracting(Mount::source)
                    .containsExactly("jupyterhub-user-alice");
        }
    }

    @Test
    void aLayeredViewIsAListOfDirectoriesOrOneStringOfThem() {
        try (DockerSpawner spawner = built("""
                image: notebook
                volumes: {}
                layeredVolumes:
                  /archive:
                    - /srv/archive/2019
                    - /srv/archive/2023
                  /old: /srv/a:/srv/b:/srv/c
                """)) {
            assertThat(spawner.volumes().mounts(ALICE, user("alice"))).extracting(m -> m.options().get(DockerVolumes.LAYERS))
                    .containsExactly("/srv/archive/2019:/srv/archive/2023", "/srv/a:/srv/b:/srv/c");
        }
    }

    @Test
    void extrasAreYamlValuesAndAJsonObjectOrListInAStringStillReads() {
        try (DockerSpawner spawner = built("""
                image: notebook
                extraCreateConfig:
                  Hostname: nb
                  User: "1000"
                  Labels: {team: data}
                extraHostConfig:
                  ShmSize: 1073741824
                  CapAdd: [SYS_PTRACE]
                  SecurityOpt: '["no-new-privileges"]'
                  Ulimits:
                    - {Name: nofile, Soft: 4096, Hard: 8192}
                  OomKillDisable: false
                  CpuPercent: 12.5
                """)) {
            assertThat(spawner.extras().get(0).toString()).isEqualTo("{\"Hostname\":\"nb\",\"User\":\"1000\",\"Labels\":{\"team\":\"data\"}}");
            assertThat(spawner.extras().get(1).toString()).isEqualTo("{\"ShmSize\":1073741824,\"CapAdd\":[\"SYS_PTRACE\"],"
                    + "\"SecurityOpt\":[\"no-new-privileges\"],\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":4096,\"Hard\":8192}],"
                    + "\"OomKillDisable\":false,\"CpuPercent\":12.5}");
        }
    }

    @Test
    void limitsAreNumbersOrStrings() {
        try (DockerSpawner spawner = built("""
                image: notebook
                memLimit: 2147483648
                memGuarantee: 1G
                cpuLimit: 1.5
                cpuGuarantee: 1
                gpus: 2
                """)) {
            assertThat(spawner.limits()).isEqualTo(new CreateRequest.Limits(2L << 30, 1L << 30, 1.5, 1, 0, new Gpus(2, List.of())));
        }
        try (DockerSpawner spawner = built("image: notebook\ncpuLimit: '0.5'\nmemLimit: 512M\ngpus: all")) {
            assertThat(spawner.limits()).isEqualTo(new CreateRequest.Limits(512L << 20, 0, 0.5, 0, 0, new Gpus(-1, List.of())));
        }
        Map<String, Gpus> lists = Map.of("[0, 1]", new Gpus(0, List.of("0", "1")), "['0', '1']", new Gpus(0, List.of("0", "1")),
                "[0]", new Gpus(0, List.of("0")), "[GPU-3a1b]", new Gpus(0, List.of("GPU-3a1b")), "device=1", new Gpus(0, List.of("1")),
                "'0,1'", new Gpus(0, List.of("0", "1")));
        lists.forEach((gpus, expected) -> {
            try (DockerSpawner spawner = built("image: notebook\ngpus: " + gpus)) {
                assertThat(spawner.limits().gpus()).as(gpus).isEqualTo(expected);
            }
        });
    }

    @Test
    void everyWrongShapeIsAProblemAtItsExactKey() {
        assertThat(problems("""
                image: notebook
                allowedImages:
                  Python: ""
                  R: {image: r-notebook, groups: staff, default: yes please}
                  Julia: {groups: [ok, 7], imgae: julia}
                  Go: [go-notebook]
                  Scala: {image: scala, description: 3}
                volumes:
                  /data: {bind: /data, mode: rx}
                  /srv/a: {mode: ro}
                  /srv/b: {bind: [/b]}
                  /srv/c: {bind: /c, size: 1G}
                  /srv/d: 42
                  /srv/e:
                readOnlyVolumes:
                  /srv/f: /f:rw
                  /srv/g: {bind: /g, mode: rw}
                groupVolumes:
                  - group: staff
                    volumes: [/srv/staff]
                layeredVolumes:
                  /archive: [/srv/v1, 2023]
                  /other: {a: b}
                extraCreateConfig:
                  Hostname: '"nb"'
                  Cmd: '[not json'
                extraHostConfig: '{"ShmSize": 1}'
                memLimit: [2G]
                memGuarantee: true
                cpuLimit: {cpus: 2}
                gpus: [0, 1.5, "a,b", true]
                """)).containsExactlyInAnyOrder(
                "allowedImages.Python: must be an image name, or a mapping with image, groups and default; got a string ('')",
                "allowedImages.R.groups: must be a list of group names; got a string ('staff')",
                "allowedImages.R.default: must be true or false; got a string ('yes please')",
                "allowedImages.Julia.imgae: unknown key; expected image, description, groups or default",
                "allowedImages.Julia.image: is required: the image this choice starts",
                "allowedImages.Julia.groups[1]: must be a non-empty string; got an integer (7)",
                "allowedImages.Go: must be an image name, or a mapping with image, groups and default; got a list",
                "allowedImages.Scala.description: must be a string; got an integer (3)",
                "volumes./data.mode: must be ro or rw; got a string ('rx')",
                "volumes./srv/a.bind: is required: the path in the container",
                "volumes./srv/b.bind: must be a path in the container; got a list",
                "volumes./srv/c.size: unknown key; expected bind or mode",
                "volumes./srv/d: must be a target path (target, target:ro) or a mapping {bind: target, mode: ro}; got an integer (42)",
                "volumes./srv/e: must be a target path (target, target:ro) or a mapping {bind: target, mode: ro}; got null",
                "readOnlyVolumes./srv/f: must not be rw: readOnlyVolumes are mounted read-only (put it in volumes instead)",
                "readOnlyVolumes./srv/g: must not be rw: readOnlyVolumes are mounted read-only (put it in volumes instead)",
                "groupVolumes[0].volumes: must be a mapping of sources to targets; got a list",
                "layeredVolumes./archive[1]: must be a non-empty string; got an integer (2023)",
                "layeredVolumes./other: must be a list of directories, bottom layer first (or \"dirA:dirB\"); got a mapping",
                "extraCreateConfig.Hostname: must be the text itself, without JSON quotes: write nb",
                "extraCreateConfig.Cmd: starts like JSON text but is not valid JSON; write the value as YAML instead",
                "extraHostConfig: must be a mapping of Docker Engine API names to values; got a string ('{\"ShmSize\": 1}')",
                "memLimit: must be a size such as 2G, or a number of bytes; got a list",
                "memGuarantee: must be a size such as 2G, or a number of bytes; got a boolean (true)",
                "cpuLimit: must be a number of CPUs such as 1.5; got a mapping",
                "gpus[1]: must be a device id such as 0 or GPU-3a1b; got a number (1.5)",
                "gpus[2]: must be a device id such as 0 or GPU-3a1b; got a string ('a,b')",
                "gpus[3]: must be a device id such as 0 or GPU-3a1b; got a boolean (true)");
        assertThat(problems("image: x\ngpus: 1.0")).containsExactly(
                "gpus: must be all, a whole number of GPUs, or a list of device ids; got a number (1.0)");
        assertThat(problems("image: x\ngpus: true")).containsExactly(
                "gpus: must be all, a whole number of GPUs, or a list of device ids; got a boolean (true)");
        assertThat(problems("image: x\nallowedImages: python\ngpus: []")).containsExactly(
                "gpus: must name at least one device (leave gpus out for no GPU)",
                "allowedImages: must be a list of images, or a mapping of display names to images; got a string ('python')");
        assertThat(problems("image: x\nallowedImages: [a, '', a, 3]")).containsExactly(
                "allowedImages[1]: must be an image name; got a string ('')", "allowedImages[2]: lists a a second time",
                "allowedImages[3]: must be an image name; got an integer (3)");
    }

    @Test
    void oneDefaultPerFieldWhetherFromAllowedImagesOrOptions() {
        assertThat(problems("""
                image: x
                allowedImages:
                  A: {image: a, default: true}
                  B: {image: b, default: true}
                options:
                  image:
                    - {value: c, default: true}
                  memLimit:
                    - {value: 1G, default: true}
                    - {value: 2G, default: true}
                """)).containsExactly(
                "allowedImages.B.default: only one image choice can be the default; allowedImages.A.default is already",
                "options.image[0].default: only one image choice can be the default; allowedImages.A.default is already",
                "options.memLimit[1].default: only one memLimit choice can be the default; options.memLimit[0].default is already");
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
