package org.hubkit.proxy.netty.internal;

/**
 * What the proxy counts, named after configurable-http-proxy's Prometheus metrics. Every hook
 * is a no-op by default; implementations must be thread-safe and cheap, as the proxy calls them
 * on its event loops.
 */
public interface ProxyMetrics {
    /** Counts nothing. */
    ProxyMetrics NONE = new ProxyMetrics() {
    };

    /** A plain HTTP request arrived ({@code requests_web}). */
    default void requestWeb() {
    }

    /** A WebSocket handshake arrived ({@code requests_ws}). */
    default void requestWs() {
    }

    /**
     * A proxied request got its status, from the target or from the proxy ({@code requests_proxy}).
     *
     * @param status the HTTP status
     */
    default void requestProxy(int status) {
    }

    /**
     * An API request was answered ({@code requests_api}).
     *
     * @param status the HTTP status
     */
    default void requestApi(int status) {
    }

    /** {@code GET /api/routes} returned the table ({@code api_route_get}). */
    default void apiRouteGet() {
    }

    /** {@code POST /api/routes/...} added a route ({@code api_route_add}). */
    default void apiRouteAdd() {
    }

    /** {@code DELETE /api/routes/...} was answered ({@code api_route_delete}). */
    default void apiRouteDelete() {
    }

    /**
     * A route lookup finished ({@code find_target_for_req}).
     *
     * @param nanos how long it took
     */
    default void findTarget(long nanos) {
    }

    /**
     * A route's activity was set by the API ({@code last_activity_updating}).
     *
     * @param nanos how long it took
     */
    default void lastActivityUpdate(long nanos) {
    }
}
