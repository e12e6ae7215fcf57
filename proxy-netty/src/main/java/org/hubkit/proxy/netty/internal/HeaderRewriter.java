package org.hubkit.proxy.netty.internal;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Rewrites message heads between client and upstream the way configurable-http-proxy does with
 * its options (prependPath, includePrefix, xfwd, changeOrigin, custom headers): hop-by-hop
 * headers dropped, {@code X-Forwarded-*} appended, the target path put in front of the request
 * path.
 */
final class HeaderRewriter {
    private static final String X_FORWARDED_FOR = "x-forwarded-for";
    private static final String X_FORWARDED_PORT = "x-forwarded-port";
    private static final String X_FORWARDED_PROTO = "x-forwarded-proto";
    private static final String X_FORWARDED_HOST = "x-forwarded-host";
    private static final String PROXY_CONNECTION = "proxy-connection";

    private HeaderRewriter() {
    }

    /**
     * @param request the request as received
     * @return whether it asks to become a WebSocket
     */
    static boolean isWebSocketUpgrade(HttpRequest request) {
        HttpHeaders h = request.headers();
        return h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * @param request the request as received
     * @param target its parsed request-target
     * @param route the route it matched
     * @param clientIp the address of the client
     * @param websocket whether the request is a WebSocket upgrade
     * @param secure whether the client connection is TLS
     * @param fwd the forwarding options
     * @return the request head to send upstream, always HTTP/1.1 and keep-alive; it shares (and
     *         this changes) the headers of {@code request}, which must not be used afterwards
     */
    static HttpRequest toUpstream(HttpRequest request, RequestTarget target, RouteEntry route,
            String clientIp, boolean websocket, boolean secure, ProxySettings.Forwarding fwd) {
        HttpHeaders h = request.headers();
        removeHopByHop(h, websocket);
        if (websocket) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        String host = h.get(HttpHeaderNames.HOST);
        if (fwd.xForward()) {
            append(h, X_FORWARDED_FOR, clientIp);
            append(h, X_FORWARDED_PORT, portOf(host, secure));
            append(h, X_FORWARDED_PROTO, websocket ? (secure ? "wss" : "ws") : (secure ? "https" : "http"));
            if (!websocket && host != null && !h.contains(X_FORWARDED_HOST)) {
                h.set(X_FORWARDED_HOST, host);
            }
        }
        if (host == null || fwd.changeOrigin()) {
            h.set(HttpHeaderNames.HOST, route.authority());
        }
        if (!fwd.customHeaders().isEmpty()) {
            fwd.customHeaders().forEach(h::set);
        }
        String uri = upstreamUri(target, route, fwd);
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, h);
    }

    /**
     * http-proxy's {@code setRedirectHostRewrite} with configurable-http-proxy's options: when the
     * response is a 201, 301, 302, 307 or 308 with an absolute {@code Location} whose host (and
     * port, unless the scheme's default) is the target's, that host becomes the client's
     * {@code Host} ({@code auto}) and/or the scheme becomes {@code protocol}; the URL is then
     * written out again as Node's {@code URL} does (default port dropped, empty path as
     * {@code /}). Any other {@code Location} (relative, another host, not a URL) is left as it is.
     *
     * @param h the response headers, changed in place
     * @param status the response status
     * @param route the route the request went to
     * @param requestHost the client's {@code Host} header, or {@code null}
     * @param rewrite what to rewrite
     */
    static void rewriteLocation(HttpHeaders h, int status, RouteEntry route, String requestHost,
            ProxySettings.LocationRewrite rewrite) {
        if (status != 201 && status != 301 && status != 302 && status != 307 && status != 308) {
            return;
        }
        String location = h.get(HttpHeaderNames.LOCATION);
        if (location == null) {
            return;
        }
        String rewritten = rewriteLocation(location, route.locationHost(), requestHost, rewrite);
        if (rewritten != null) {
            h.set(HttpHeaderNames.LOCATION, rewritten);
        }
    }

    /**
     * @return the rewritten Location, or {@code null} to leave it alone
     */
    static String rewriteLocation(String location, String targetHost, String requestHost,
            ProxySettings.LocationRewrite rewrite) {
        if (location.startsWith("//")) {
            return null; // http-proxy resolves it against a dummy host, which never matches
        }
        java.net.URI u;
        try {
            u = new java.net.URI(location);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
        if (u.getScheme() == null || u.isOpaque() || !RouteEntry.urlHost(u).equals(targetHost)) {
            return null;
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        if (RouteEntry.defaultPort(scheme) <= 0) {
            return null; // only special schemes have a host:port to put back together here
        }
        String host = u.getHost().toLowerCase(Locale.ROOT);
        int port = u.getPort();
        if (rewrite.auto() && requestHost != null && !requestHost.isEmpty()) {
            // URL.host = req.headers.host: host and optional port
            int colon = requestHost.lastIndexOf(':');
            if (colon > 0 && colon > requestHost.lastIndexOf(']')) {
                host = requestHost.substring(0, colon).toLowerCase(Locale.ROOT);
                try {
                    port = Integer.parseInt(requestHost.substring(colon + 1));
                } catch (NumberFormatException e) {
                    return null;
                }
            } else {
                host = requestHost.toLowerCase(Locale.ROOT);
                port = -1;
            }
        }
        if (rewrite.protocol() != null) {
            scheme = rewrite.protocol();
        }
        StringBuilder out = new StringBuilder(location.length() + 16).append(scheme).append("://");
        if (u.getRawUserInfo() != null) {
            out.append(u.getRawUserInfo()).append('@');
        }
        out.append(host);
        if (port != -1 && port != RouteEntry.defaultPort(scheme)) {
            out.append(':').append(port);
        }
        String path = u.getRawPath();
        out.append(path == null || path.isEmpty() ? "/" : path);
        if (u.getRawQuery() != null) {
            out.append('?').append(u.getRawQuery());
        }
        if (u.getRawFragment() != null) {
            out.append('#').append(u.getRawFragment());
        }
        return out.toString();
    }

    /**
     * The path and query sent to the target, as http-proxy builds it: the target's path (with
     * prependPath) joined to the request's path and query (without the route's prefix when
     * includePrefix is off), queries merged with {@code &}.
     */
    static String upstreamUri(RequestTarget target, RouteEntry route, ProxySettings.Forwarding fwd) {
        String rest = target.originForm();
        if (!fwd.includePrefix()) {
            int segments = segmentCount(route.spec()) - (fwd.hostRouting() ? 1 : 0);
            rest = stripSegments(rest, segments);
        }
        if (rest.startsWith("/") && rest.indexOf('?') != rest.length() - 1 && (!fwd.prependPath()
                || (route.targetQuery() == null && (route.targetPath().isEmpty() || route.targetPath().equals("/"))))) {
            return rest; // joined to "/" it stays as it is (only an empty query would go)
        }
        String base = "/";
        if (fwd.prependPath()) {
            base = route.targetPath() + (route.targetQuery() == null ? "" : "?" + route.targetQuery());
        }
        return urlJoin(base, rest);
    }

    private static int segmentCount(String spec) {
        if (spec.equals("/")) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < spec.length(); i++) {
            if (spec.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    /** Cuts the first {@code n} path segments of an origin-form target, keeping its query. */
    static String stripSegments(String originForm, int n) {
        int q = originForm.indexOf('?');
        int pathEnd = q < 0 ? originForm.length() : q;
        int pos = 0;
        for (int i = 0; i < n && pos < pathEnd; i++) {
            int next = originForm.indexOf('/', pos + 1);
            pos = next < 0 || next > pathEnd ? pathEnd : next;
        }
        return originForm.substring(pos);
    }

    /** Joins paths without doubling or dropping the slash between them; queries are merged. */
    static String urlJoin(String a, String b) {
        StringBuilder path = new StringBuilder();
        StringBuilder query = new StringBuilder();
        for (String part : new String[] {a, b}) {
            int q = part.indexOf('?');
            String p = q < 0 ? part : part.substring(0, q);
            if (q >= 0 && q < part.length() - 1) {
                if (query.length() > 0) {
                    query.append('&');
                }
                query.append(part, q + 1, part.length());
            }
            if (p.isEmpty()) {
                continue;
            }
            boolean endsWithSlash = path.length() > 0 && path.charAt(path.length() - 1) == '/';
            if (endsWithSlash && p.startsWith("/")) {
                path.append(p, 1, p.length());
            } else if (!endsWithSlash && !p.startsWith("/")) {
                path.append('/').append(p);
            } else {
                path.append(p);
            }
        }
        if (path.length() == 0) {
            path.append('/');
        }
        return query.length() == 0 ? path.toString() : path + "?" + query;
    }

    /**
     * Drops the headers that describe one connection rather than the message.
     *
     * @param h headers to change in place
     * @param keepUpgrade whether {@code Upgrade} survives (WebSocket handshakes)
     */
    static void removeHopByHop(HttpHeaders h, boolean keepUpgrade) {
        if (h.contains(HttpHeaderNames.CONNECTION)) {
            List<String> named = null;
            for (Iterator<String> values = h.valueStringIterator(HttpHeaderNames.CONNECTION); values.hasNext(); ) {
                String value = values.next();
                if (value.equalsIgnoreCase("keep-alive")) {
                    continue; // the usual value: the Keep-Alive header goes below anyway
                }
                if (named == null) {
                    named = new ArrayList<>(2);
                }
                named.add(value);
            }
            if (named != null) {
                for (String value : named) {
                    for (String token : value.split(",")) {
                        String name = token.trim().toLowerCase(Locale.ROOT);
                        if (name.isEmpty() || (keepUpgrade && name.equals("upgrade")) || isFraming(name)) {
                            continue;
                        }
                        h.remove(name);
                    }
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        if (!keepUpgrade) {
            h.remove(HttpHeaderNames.UPGRADE);
        }
    }

    // a Connection header must not make us drop what delimits the body
    private static boolean isFraming(String name) {
        return name.equals("content-length") || name.equals("transfer-encoding") || name.equals("host");
    }

    private static void append(HttpHeaders h, String name, String value) {
        if (!h.contains(name)) {
            h.set(name, value);
            return;
        }
        List<String> existing = h.getAll(name);
        if (existing.isEmpty()) {
            h.set(name, value);
        } else {
            h.set(name, String.join(",", existing) + "," + value);
        }
    }

    /** The port the client addressed, from Host, as http-proxy reports it. */
    static String portOf(String host, boolean secure) {
        if (host != null) {
            int colon = host.lastIndexOf(':');
            int bracket = host.lastIndexOf(']');
            if (colon > bracket && colon < host.length() - 1) {
                boolean digits = true;
                for (int i = colon + 1; i < host.length() && digits; i++) {
                    digits = Character.isDigit(host.charAt(i));
                }
                if (digits) {
                    return host.substring(colon + 1);
                }
            }
        }
        return secure ? "443" : "80";
    }

    /**
     * @param host a Host header value, or {@code null}
     * @return the host name without port (IPv6 brackets kept), or {@code ""}
     */
    static String hostWithoutPort(String host) {
        if (host == null) {
            return "";
        }
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        return colon > bracket ? host.substring(0, colon) : host;
    }
}
