package org.hubkit.proxy.netty.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link ProxyServer} needs from the proxy's configuration, already validated.
 *
 * @param ip the address to listen on; empty for every interface
 * @param port the port to listen on; 0 for any free one
 * @param unixSocket a UNIX domain socket file to listen on instead of {@code ip} and {@code port}, or {@code null}
 * @param ioThreads event loop threads; 0 for Netty's default (twice the cores)
 * @param preferNative whether to use epoll where available
 * @param connectTimeoutMillis how long to wait for a target to accept a connection
 * @param clientLimits the keep-alive, headers and request timeouts of client connections
 * @param forwarding how requests are rewritten on their way to a target
 * @param errorTarget where error pages are fetched from ({@code {errorTarget}/{code}?url=...}), or {@code null}
 * @param errorPath a directory with {@code {code}.html} and {@code error.html}, or {@code null}
 * @param timeoutMillis how long a client connection may sit idle during a request; 0 for no limit
 * @param proxyTimeoutMillis how long a target connection may sit idle during a request; 0 for no limit
 * @param upstreamMaxIdle idle upstream connections kept per target and event loop; 0 for none
 * @param upstreamIdleTimeoutMillis how long an idle upstream connection is kept
 * @param tls the listening socket's certificate, or {@code null} for plain HTTP
 * @param upstreamTls TLS towards {@code https://} targets (and an {@code https://} error target)
 * @param metrics what the proxy counts
 * @param locationRewrite how {@code Location} headers of redirects are rewritten
 */
public record ProxySettings(String ip, int port, Path unixSocket, int ioThreads, boolean preferNative,
        int connectTimeoutMillis, ClientLimits clientLimits, Forwarding forwarding,
        URI errorTarget, Path errorPath, long timeoutMillis, long proxyTimeoutMillis,
        int upstreamMaxIdle, long upstreamIdleTimeoutMillis, TlsCertificates tls, UpstreamTls upstreamTls,
        ProxyMetrics metrics,
        LocationRewrite locationRewrite) {

    /**
     * http-proxy's {@code autoRewrite} and {@code protocolRewrite}, as configurable-http-proxy's
     * {@code --auto-rewrite} and {@code --protocol-rewrite} set them: the {@code Location} of a
     * 201, 301, 302, 307 or 308 response whose host and port are the target's gets the request's
     * {@code Host} and/or another scheme.
     *
     * @param auto put the request's {@code Host} in place of the target's
     * @param protocol the scheme to put there ({@code http} or {@code https}), or {@code null} to keep it
     */
    public record LocationRewrite(boolean auto, String protocol) {
        /** No rewriting: configurable-http-proxy's default. */
        public static final LocationRewrite NONE = new LocationRewrite(false, null);

        /** @return whether anything is rewritten */
        public boolean active() {
            return auto || protocol != null;
        }
    }

    /**
     * How a request is rewritten for its target, with configurable-http-proxy's names.
     *
     * @param hostRouting route on {@code /host/path} instead of {@code /path}
     * @param prependPath put the target's path in front of the forwarded path
     * @param includePrefix keep the route's prefix in the forwarded path
     * @param xForward add {@code X-Forwarded-*} headers
     * @param changeOrigin send the target's host and port as {@code Host}
     * @param customHeaders headers set on every forwarded request
     */
    public record Forwarding(boolean hostRouting, boolean prependPath, boolean includePrefix,
            boolean xForward, boolean changeOrigin, Map<String, String> customHeaders) {
        /** configurable-http-proxy's defaults. */
        public static final Forwarding DEFAULT = new Forwarding(false, true, true, true, false, Map.of());

        /** Copies the headers. */
        public Forwarding {
            customHeaders = Map.copyOf(customHeaders);
        }
    }
}
