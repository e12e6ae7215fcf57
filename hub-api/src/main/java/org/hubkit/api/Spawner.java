package org.hubkit.api;

import java.util.concurrent.CompletionStage;

/**
 * Starts, checks and stops single-user servers: local processes, Docker containers,
 * Kubernetes pods.
 *
 * <p><b>What the hub guarantees.</b> It calls {@link #start} at most once at a time per
 * {@link ServerId}, and never {@code start} and {@code stop} concurrently for the same server.
 * It validates usernames and server names before any call. It stores the
 * {@link SpawnerState} returned by {@code start} (or saved early through
 * {@link SpawnContext#saveState}) and passes it back to {@code poll} and {@code stop}, also
 * after a restart of the hub process. It waits for the server to answer HTTP after
 * {@code start} completes, so {@code start} may complete as soon as the server is launched.
 *
 * <p><b>What the hub expects.</b> The spawned server gets every variable of
 * {@link SpawnRequest#environment()}. Stages complete on any thread, never block the caller
 * of the method, and complete exceptionally with a {@link SpawnException} (or another
 * {@link HubException}) on failure. The spawner keeps no state that matters in memory only:
 * a new instance given the saved state must be able to poll and stop the server.
 *
 * <p>Implementations must be thread-safe. {@link #close} releases clients and threads but
 * leaves servers running: they outlive the hub process, as in JupyterHub.
 *
 * @since 0.1
 */
public interface Spawner extends AutoCloseable {
    /**
     * Starts a server.
     *
     * @param request what to start
     * @param context progress reporting and early state saving
     * @return the server's URL and state; completes exceptionally if it cannot be started
     */
    CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context);

    /**
     * Checks whether a server still runs. Called periodically and at hub start-up.
     *
     * @param server the server
     * @param state its saved state
     * @return whether it runs; completes exceptionally only when it cannot tell
     */
    CompletionStage<PollResult> poll(ServerId server, SpawnerState state);

    /**
     * Stops a server and releases what belongs only to it (but not the user's storage).
     * Stopping a server that is already gone succeeds.
     *
     * @param server the server
     * @param state its saved state
     * @return completes once the server is stopped
     */
    CompletionStage<Void> stop(ServerId server, SpawnerState state);

    /** @return a short name for logs and the {@code /hub/api/info} answer */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases the spawner's own resources; running servers keep running. */
    @Override
    default void close() {
    }
}
