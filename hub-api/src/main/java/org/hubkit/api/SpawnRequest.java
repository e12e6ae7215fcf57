package org.hubkit.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a spawner needs to start one single-user server.
 *
 * @param server which server
 * @param user its owner
 * @param environment the environment the hub requires the server to get (JupyterHub's
 *        {@code JUPYTERHUB_*} variables, including the server's API token); a spawner passes
 *        all of it, adds {@code JUPYTERHUB_SERVICE_URL} (the URL the server binds, which only
 *        the spawner knows, e.g. {@code http://127.0.0.1:45678/user/alice/}) and may add its
 *        own, but must never log the values
 * @param userOptions options the user chose on the spawn form or sent to the REST API
 * @param mounts the storage the {@link VolumePolicy} chose, home first
 * @param startTimeout how long the hub will wait for {@link Spawner#start} to complete
 * @param previousState the state this server had when it last stopped ({@link SpawnerState#EMPTY}
 *        for a first start): a spawner may restart a stopped container instead of creating one
 *        (DockerSpawner's {@code remove = False}), or keep a volume claim's name. The hub keeps it
 *        until the server or its user is deleted.
 * @since 0.1
 */
public record SpawnRequest(ServerId server, UserInfo user, Map<String, String> environment,
                           Map<String, Object> userOptions, List<Mount> mounts, Duration startTimeout,
                           SpawnerState previousState) {
    /** Copies the collections. */
    public SpawnRequest {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(user, "user");
        environment = Map.copyOf(environment);
        userOptions = Copies.jsonObject(userOptions);
        mounts = List.copyOf(mounts);
        Objects.requireNonNull(startTimeout, "startTimeout");
        previousState = previousState == null ? SpawnerState.EMPTY : previousState;
    }

    /**
     * A request for a server that never ran before (no previous state).
     *
     * @param server which server
     * @param user its owner
     * @param environment the environment the server must get
     * @param userOptions the user's options
     * @param mounts the storage, home first
     * @param startTimeout how long the hub waits for start
     */
    public SpawnRequest(ServerId server, UserInfo user, Map<String, String> environment, Map<String, Object> userOptions,
                        List<Mount> mounts, Duration startTimeout) {
        this(server, user, environment, userOptions, mounts, startTimeout, SpawnerState.EMPTY);
    }

    /** @return the path prefix the server is served under, e.g. {@code /user/alice/} */
    public String servicePrefix() {
        return environment.getOrDefault("JUPYTERHUB_SERVICE_PREFIX", "/");
    }

    @Override
    public String toString() {
        return "SpawnRequest[server=" + server + ", user=" + user + ", env=" + environment.keySet()
                + ", userOptions=" + userOptions.keySet() + ", mounts=" + mounts + "]";
    }
}
