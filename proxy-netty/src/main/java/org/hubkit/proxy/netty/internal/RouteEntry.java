package org.hubkit.proxy.netty.internal;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.hubkit.api.Route;

/**
 * One route as the proxy uses it: the target split into what a connection needs, and the time
 * of the last traffic. Immutable except for {@link #touch()}, which any event loop may call.
 */
public final class RouteEntry {
    private final String spec;
    private final URI target;
    private final Map<String, Object> data;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private volatile long lastActivityMillis;

    RouteEntry(Route route, long lastActivityMillis) {
        this.spec = route.routespec();
        this.target = route.target();
        this.data = route.data();
        this.host = hostOf(target);
        this.port = target.getPort() == -1 ? 80 : target.getPort();
        String path = target.getRawPath() == null ? "" : target.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        this.pathPrefix = path;
        this.lastActivityMillis = lastActivityMillis;
    }

    /**
     * @param target a route target
     * @return why the proxy cannot forward to it, or {@code null} if it can
     */
    public static String checkTarget(URI target) {
        if (target == null) {
            return "must not be null";
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            return "must be an http:// URI (got '" + target + "')";
        }
        if (target.getHost() == null) {
            return "must name a host (got '" + target + "')";
        }
        if (target.getRawQuery() != null || target.getRawFragment() != null) {
            return "must not have a query or fragment (got '" + target + "')";
        }
        return null;
    }

    private static String hostOf(URI uri) {
        String h = uri.getHost();
        // URI keeps the brackets of an IPv6 literal; sockets want the bare address
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h;
    }

    /** Records traffic now; cheap enough to call for every chunk. */
    public void touch() {
        long now = System.currentTimeMillis();
        if (now != lastActivityMillis) {
            lastActivityMillis = now;
        }
    }

    /** @return the normalised routespec */
    public String spec() {
        return spec;
    }

    /** @return the target as given */
    public URI target() {
        return target;
    }

    /** @return the host to connect to, without IPv6 brackets */
    public String host() {
        return host;
    }

    /** @return the port to connect to */
    public int port() {
        return port;
    }

    /** @return the target's path without a trailing slash, prepended to forwarded paths */
    public String pathPrefix() {
        return pathPrefix;
    }

    /** @return the route as the SPI returns it */
    public Route toRoute() {
        return new Route(spec, target, data, Instant.ofEpochMilli(lastActivityMillis));
    }
}
