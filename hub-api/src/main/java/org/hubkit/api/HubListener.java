package org.hubkit.api;

import java.time.Duration;

/**
 * Told what happens in a hub: logins, spawns and their durations, stops, servers found dead,
 * API requests. Metrics, audit logs and an idle culler hang off it (in the style of OkHttp's
 * {@code EventListener}). Every method has a no-op default, so a listener overrides only what it
 * needs and keeps compiling as events are added.
 *
 * <p><b>What the hub guarantees.</b> Each event is reported once, after it happened, on one of
 * the hub's threads (a request thread or a worker); an exception a listener throws is logged and
 * ignored. Values that come from users (names) are passed as given, already validated where the
 * hub validates them, never escaped: escape them yourself before logging.
 *
 * <p><b>What the hub expects.</b> Methods return quickly and never block: hand slow work (a
 * network call, a database write) to your own executor.
 *
 * @since 0.2
 */
public interface HubListener {
    /** @param user the normalised name of a user who logged in */
    default void loggedIn(String user) {
    }

    /** @param username the name someone tried, as typed (possibly hostile) */
    default void loginRefused(String username) {
    }

    /** @param server a server whose spawn began */
    default void spawnStarted(ServerId server) {
    }

    /**
     * @param server a server that is now ready
     * @param took from the start request until it answered
     */
    default void spawnSucceeded(ServerId server, Duration took) {
    }

    /**
     * @param server a server whose spawn failed, timed out or was cancelled
     * @param took from the start request until the spawn ended, cleanup included
     * @param reason why, for people
     */
    default void spawnFailed(ServerId server, Duration took, String reason) {
    }

    /**
     * @param server a server that was stopped (on request, at shutdown, or after dying)
     * @param reason why
     */
    default void serverStopped(ServerId server, String reason) {
    }

    /**
     * @param server a server a poll found no longer running
     * @param poll what the poll found
     */
    default void serverDied(ServerId server, PollResult poll) {
    }

    /**
     * @param method the HTTP method
     * @param path the request path under {@code /hub/api} (no query string: tokens may be in it)
     * @param status the status answered
     * @param took from the request's arrival until the answer was complete
     */
    default void apiRequest(String method, String path, int status, Duration took) {
    }
}
