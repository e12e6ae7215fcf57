package org.hubkit.api;

import java.net.URI;
import java.util.Objects;

/**
 * A started server: where the proxy and the hub reach it, and the state to save.
 *
 * @param url the server's base URL without its prefix, e.g. {@code http://127.0.0.1:45678}
 * @param state what {@link Spawner#poll} and {@link Spawner#stop} need to find it again
 * @param apiToken the API token the server actually runs with, when it is not the one the hub
 *        passed in this start's {@code JUPYTERHUB_API_TOKEN}: a spawner that started a kept,
 *        stopped container again (whose environment cannot change) returns the token that container
 *        was created with, and the hub registers that one for the server instead, with the same
 *        scopes, as JupyterHub does when a spawner sets {@code api_token}. {@code null} (the usual
 *        case) means the server uses the token it was given. Never logged.
 * @since 0.1
 */
public record SpawnResult(URI url, SpawnerState state, String apiToken) {
    /** Checks the parts; a reused token must be 32 to 256 visible ASCII characters. */
    public SpawnResult {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(state, "state");
        if (apiToken != null && (apiToken.length() < 32 || apiToken.length() > 256
                || !apiToken.chars().allMatch(c -> c > 32 && c < 127))) {
            throw new IllegalArgumentException("a reused API token must be 32 to 256 visible ASCII characters");
        }
    }

    /**
     * A server that runs with the token the hub gave it.
     *
     * @param url the server's base URL
     * @param state its state
     */
    public SpawnResult(URI url, SpawnerState state) {
        this(url, state, null);
    }

    /**
     * @param token the token the restarted server was created with
     * @return a copy saying the server runs with that token
     * @since 0.3
     */
    public SpawnResult withReusedApiToken(String token) {
        return new SpawnResult(url, state, Objects.requireNonNull(token, "token"));
    }

    @Override
    public String toString() {
        return "SpawnResult[url=" + url + ", state=" + state + (apiToken == null ? "" : ", apiToken=<reused>") + "]";
    }
}
