package org.hubkit.docker.internal.config;

import static org.hubkit.docker.internal.config.Shapes.describe;
import static org.hubkit.docker.internal.config.Shapes.mapping;
import static org.hubkit.docker.internal.config.Shapes.strings;
import static org.hubkit.docker.internal.config.Shapes.text;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerFactory;
import org.hubkit.docker.DockerSpawner;
import org.hubkit.docker.DockerVolumes;

/**
 * {@code spawner.type: docker}: {@link DockerSpawner}, every key of spawner-docker's README.
 * Reads every key on every call; the builder's own checks come back from {@code build()} under
 * the same key names (the builder's fields are named as the keys). Keys that take several shapes
 * (DockerSpawner's own, and the one-string forms) are read with {@link ConfigNode#value} and
 * checked here, each wrong part a problem at its own path ({@code volumes./data.mode}).
 */
public final class DockerSpawnerFactory implements SpawnerFactory {
    private static final ObjectReader JSON = new ObjectMapper().readerFor(Object.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<String> PULL_POLICIES = List.of("ifNotPresent", "always", "never");
    private static final List<String> OPTION_FIELDS = List.of("memLimit", "cpuLimit", "gpus");
    private static final List<String> IMAGE_KEYS = List.of("image", "description", "groups", "default");
    private static final List<String> BIND_KEYS = List.of("bind", "mode");
    private static final String SIZE = "a size such as 2G, or a number of bytes";
    private static final String CPUS = "a number of CPUs such as 1.5";

    @Override
    public String type() {
        return "docker";
    }

    @Override
    public Configured<Spawner> configure(ConfigNode node, ConfigContext context) {
        String envHost = context.environment().get("DOCKER_HOST");
        DockerSpawner.Builder b = DockerSpawner.builder()
                .dockerHost(node.string("dockerHost", envHost == null || envHost.isBlank() ? "unix:///var/run/docker.sock" : envHost))
                .hubId(node.string("hubId", "hubkit"))
                .image(node.string("image", null))
                .cmd(node.command("cmd", List.of()))
                .args(node.strings("args"))
                .workDir(node.string("workDir", null))
                .nameTemplate(node.string("nameTemplate", "jupyter-{username}"))
                .hostIp(node.string("hostIp", "127.0.0.1"))
                .internalNetwork(node.bool("internalNetwork", false))
                .memLimit(text(node, "memLimit", node.value("memLimit"), SIZE))
                .memGuarantee(text(node, "memGuarantee", node.value("memGuarantee"), SIZE))
                .cpuLimit(text(node, "cpuLimit", node.value("cpuLimit"), CPUS))
                .cpuGuarantee(text(node, "cpuGuarantee", node.value("cpuGuarantee"), CPUS))
                .pidsLimit(node.integer("pidsLimit", 0, 0, Integer.MAX_VALUE))
                .gpus(gpus(node))
                .remove(node.bool("remove", false))
                .stopTimeout(node.seconds("stopTimeout", java.time.Duration.ofSeconds(10)))
                .postStartCmd(node.command("postStartCmd", List.of()))
                .removeVolumesOnDelete(node.bool("removeVolumesOnDelete", false))
                .concurrency(node.integer("callConcurrency", 8, 1, 256), node.integer("pullConcurrency", 2, 1, 64));
        node.stringMap("environment").forEach(b::environment);
        if (node.has("networkName")) {
            b.networkName(node.string("networkName", "bridge"));
        }
        if (node.has("useInternalIp")) {
            b.useInternalIp(node.bool("useInternalIp", true));
        }
        String policy = node.oneOf("pullPolicy", "ifNotPresent", PULL_POLICIES);
        b.pullPolicy(DockerSpawner.PullPolicy.values()[PULL_POLICIES.indexOf(policy)]);
        b.extraCreateConfig(extras(node, "extraCreateConfig"));
        b.extraHostConfig(extras(node, "extraHostConfig"));
        Defaults defaults = new Defaults(b);
        allowedImages(node, b, defaults);
        readOptions(node.node("options"), b, defaults);
        DockerVolumes.Builder volumes = DockerVolumes.builder();
        Object own = node.value("volumes");
        addVolumes(node, "volumes", own == null ? Map.of("jupyterhub-user-{username}", "/home/jovyan/work") : own, false, null,
                volumes);
        addVolumes(node, "readOnlyVolumes", node.value("readOnlyVolumes"), true, null, volumes);
        for (ConfigNode group : node.nodes("groupVolumes")) {
            String name = group.string("group", null);
            if (name == null || name.isBlank()) {
                group.problem("group", "is required: the group whose members get these volumes");
            }
            addVolumes(group, "volumes", group.value("volumes"), false, name, volumes);
            addVolumes(group, "readOnlyVolumes", group.value("readOnlyVolumes"), true, name, volumes);
        }
        layeredVolumes(node, volumes);
        return () -> b.volumes(volumes.build()).build();
    }

    /** {@code all}, a number, or device ids: a list ({@code [0, 1]}, {@code ["GPU-3a1b"]}) or the string forms. */
    private static String gpus(ConfigNode node) {
        Object v = node.value("gpus");
        String expected = "all, a whole number of GPUs, or a list of device ids";
        if (v instanceof Double) {
            node.problem("gpus", "must be " + expected + "; got " + describe(v));
            return null;
        }
        if (!(v instanceof List<?> list)) {
            return text(node, "gpus", v, expected);
        }
        if (list.isEmpty()) {
            node.problem("gpus", "must name at least one device (leave gpus out for no GPU)");
            return null;
        }
        StringBuilder ids = new StringBuilder("device=");
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            Object id = list.get(i);
            String s = id instanceof Long || id instanceof String ? id.toString() : null;
            if (s == null || s.isBlank() || s.contains(",")) {
                node.problem("gpus[" + i + "]", "must be a device id such as 0 or GPU-3a1b; got " + describe(id));
                ok = false;
            }
            ids.append(i == 0 ? "" : ",").append(s);
        }
        return ok ? ids.toString() : null;
    }

    /**
     * Any YAML value ({@code ShmSize: 1073741824}, {@code CapAdd: [SYS_PTRACE]}); a string holding a JSON object or list
     * (the README's former form, {@code CapAdd: '["SYS_PTRACE"]'}) is parsed, a string wholly in double quotes (its
     * former way of writing a string) refused, so that neither silently changes meaning.
     */
    private static Map<String, Object> extras(ConfigNode node, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> in = mapping(node, key, node.value(key), "a mapping of Docker Engine API names to values");
        if (in == null) {
            return out;
        }
        in.forEach((name, v) -> {
            String at = key + "." + name;
            String s = v instanceof String t ? t.strip() : "";
            if (s.startsWith("{") || s.startsWith("[")) {
                try {
                    out.put(name, JSON.readValue(s));
                } catch (IOException e) {
                    node.problem(at, "starts like JSON text but is not valid JSON; write the value as YAML instead");
                }
            } else if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                node.problem(at, "must be the text itself, without JSON quotes: write " + s.substring(1, s.length() - 1));
            } else {
                out.put(name, v);
            }
        });
        return out;
    }

    /** A list of images, or a mapping of display names to an image or {@code {image, description, groups, default}}. */
    private static void allowedImages(ConfigNode node, DockerSpawner.Builder b, Defaults defaults) {
        Object v = node.value("allowedImages");
        if (v instanceof List<?> list) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                String at = "allowedImages[" + i + "]";
                if (!(list.get(i) instanceof String image) || image.isBlank()) {
                    node.problem(at, "must be an image name; got " + describe(list.get(i)));
                } else if (!seen.add(image)) {
                    node.problem(at, "lists " + image + " a second time");
                } else {
                    b.imageChoice(Choice.of(image), image);
                }
            }
            return;
        }
        Map<String, Object> named = mapping(node, "allowedImages", v,
                "a list of images, or a mapping of display names to images");
        if (named == null) {
            return;
        }
        named.forEach((label, entry) -> {
            String at = "allowedImages." + label;
            if (label.isBlank()) {
                node.problem(at, "a display name must not be blank");
            } else if (entry instanceof String image && !image.isBlank()) {
                b.imageChoice(new Choice(label, label, "", Set.of()), image);
            } else if (entry instanceof Map<?, ?> m) {
                imageEntry(node, at, label, Shapes.cast(m), b, defaults);
            } else {
                node.problem(at, "must be an image name, or a mapping with image, groups and default; got " + describe(entry));
            }
        });
    }

    private static void imageEntry(ConfigNode node, String at, String label, Map<String, Object> entry, DockerSpawner.Builder b,
                                   Defaults defaults) {
        Shapes.unknownKeys(node, at, entry, IMAGE_KEYS);
        Object image = entry.get("image");
        if (!(image instanceof String) || ((String) image).isBlank()) {
            node.problem(at + ".image", image == null ? "is required: the image this choice starts"
                    : "must be an image name; got " + describe(image));
        }
        Object description = entry.get("description");
        if (description != null && !(description instanceof String)) {
            node.problem(at + ".description", "must be a string; got " + describe(description));
        }
        List<String> groups = strings(node, at + ".groups", entry.get("groups"), "a list of group names");
        Object isDefault = entry.get("default");
        if (isDefault != null && !(isDefault instanceof Boolean)) {
            node.problem(at + ".default", "must be true or false; got " + describe(isDefault));
        }
        if (image instanceof String i && !i.isBlank() && groups != null) {
            b.imageChoice(new Choice(label, label, description instanceof String d ? d : "", Set.copyOf(groups)), i);
            if (Boolean.TRUE.equals(isDefault)) {
                defaults.set(node, at + ".default", "image", label);
            }
        }
    }

    /**
     * Source to {@code target}, {@code target:ro} or {@code target:rw} (as {@code docker run -v} writes the part after the
     * source), or to {@code {bind: target, mode: ro|rw}} (DockerSpawner's form).
     */
    private static void addVolumes(ConfigNode node, String key, Object value, boolean readOnly, String group,
                                   DockerVolumes.Builder volumes) {
        Map<String, Object> entries = mapping(node, key, value, "a mapping of sources to targets");
        if (entries == null) {
            return;
        }
        entries.forEach((source, spec) -> {
            String at = key + "." + source;
            String target;
            String mode = null;
            if (spec instanceof String s) {
                int colon = s.lastIndexOf(':');
                boolean withMode = colon > 0 && Set.of("ro", "rw").contains(s.substring(colon + 1));
                if (colon >= 0 && !withMode) {
                    node.problem(at, "must be a target path, optionally followed by :ro or :rw; got '" + s + "'");
                    return;
                }
                target = withMode ? s.substring(0, colon) : s;
                mode = withMode ? s.substring(colon + 1) : null;
            } else if (spec instanceof Map<?, ?> m) {
                Map<String, Object> bind = Shapes.cast(m);
                Shapes.unknownKeys(node, at, bind, BIND_KEYS);
                target = bind.get("bind") instanceof String s && !s.isBlank() ? s : null;
                if (target == null) {
                    node.problem(at + ".bind", bind.get("bind") == null ? "is required: the path in the container"
                            : "must be a path in the container; got " + describe(bind.get("bind")));
                }
                Object given = bind.get("mode");
                if (given != null && !"ro".equals(given) && !"rw".equals(given)) {
                    node.problem(at + ".mode", "must be ro or rw; got " + describe(given));
                    return;
                }
                mode = (String) given;
                if (target == null) {
                    return;
                }
            } else {
                node.problem(at, "must be a target path (target, target:ro) or a mapping {bind: target, mode: ro}; got "
                        + describe(spec));
                return;
            }
            if (readOnly && "rw".equals(mode)) {
                node.problem(at, "must not be rw: " + key + " are mounted read-only (put it in volumes instead)");
                return;
            }
            boolean ro = readOnly || "ro".equals(mode);
            if (group != null) {
                volumes.groupVolume(group, source, target, ro);
            } else if (ro) {
                volumes.readOnlyVolume(source, target);
            } else {
                volumes.volume(source, target);
            }
        });
    }

    /** Target to a list of directories, bottom first, or to {@code "dirA:dirB:dirC"}. */
    private static void layeredVolumes(ConfigNode node, DockerVolumes.Builder volumes) {
        Map<String, Object> layered = mapping(node, "layeredVolumes", node.value("layeredVolumes"),
                "a mapping of targets to lists of directories");
        if (layered == null) {
            return;
        }
        layered.forEach((target, layers) -> {
            String at = "layeredVolumes." + target;
            List<String> dirs = null;
            if (layers instanceof String s) {
                dirs = List.of(s.split(":", -1));
            } else if (layers instanceof List) {
                dirs = strings(node, at, layers, "");
            } else {
                node.problem(at, "must be a list of directories, bottom layer first (or \"dirA:dirB\"); got " + describe(layers));
            }
            if (dirs != null) {
                volumes.layered(target, dirs);
            }
        });
    }

    private static void readOptions(ConfigNode options, DockerSpawner.Builder b, Defaults defaults) {
        for (ConfigNode entry : options.nodes("image")) {
            Choice choice = choice(entry);
            String image = entry.string("image", null);
            boolean isDefault = entry.bool("default", false);
            if (choice != null) {
                b.imageChoice(choice, image == null ? choice.value() : image);
                if (isDefault) {
                    defaults.set(entry, "default", "image", choice.value());
                }
            }
        }
        for (String field : OPTION_FIELDS) {
            for (ConfigNode entry : options.nodes(field)) {
                Choice choice = choice(entry);
                boolean isDefault = entry.bool("default", false);
                if (choice != null) {
                    b.choice(field, choice);
                    if (isDefault) {
                        defaults.set(entry, "default", field, choice.value());
                    }
                }
            }
        }
    }

    private static Choice choice(ConfigNode entry) {
        String value = entry.string("value", null);
        String label = entry.string("label", null);
        String description = entry.string("description", "");
        List<String> groups = entry.strings("groups");
        if (value == null || value.isBlank()) {
            entry.problem("value", "is required");
            return null;
        }
        return new Choice(value, label, description, Set.copyOf(groups));
    }

    /** The default choice of each field: one at most, from {@code allowedImages} or {@code options}. */
    private static final class Defaults {
        private final DockerSpawner.Builder builder;
        private final Map<String, String> setAt = new LinkedHashMap<>();

        Defaults(DockerSpawner.Builder builder) {
            this.builder = builder;
        }

        void set(ConfigNode node, String key, String field, String value) {
            String earlier = setAt.putIfAbsent(field, node.key(key));
            if (earlier != null) {
                node.problem(key, "only one " + field + " choice can be the default; " + earlier + " is already");
            } else {
                builder.defaultChoice(field, value);
            }
        }
    }
}
