package org.hubkit.docker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Mount;
import org.hubkit.api.ServerId;
import org.hubkit.api.UserInfo;
import org.hubkit.api.VolumePolicy;
import org.hubkit.docker.internal.Names;

/**
 * The storage of Docker single-user servers, as DockerSpawner's {@code volumes},
 * {@code read_only_volumes} and per-group volumes describe it, plus layered read-only views.
 * Give it to {@link DockerSpawner.Builder#volumes} (the default: {@link #defaults()}) or to the
 * hub as its {@link VolumePolicy}; the spawner realises the mounts either way.
 *
 * <p>A source is a named volume ({@code jupyterhub-user-{username}}) or an absolute path on the
 * Docker host; {@code {username}} and {@code {servername}} are replaced by the escaped names
 * (only {@code [a-z0-9-]}, so a name can never leave its parent directory nor make two users
 * share a volume). A volume whose name holds {@code {username}} is the user's (with
 * {@code {servername}}: the server's); the spawner labels it when it creates it, so that
 * {@link DockerSpawner.Builder#removeVolumesOnDelete} can remove it, and only it. Volumes are kept
 * when a container is removed, so a home survives image upgrades.
 *
 * <p>A layered view ({@link Builder#layered}) merges several host directories into one
 * read-only mount in which a later layer's files win: the spawner creates a local volume of type
 * {@code overlay} for it (which needs overlayfs in the Docker host's kernel and the directories on
 * that host), named after the set of layers.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.3
 */
public final class DockerVolumes implements VolumePolicy {
    /** {@link Mount#options()} key: the layers of a layered view, bottom first, separated by {@code :}. */
    public static final String LAYERS = "layers";
    /** {@link Mount#options()} key: {@code user}, {@code server} or {@code shared}: whose volume it is. */
    public static final String SCOPE = "scope";

    private final List<Entry> entries;

    private record Entry(String source, String target, boolean readOnly, String group, List<String> layers) {
    }

    private DockerVolumes(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** @return DockerSpawner's documented default: the volume {@code jupyterhub-user-{username}} at {@code /home/jovyan/work} */
    public static DockerVolumes defaults() {
        return builder().volume("jupyterhub-user-{username}", "/home/jovyan/work").build();
    }

    /** @return no storage of the spawner's own (the hub's {@link VolumePolicy} alone decides) */
    public static DockerVolumes none() {
        return builder().build();
    }

    /** @return an empty builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<Mount> mounts(ServerId server, UserInfo user) {
        List<Mount> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.group != null && !user.groups().contains(e.group)) {
                continue;
            }
            if (e.layers != null) {
                List<String> layers = e.layers.stream().map(l -> Names.expand(l, server)).toList();
                out.add(new Mount(Mount.Kind.VOLUME, layeredVolumeName(layers), e.target, true,
                        Map.of(LAYERS, String.join(":", layers), SCOPE, "shared")));
                continue;
            }
            String source = Names.expand(e.source, server);
            Mount.Kind kind = e.source.startsWith("/") ? Mount.Kind.DIRECTORY : Mount.Kind.VOLUME;
            Map<String, String> options = kind == Mount.Kind.VOLUME ? Map.of(SCOPE, scope(e.source)) : Map.of();
            out.add(new Mount(kind, source, e.target, e.readOnly, options));
        }
        return List.copyOf(out);
    }

    private static String scope(String template) {
        return template.contains("{servername}") ? "server" : template.contains("{username}") ? "user" : "shared";
    }

    /**
     * @param layers the expanded layers, bottom first
     * @return the name of the overlay volume for exactly this set of layers
     */
    static String layeredVolumeName(List<String> layers) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join("\0", layers).getBytes(StandardCharsets.UTF_8));
            return "hubkit-layers-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "DockerVolumes" + entries;
    }

    /**
     * Collects volumes; {@link #build()} checks them all. Not thread-safe.
     *
     * @since 0.3
     */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {
        }

        /**
         * A read-write volume or host directory.
         *
         * @param source a volume name or an absolute host path, may hold {@code {username}} and {@code {servername}}
         * @param target the absolute path in the container
         * @return this builder
         */
        public Builder volume(String source, String target) {
            entries.add(new Entry(source, target, false, null, null));
            return this;
        }

        /**
         * A read-only volume or host directory (DockerSpawner's {@code read_only_volumes}).
         *
         * @param source a volume name or an absolute host path, may hold templates
         * @param target the absolute path in the container
         * @return this builder
         */
        public Builder readOnlyVolume(String source, String target) {
            entries.add(new Entry(source, target, true, null, null));
            return this;
        }

        /**
         * A volume or directory given only to members of a group.
         *
         * @param group the group's name
         * @param source a volume name or an absolute host path, may hold templates
         * @param target the absolute path in the container
         * @param readOnly whether it is read-only
         * @return this builder
         */
        public Builder groupVolume(String group, String source, String target, boolean readOnly) {
            entries.add(new Entry(source, target, readOnly, Objects.requireNonNull(group, "group"), null));
            return this;
        }

        /**
         * A read-only view of two or more host directories merged, a later layer's files winning
         * over an earlier one's.
         *
         * @param target the absolute path in the container
         * @param layers absolute host directories, the bottom (oldest) first; may hold templates
         * @return this builder
         */
        public Builder layered(String target, List<String> layers) {
            entries.add(new Entry(null, target, true, null, List.copyOf(layers)));
            return this;
        }

        /**
         * @return the volumes
         * @throws ConfigException naming {@code volumes}, {@code readOnlyVolumes}, {@code groupVolumes}
         *         or {@code layeredVolumes} for a bad source, target or layer, or a target used twice
         */
        public DockerVolumes build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            Map<String, Set<String>> targetsByGroup = new LinkedHashMap<>();
            for (Entry e : entries) {
                String field = e.layers != null ? "layeredVolumes" : e.group != null ? "groupVolumes"
                        : e.readOnly ? "readOnlyVolumes" : "volumes";
                String at = field + "." + (e.layers != null ? e.target : e.source);
                if (e.target == null || !e.target.startsWith("/") || e.target.indexOf('\0') >= 0
                        || List.of(e.target.split("/")).contains("..")) {
                    problems.add(new ConfigException.Problem(field, "the target '" + e.target
                            + "' must be an absolute path in the container without '..'"));
                    continue;
                }
                if (!targetsByGroup.computeIfAbsent(e.group == null ? "" : e.group, g -> new LinkedHashSet<>()).add(e.target)
                        || (e.group != null && targetsByGroup.getOrDefault("", Set.of()).contains(e.target))) {
                    problems.add(new ConfigException.Problem(at, "the target is mounted twice"));
                }
                if (e.layers != null) {
                    if (e.layers.size() < 2) {
                        problems.add(new ConfigException.Problem(at, "a layered view needs two or more layers; got "
                                + e.layers.size()));
                    }
                    for (String layer : e.layers) {
                        String p = layer == null || !layer.startsWith("/") ? "must be an absolute host directory"
                                : layer.contains(":") || layer.contains(",") ? "must not hold ':' or ','" : Names.volumeSourceProblem(layer);
                        if (p != null) {
                            problems.add(new ConfigException.Problem(at, "the layer '" + layer + "' " + p));
                        }
                    }
                } else {
                    String p = Names.volumeSourceProblem(e.source);
                    if (p != null) {
                        problems.add(new ConfigException.Problem(at, "the source '" + e.source + "' " + p));
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw ConfigException.of(problems);
            }
            return new DockerVolumes(entries);
        }
    }
}
