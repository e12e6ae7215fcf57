package org.hubkit.api;

/**
 * The hub's side of one spawn, given to {@link Spawner#start}. Thread-safe; its methods return
 * quickly and may be called from any thread.
 *
 * @since 0.1
 */
public interface SpawnContext {
    /**
     * Reports progress. Shown on the spawn-pending page's progress bar and sent as a
     * server-sent event to {@code /hub/api/users/{name}/server/progress}.
     *
     * @param percent 0 to 99; the hub itself reports 100 once the server answers
     * @param message a short text for people
     */
    void progress(int percent, String message);

    /**
     * Persists state as soon as it is known (for example the pid right after the fork), so that
     * a hub that dies during the spawn can still find and stop the server.
     *
     * @param state the state to save; replaces what was saved before
     */
    void saveState(SpawnerState state);

    /**
     * Whether the hub has given up on this spawn: its start timeout passed, or the user or an
     * admin cancelled it. A spawner that checks this between its own steps (pulling an image,
     * waiting for a pod) can stop early. Either way the hub waits for {@link Spawner#start}'s
     * stage to complete before it calls {@link Spawner#stop} (with the state the stage returned,
     * else the last one saved), so the spawner can finish or undo what it began; progress
     * reported after cancellation is not shown. If the stage has not completed one more start
     * timeout later, the server is shown as stopped and its spawn slot is given back, but it
     * cannot be started again until the stage completes and {@code stop} has been called: the
     * spawner never sees two starts, or a start and a stop, of one server at once.
     *
     * @return true once the spawn is cancelled; never goes back to false
     * @since 0.2
     */
    default boolean isCancelled() {
        return false;
    }
}
