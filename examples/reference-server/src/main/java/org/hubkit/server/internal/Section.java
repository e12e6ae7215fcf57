package org.hubkit.server.internal;

import java.util.Map;
import java.util.Set;
import org.hubkit.api.ComponentFactory;
import org.hubkit.api.ConfigException;

/**
 * One pluggable section as read: its type, the factory that read it, every value read (the
 * reference server's own keys and the factory's) and how to build the component. Immutable.
 *
 * @param <T> what it builds
 * @param kind the section's key ({@code spawner})
 * @param type its type ({@code local})
 * @param implementation the factory's class and origin, or {@code null} when no factory has that type
 * @param values every key read, with the value used, in the order read
 * @param secrets the keys of {@code values} never to show
 * @param configured how to build it, or {@code null} when no factory has that type
 */
public record Section<T>(String kind, String type, String implementation, Map<String, Object> values, Set<String> secrets,
                         ComponentFactory.Configured<T> configured) {
    /** Copies the collections (values may be null: an optional key left out). */
    public Section {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        secrets = Set.copyOf(secrets);
    }

    /**
     * @return the component, new on each call
     * @throws ConfigException naming what the builder refused, by its key in the file ({@code spawner.cmd})
     */
    public T build() {
        if (configured == null) {
            throw ConfigException.of(kind + ".type", "no " + kind + " type '" + type + "' on the class path");
        }
        try {
            return configured.build();
        } catch (ConfigException e) {
            throw e.prefixed(kind);
        }
    }
}
