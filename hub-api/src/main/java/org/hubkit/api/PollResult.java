package org.hubkit.api;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@link Spawner#poll} found.
 *
 * @param running whether the server process, container or pod is alive
 * @param exitCode its exit code when known
 * @param detail a short description for logs
 * @param url the server's URL if it changed since the spawn (a container or pod given a new
 *        address after a restart), else empty: the hub updates its route
 * @param state new state to save if it changed (a new container id), else empty
 * @since 0.1
 */
public record PollResult(boolean running, OptionalInt exitCode, String detail, Optional<URI> url, Optional<SpawnerState> state) {
    /** Checks the parts. */
    public PollResult {
        Objects.requireNonNull(exitCode, "exitCode");
        url = url == null ? Optional.empty() : url;
        state = state == null ? Optional.empty() : state;
    }

    /**
     * A result that changes neither the URL nor the state.
     *
     * @param running whether the server runs
     * @param exitCode its exit code when known
     * @param detail a short description for logs
     */
    public PollResult(boolean running, OptionalInt exitCode, String detail) {
        this(running, exitCode, detail, Optional.empty(), Optional.empty());
    }

    /**
     * @param newUrl where the server is now
     * @return a copy telling the hub the server moved
     * @since 0.2
     */
    public PollResult withUrl(URI newUrl) {
        return new PollResult(running, exitCode, detail, Optional.of(newUrl), state);
    }

    /**
     * @param newState the state to save from now on
     * @return a copy telling the hub to save it
     * @since 0.2
     */
    public PollResult withState(SpawnerState newState) {
        return new PollResult(running, exitCode, detail, url, Optional.of(newState));
    }

    /** @return a result saying the server runs */
    public static PollResult alive() {
        return new PollResult(true, OptionalInt.empty(), "running");
    }

    /**
     * @param exitCode the exit code, or {@code null} when unknown
     * @param detail what was found
     * @return a result saying the server is gone
     */
    public static PollResult stopped(Integer exitCode, String detail) {
        return new PollResult(false, exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode), detail);
    }
}
