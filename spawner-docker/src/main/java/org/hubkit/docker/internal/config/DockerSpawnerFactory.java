package org.hubkit.docker.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
 * the same key names (the builder's fields are named as the keys).
 */
public final class DockerSpawnerFactory implements SpawnerFactory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PULL_POLICIES = List.of("ifNotPresent", "always", "never");
    private static final List<String> OPTION_FIELDS = List.of("memLimit", "cpuLimit", "gpus");

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
                .memLimit(node.string("memLimit", null))
                .memGuarantee(node.string("memGuarantee", null))
                .cpuLimit(node.string("cpuLimit", null))
                .cpuGuarantee(node.string("cpuGuarantee", null))
                .pidsLimit(node.integer("pidsLimit", 0, 0, Integer.MAX_VALUE))
                .gpus(node.string("gpus", null))
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
        b.extraCreateConfig(jsonValues(node, "extraCreateConfig"));
        b.extraHostConfig(jsonValues(node, "extraHostConfig"));
        b.allowedImages(node.strings("allowedImages"));
        readOptions(node.node("options"), b);
        DockerVolumes.Builder volumes = DockerVolumes.builder();
        boolean ownVolumes = node.has("volumes");
        Map<String, String> rw = node.stringMap("volumes");
        if (!ownVolumes) {
            rw = Map.of("jupyterhub-user-{username}", "/home/jovyan/work");
        }
        addVolumes(node, "volumes", rw, false, null, volumes);
        addVolumes(node, "readOnlyVolumes", node.stringMap("readOnlyVolumes"), true, null, volumes);
        for (ConfigNode group : node.nodes("groupVolumes")) {
            String name = group.string("group", null);
            if (name == null || name.isBlank()) {
                group.problem("group", "is required: the group whose members get these volumes");
            }
            addVolumes(group, "volumes", group.stringMap("volumes"), false, name, volumes);
            addVolumes(group, "readOnlyVolumes", group.stringMap("readOnlyVolumes"), true, name, volumes);
        }
        node.stringMap("layeredVolumes").forEach((target, layers) -> volumes.layered(target, List.of(layers.split(":", -1))));
        return () -> b.volumes(volumes.build()).build();
    }

    /** {@code target}, {@code target:ro} or {@code target:rw}, as {@code docker run -v} writes the part after the source. */
    private static void addVolumes(ConfigNode node, String key, Map<String, String> entries, boolean readOnly, String group,
                                   DockerVolumes.Builder volumes) {
        entries.forEach((source, spec) -> {
            String target = spec;
            boolean ro = readOnly;
            int colon = spec.lastIndexOf(':');
            if (colon > 0 && Set.of("ro", "rw").contains(spec.substring(colon + 1))) {
                target = spec.substring(0, colon);
                ro = readOnly || spec.endsWith(":ro");
            } else if (colon >= 0) {
                node.problem(key + "." + source, "must be a target path, optionally followed by :ro or :rw; got '" + spec + "'");
                return;
            }
            if (group != null) {
                volumes.groupVolume(group, source, target, ro);
            } else if (ro) {
                volumes.readOnlyVolume(source, target);
            } else {
                volumes.volume(source, target);
            }
        });
    }

    /** A mapping whose values are JSON texts ({@code ShmSize: "1073741824"}, {@code CapAdd: '["SYS_PTRACE"]'}). */
    private static Map<String, Object> jsonValues(ConfigNode node, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        node.stringMap(key).forEach((name, text) -> {
            try {
                JsonNode v = JSON.readTree(text);
                if (v == null || v.isMissingNode()) {
                    throw new IOException("empty");
                }
                out.put(name, v);
            } catch (IOException e) {
                node.problem(key + "." + name, "must be a JSON value (quote a string twice: '\"text\"')");
            }
        });
        return out;
    }

    private static void readOptions(ConfigNode options, DockerSpawner.Builder b) {
        for (ConfigNode entry : options.nodes("image")) {
            Choice choice = choice(entry);
            String image = entry.string("image", null);
            if (choice != null) {
                b.imageChoice(choice, image == null ? choice.value() : image);
                if (entry.bool("default", false)) {
                    b.defaultChoice("image", choice.value());
                }
            } else {
                entry.bool("default", false);
            }
        }
        for (String field : OPTION_FIELDS) {
            for (ConfigNode entry : options.nodes(field)) {
                Choice choice = choice(entry);
                boolean isDefault = entry.bool("default", false);
                if (choice != null) {
                    b.choice(field, choice);
                    if (isDefault) {
                        b.defaultChoice(field, choice.value());
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
}
