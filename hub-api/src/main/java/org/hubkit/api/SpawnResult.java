package org.hubkit.api;

import java.net.URI;
import java.util.Objects;

/**
 * A started server: where the proxy and the hub reach it, and the state to save.
 *
 * @param url the server's base URL without its prefix, e.g. {@code http://127.0.0.1:45678}
 * @param state what {@link Spawner#poll} and {@link Spawner#stop} need to find it again
 * @since 0.1
 */
public record SpawnResult(URI url, SpawnerState state) {
    /** Checks the parts. */
    public SpawnResult {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(state, "state");
    }
}
