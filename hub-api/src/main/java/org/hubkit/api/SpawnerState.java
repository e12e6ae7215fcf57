package org.hubkit.api;

import java.util.Map;
import java.util.Optional;

/**
 * What a spawner needs to find a server again after the hub restarts (a pid, a container id,
 * a pod name). The hub stores it with the server and hands it back unchanged to
 * {@link Spawner#poll} and {@link Spawner#stop}. Plain strings, so that any store can keep it.
 *
 * @param values the saved values
 * @since 0.1
 */
public record SpawnerState(Map<String, String> values) {
    /** The state of a spawner that saved nothing. */
    public static final SpawnerState EMPTY = new SpawnerState(Map.of());

    /** Copies the map. */
    public SpawnerState {
        values = Map.copyOf(values);
    }

    /**
     * @param key a key the spawner saved
     * @return its value, if saved
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** @return whether nothing is saved */
    public boolean isEmpty() {
        return values.isEmpty();
    }
}
