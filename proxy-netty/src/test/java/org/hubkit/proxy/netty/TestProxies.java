package org.hubkit.proxy.netty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.hubkit.api.Route;

/** Proxies and ports on loopback for the tests: a started {@link NettyProxy} with a route, a port nobody listens on. */
final class TestProxies {
    private TestProxies() {
    }

    /**
     * @param options the proxy's options; the address is set to {@code 127.0.0.1} and a free port
     * @return the proxy, started, routing {@code spec} to {@code target} (closed again if that fails)
     */
    static NettyProxy started(NettyProxy.Builder options, String spec, URI target) {
        NettyProxy proxy = options.ip("127.0.0.1").port(0).build();
        try {
            proxy.start().toCompletableFuture().join();
            proxy.addRoute(Route.of(spec, target, Map.of())).toCompletableFuture().join();
        } catch (RuntimeException | Error e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    /** @return a loopback port that was free a moment ago, so that nothing answers there */
    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
