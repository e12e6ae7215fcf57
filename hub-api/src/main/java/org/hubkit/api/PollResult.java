package org.hubkit.api;

import java.util.OptionalInt;

/**
 * What {@link Spawner#poll} found.
 *
 * @param running whether the server process, container or pod is alive
 * @param exitCode its exit code when known
 * @param detail a short description for logs
 * @since 0.1
 */
public record PollResult(boolean running, OptionalInt exitCode, String detail) {
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
