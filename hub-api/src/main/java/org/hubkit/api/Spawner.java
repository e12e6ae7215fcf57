package org.hubkit.api;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts, checks and stops single-user servers: local processes, Docker containers,
 * Kubernetes pods.
 *
 * <p><b>What the hub guarantees.</b> It calls {@link #start} at most once at a time per
 * {@link ServerId}, and never {@code start} and {@code stop} concurrently for the same server.
 * It validates usernames and server names before any call. It stores the
 * {@link SpawnerState} returned by {@code start} (or saved early through
 * {@link SpawnContext#saveState}) and passes it back to {@code poll} and {@code stop}, also
 * after a restart of the hub process, and to the next {@code start} as
 * {@link SpawnRequest#previousState()}. It waits for the server to answer HTTP after
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

    /**
     * Checks many servers at once; the hub's periodic poll calls this once per round. The
     * default polls one by one, at most {@value #POLL_PARALLELISM} at a time; a spawner that can
     * answer for all its servers with one call (one container list, one pod list) overrides it.
     *
     * @param servers the servers to check, with their saved state
     * @return a result per server; a server missing from the map, or a result stage that fails,
     *         counts as "could not tell" and changes nothing
     * @since 0.2
     */
    default CompletionStage<Map<ServerId, PollResult>> pollAll(Map<ServerId, SpawnerState> servers) {
        Map<ServerId, PollResult> results = new ConcurrentHashMap<>();
        List<Map.Entry<ServerId, SpawnerState>> todo = List.copyOf(servers.entrySet());
        AtomicInteger next = new AtomicInteger();
        CompletableFuture<?>[] lanes = new CompletableFuture<?>[Math.min(POLL_PARALLELISM, todo.size())];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = pollLane(todo, next, results);
        }
        return CompletableFuture.allOf(lanes).thenApply(v -> Map.copyOf(results));
    }

    /** How many polls the default {@link #pollAll} has in flight at once. */
    int POLL_PARALLELISM = 16;

    private CompletableFuture<Void> pollLane(List<Map.Entry<ServerId, SpawnerState>> todo, AtomicInteger next,
                                             Map<ServerId, PollResult> results) {
        int i = next.getAndIncrement();
        if (i >= todo.size()) {
            return CompletableFuture.completedFuture(null);
        }
        Map.Entry<ServerId, SpawnerState> e = todo.get(i);
        CompletableFuture<PollResult> one;
        try {
            one = poll(e.getKey(), e.getValue()).toCompletableFuture();
        } catch (RuntimeException failed) {
            one = CompletableFuture.failedFuture(failed);
        }
        return one.handle((r, failure) -> {
            if (r != null) {
                results.put(e.getKey(), r);
            }
            return null;
        }).thenCompose(v -> pollLane(todo, next, results));
    }

    /**
     * The choices this spawner offers before a start (images, sizes, GPUs), or
     * {@link SpawnOptionsForm#NONE}. The hub shows the form, filtered by
     * {@link SpawnOptionsForm#forUser}, on {@code GET /hub/spawn}, and refuses, before calling
     * {@link #start}, any answer (from the form or the REST API body) that
     * {@link SpawnOptionsForm#resolve} refuses. With no form, the REST API's options are passed
     * through unchanged, as in JupyterHub.
     *
     * @return the form; the same for every call unless the configuration changed
     * @since 0.3
     */
    default SpawnOptionsForm optionsForm() {
        return SpawnOptionsForm.NONE;
    }

    /**
     * Forgets a server for good: called once it is stopped, when the server is removed through
     * the REST API ({@code remove: true}) or its user is deleted, as JupyterHub's
     * {@code delete_forever}. A spawner that keeps stopped servers around (a stopped container kept
     * for the next start) removes them here, and may remove the user's storage if configured to.
     * The default does nothing.
     *
     * @param server the server
     * @param state its last saved state
     * @param userDeleted whether the whole user is being deleted (not only this named server)
     * @return completes once done; a failure is logged and the deletion goes on
     * @since 0.3
     */
    default CompletionStage<Void> deleteForever(ServerId server, SpawnerState state, boolean userDeleted) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Addresses of this machine on which the hub must listen too, besides its own bind address,
     * so that the servers this spawner starts reach its API: a Docker network's gateway, say,
     * when the hub itself binds only loopback. The hub calls this once when it starts, before it
     * listens (it may block briefly), binds its API port on each address, and the spawner then
     * points {@code JUPYTERHUB_API_URL} at the address its servers can reach. The default is none.
     *
     * @return IP addresses (no host names), or an empty list
     * @since 0.3
     */
    default List<String> hubListenAddresses() {
        return List.of();
    }

    /** @return a short name for logs and the {@code /hub/api/info} answer */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases the spawner's own resources; running servers keep running. */
    @Override
    default void close() {
    }
}
