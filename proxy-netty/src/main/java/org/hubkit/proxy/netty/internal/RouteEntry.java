package org.hubkit.proxy.netty.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hubkit.api.Route;

/**
 * One route as the proxy uses it: the data as configurable-http-proxy stores it (the JSON
 * object posted to its API, {@code target} included), the target split into what a connection
 * needs, and the time of the last traffic. Immutable except for {@link #touch()}, which any
 * event loop may call.
 *
 * <p>A target the proxy cannot forward to (not {@code http://} or {@code https://}, no host, not a
 * URI) is kept as given, as configurable-http-proxy keeps it; requests routed to it get a 503.
 *
 * <p>As in configurable-http-proxy, a target may be a UNIX domain socket:
 * {@code http+unix://} or {@code unix+http://} followed by the socket file's path,
 * percent-encoded ({@code http+unix://%2Fsrv%2Fhub.sock/hub}); requests go to it as plain HTTP.
 */
public final class RouteEntry {
    /** {@code last_activity} as JavaScript's {@code Date.toJSON()} writes it. */
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final String spec;
    private final String target;
    private final Map<String, Object> data;
    private final String unusable;
    private final boolean secure;
    private final String host;
    private final int port;
    private final Path unixSocket;
    private final String locationHost;
    private final String endpoint;
    private final String authority;
    private final String targetPath;
    private final String targetQuery;
    private volatile long lastActivityMillis;

    private RouteEntry(String spec, String target, Map<String, Object> data, long lastActivityMillis) {
        this.spec = spec;
        this.target = target;
        this.data = Collections.unmodifiableMap(data);
        this.lastActivityMillis = lastActivityMillis;
        URI uri = null;
        String problem;
        try {
            uri = new URI(target);
            problem = checkTarget(uri);
        } catch (URISyntaxException e) {
            problem = "is not a URI (got '" + target + "')";
        }
        this.unusable = problem;
        if (problem == null) {
            this.unixSocket = unixSocketOf(uri);
            this.secure = unixSocket == null && uri.getScheme().equalsIgnoreCase("https");
            this.host = unixSocket == null ? hostOf(uri) : null;
            this.port = unixSocket == null ? (uri.getPort() == -1 ? (secure ? 443 : 80) : uri.getPort()) : -1;
            // the scheme is part of the key: an http and an https target on one port never share
            this.endpoint = unixSocket != null ? "unix:" + unixSocket
                    : (secure ? "https/" : "http/") + port + "/" + host.toLowerCase(Locale.ROOT);
            this.locationHost = urlHost(uri);
            this.authority = uri.getRawUserInfo() == null ? uri.getRawAuthority()
                    : uri.getRawAuthority().substring(uri.getRawUserInfo().length() + 1);
            this.targetPath = uri.getRawPath() == null ? "" : uri.getRawPath();
            this.targetQuery = uri.getRawQuery();
        } else {
            this.unixSocket = null;
            this.locationHost = null;
            this.secure = false;
            this.host = null;
            this.port = -1;
            this.endpoint = null;
            this.authority = null;
            this.targetPath = "";
            this.targetQuery = null;
        }
    }

    /**
     * @param route a route from the {@link org.hubkit.api.Proxy} SPI, with a normalised spec
     * @param lastActivityMillis its activity
     * @return the entry; its data is {@code target} followed by the route's data
     */
    static RouteEntry fromRoute(Route route, long lastActivityMillis) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("target", route.target().toString());
        route.data().forEach((k, v) -> {
            if (!k.equals("target") && !k.equals("last_activity")) {
                data.put(k, v);
            }
        });
        return new RouteEntry(route.routespec(), route.target().toString(), data, lastActivityMillis);
    }

    /**
     * @param spec a normalised routespec
     * @param body the JSON object posted to the API, as maps, lists and scalars; its
     *        {@code target} must be a string
     * @param lastActivityMillis its activity
     * @return the entry, storing the body as given except for {@code last_activity}
     */
    public static RouteEntry fromChp(String spec, Map<String, Object> body, long lastActivityMillis) {
        Map<String, Object> data = new LinkedHashMap<>(body);
        data.remove("last_activity");
        return new RouteEntry(spec, (String) body.get("target"), data, lastActivityMillis);
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
        if (isUnixScheme(scheme)) {
            if (target.getRawAuthority() == null || target.getRawAuthority().isEmpty()) {
                return "must name a socket file, percent-encoded, after " + scheme + ":// (got '" + target + "')";
            }
        } else if (!scheme.equals("http") && !scheme.equals("https")) {
            return "must be an http:// or https:// URI (got '" + target + "')";
        } else if (target.getHost() == null) {
            return "must name a host (got '" + target + "')";
        }
        if (target.getRawFragment() != null) {
            return "must not have a fragment (got '" + target + "')";
        }
        return null;
    }

    private static boolean isUnixScheme(String scheme) {
        return scheme.equals("http+unix") || scheme.equals("unix+http");
    }

    /**
     * @param target a target that {@link #checkTarget} accepts
     * @return the socket file of an {@code http+unix://} or {@code unix+http://} target (its
     *         authority, percent-decoded), or {@code null} for a TCP target
     */
    static Path unixSocketOf(URI target) {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        return isUnixScheme(scheme) ? Path.of(target.getAuthority()) : null;
    }

    /**
     * The host as a WHATWG URL (Node's {@code URL.host}) gives it: for http, https, ws, wss and
     * ftp the host name in lower case and the port unless it is the scheme's default; for other
     * schemes (such as {@code http+unix}) the authority as written.
     */
    static String urlHost(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = defaultPort(scheme);
        if (defaultPort == 0) {
            String a = uri.getRawAuthority();
            if (a == null) {
                return "";
            }
            return uri.getRawUserInfo() == null ? a : a.substring(uri.getRawUserInfo().length() + 1);
        }
        if (uri.getHost() == null) {
            return "";
        }
        int p = uri.getPort();
        return uri.getHost().toLowerCase(Locale.ROOT) + (p == -1 || p == defaultPort ? "" : ":" + p);
    }

    /** @return the default port of a WHATWG special scheme, -1 for {@code file}, 0 for other schemes */
    static int defaultPort(String scheme) {
        return switch (scheme) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            case "ftp" -> 21;
            case "file" -> -1;
            default -> 0;
        };
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
    public String target() {
        return target;
    }

    /** @return why requests cannot be forwarded to the target, or {@code null} if they can */
    public String unusable() {
        return unusable;
    }

    /** @return the socket file to connect to for a UNIX socket target, else {@code null} */
    public Path unixSocket() {
        return unixSocket;
    }

    /** @return the target's host as Node's {@code URL.host} gives it, for matching {@code Location}s */
    String locationHost() {
        return locationHost;
    }

    /** @return whether the target is {@code https://}: connections to it use TLS */
    public boolean secure() {
        return secure;
    }

    /** @return the host to connect to, without IPv6 brackets; {@code null} for a UNIX socket target */
    public String host() {
        return host;
    }

    /** @return the port to connect to; -1 for a UNIX socket target */
    public int port() {
        return port;
    }

    /**
     * @return the scheme, host and port connections go to, as one key ({@code https/port/host},
     *         host in lower case): routes with equal keys can share upstream connections
     */
    public String endpoint() {
        return endpoint;
    }

    /** @return host and port as a Host header names the target (for change-origin) */
    public String authority() {
        return authority;
    }

    /** @return the target's raw path, possibly empty */
    public String targetPath() {
        return targetPath;
    }

    /** @return the target's raw query, or {@code null} */
    public String targetQuery() {
        return targetQuery;
    }

    /** @return when the route last carried traffic, epoch milliseconds */
    public long lastActivityMillis() {
        return lastActivityMillis;
    }

    /** @return the stored data, {@code target} included, without {@code last_activity} */
    public Map<String, Object> data() {
        return data;
    }

    /** @return the route as the CHP API returns it: its data plus {@code last_activity} */
    public Map<String, Object> toChpJson() {
        Map<String, Object> out = new LinkedHashMap<>(data);
        out.put("last_activity", ISO_MILLIS.format(Instant.ofEpochMilli(lastActivityMillis)));
        return out;
    }

    /**
     * @return the route as the SPI returns it (data without {@code target} and without null
     *         values), or {@code null} if its target is not a URI
     */
    public Route toRoute() {
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException | NullPointerException e) {
            return null;
        }
        Map<String, Object> spiData = new LinkedHashMap<>();
        data.forEach((k, v) -> {
            if (!k.equals("target") && v != null) {
                spiData.put(k, v);
            }
        });
        return new Route(spec, uri, spiData, Instant.ofEpochMilli(lastActivityMillis));
    }
}
