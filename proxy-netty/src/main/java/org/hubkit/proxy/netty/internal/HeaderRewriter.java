package org.hubkit.proxy.netty.internal;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;

/**
 * Rewrites message heads between client and upstream the way configurable-http-proxy's
 * defaults do (prependPath and includePrefix on, xfwd on, origin kept): hop-by-hop headers
 * dropped, {@code X-Forwarded-*} appended, the target path put in front of the request path.
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
     * @return the request head to send upstream, always HTTP/1.1 and keep-alive
     */
    static HttpRequest toUpstream(HttpRequest request, RequestTarget target, RouteEntry route,
            String clientIp, boolean websocket) {
        HttpHeaders h = request.headers().copy();
        removeHopByHop(h, websocket);
        if (websocket) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        String host = h.get(HttpHeaderNames.HOST);
        if (host == null) {
            h.set(HttpHeaderNames.HOST, route.target().getRawAuthority());
        }
        append(h, X_FORWARDED_FOR, clientIp);
        append(h, X_FORWARDED_PORT, portOf(host));
        append(h, X_FORWARDED_PROTO, websocket ? "ws" : "http");
        if (!websocket && host != null && !h.contains(X_FORWARDED_HOST)) {
            h.set(X_FORWARDED_HOST, host);
        }
        String uri = route.pathPrefix() + target.originForm();
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, h);
    }

    /**
     * Drops the headers that describe one connection rather than the message.
     *
     * @param h headers to change in place
     * @param keepUpgrade whether {@code Upgrade} survives (WebSocket handshakes)
     */
    static void removeHopByHop(HttpHeaders h, boolean keepUpgrade) {
        List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty() || (keepUpgrade && name.equals("upgrade")) || isFraming(name)) {
                    continue;
                }
                h.remove(name);
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
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
        List<String> existing = h.getAll(name);
        if (existing.isEmpty()) {
            h.set(name, value);
        } else {
            h.set(name, String.join(",", existing) + "," + value);
        }
    }

    /** The port the client addressed, from Host, as http-proxy reports it. */
    static String portOf(String host) {
        if (host != null) {
            int colon = host.lastIndexOf(':');
            int bracket = host.lastIndexOf(']');
            if (colon > bracket && colon < host.length() - 1) {
                String port = host.substring(colon + 1);
                if (port.chars().allMatch(Character::isDigit)) {
                    return port;
                }
            }
        }
        return "80";
    }
}
