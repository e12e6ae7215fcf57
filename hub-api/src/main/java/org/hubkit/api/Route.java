package org.hubkit.api;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of the proxy's routing table, as in configurable-http-proxy: requests whose path
 * starts with {@code routespec} (on whole path segments) go to {@code target}.
 *
 * @param routespec the path prefix, starting with {@code /}; with host routing
 *        {@code host/path}; the hub's own route is {@code /}
 * @param target where requests go, e.g. {@code http://127.0.0.1:45678}
 * @param data JSON-compatible data stored and returned unchanged
 *        ({@code {"user":"alice","server_name":""}}, {@code {"hub":true}})
 * @param lastActivity when the route last carried traffic, or {@code null} if unknown
 * @since 0.1
 */
public record Route(String routespec, URI target, Map<String, Object> data, Instant lastActivity) {
    /** Checks and normalises: a trailing {@code /} is removed except for the root route. */
    public Route {
        routespec = normalizeSpec(routespec);
        Objects.requireNonNull(target, "target");
        data = Map.copyOf(data);
    }

    /**
     * @param routespec the path prefix
     * @param target the target
     * @param data the route's data
     * @return a route with unknown activity
     */
    public static Route of(String routespec, URI target, Map<String, Object> data) {
        return new Route(routespec, target, data, null);
    }

    /**
     * @param spec a routespec with or without a trailing slash
     * @return the form routes are stored under: no trailing slash unless it is {@code /}
     */
    public static String normalizeSpec(String spec) {
        Objects.requireNonNull(spec, "routespec");
        String s = spec;
        if (!s.startsWith("/")) {
            s = "/" + s;
        }
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
