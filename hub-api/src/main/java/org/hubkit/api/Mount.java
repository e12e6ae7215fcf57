package org.hubkit.api;

import java.util.Map;
import java.util.Objects;

/**
 * One piece of storage given to a single-user server, as decided by a {@link VolumePolicy}.
 *
 * <p>How a spawner realises a mount depends on where servers run: the local-process spawner
 * uses {@link Kind#DIRECTORY} sources as directories on the hub's machine, the Docker spawner
 * creates named volumes for {@link Kind#VOLUME}, and so on. A spawner that cannot realise a
 * kind fails the spawn with a clear {@link SpawnException} rather than ignoring it.
 *
 * @param kind what {@code source} is
 * @param source a directory path or a volume name, already escaped for the user
 * @param target where the server sees it (a path inside a container; ignored by spawners that
 *        run servers on the hub's own file system)
 * @param readOnly whether the server may only read it
 * @param options what else the spawner needs to realise it, as plain strings: a volume claim's
 *        storage class and size, a local volume driver's options, an overlay's layers. Keys are
 *        the spawner's to define (its README lists them); a spawner ignores keys it does not know
 *        only if they cannot change what the user gets, else it fails the spawn naming the key.
 * @since 0.1
 */
public record Mount(Kind kind, String source, String target, boolean readOnly, Map<String, String> options) {
    /** What the source of a mount is. */
    public enum Kind {
        /** A directory on the machine the server runs on. */
        DIRECTORY,
        /** A named volume managed by the container runtime, created on first use. */
        VOLUME
    }

    /** Checks the parts. */
    public Mount {
        Objects.requireNonNull(kind, "kind");
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("mount source must not be empty");
        }
        Objects.requireNonNull(target, "target");
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /**
     * A mount without options.
     *
     * @param kind what {@code source} is
     * @param source a directory path or a volume name
     * @param target where the server sees it
     * @param readOnly whether the server may only read it
     */
    public Mount(Kind kind, String source, String target, boolean readOnly) {
        this(kind, source, target, readOnly, Map.of());
    }

    /**
     * @param key an option the spawner understands
     * @param value its value
     * @return a copy with that option set
     * @since 0.2
     */
    public Mount withOption(String key, String value) {
        Map<String, String> copy = new java.util.LinkedHashMap<>(options);
        copy.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new Mount(kind, source, target, readOnly, copy);
    }
}
