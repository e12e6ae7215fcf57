package org.hubkit.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The routing proxy in front of the hub and the single-user servers: an in-process proxy or a
 * client of an external configurable-http-proxy.
 *
 * <p><b>What the hub guarantees.</b> It calls {@link #start} once before any route call and
 * adds the {@code /} route to itself right after; it re-adds every route of a running server
 * at start-up, so a proxy may lose its table when it restarts.
 *
 * <p><b>What the hub expects.</b> Route changes take effect for new requests as soon as their
 * stage completes, without dropping open connections; {@code addRoute} replaces a route with
 * the same spec; {@code deleteRoute} of a missing route succeeds. Thread-safe.
 *
 * @since 0.1
 */
public interface Proxy extends AutoCloseable {
    /**
     * Adds or replaces a route.
     *
     * @param route the route
     * @return completes once the route is in effect
     */
    CompletionStage<Void> addRoute(Route route);

    /**
     * @param routespec the route's spec, with or without a trailing slash
     * @return completes once the route is gone
     */
    CompletionStage<Void> deleteRoute(String routespec);

    /** @return the whole table, keyed by normalised routespec, with last activity where known */
    CompletionStage<Map<String, Route>> routes();

    /**
     * Starts listening, if the proxy runs in-process.
     *
     * @return completes once the proxy accepts connections
     */
    default CompletionStage<Void> start() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Stops listening and closes connections (in-process proxies). */
    @Override
    default void close() {
    }
}
