package org.hubkit.core;

import org.hubkit.testkit.RealComponents;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.testkit.ProxyContract;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigurableHttpProxy} driving the real configurable-http-proxy (npm 5.x) passes the
 * proxy contract, and re-syncs its routes after the proxy process dies.
 */
class ConfigurableHttpProxyContractIT extends ProxyContract {
    private final Map<Proxy, Integer> ports = new java.util.concurrent.ConcurrentHashMap<>();

    /** The proxy command the client starts: the npm configurable-http-proxy here. */
    String proxyCommand() {
        return RealComponents.chpCommand();
    }

    @Override
    protected Proxy createProxy() {
        int port = RealComponents.freePort();
        ConfigurableHttpProxy p = ConfigurableHttpProxy.builder().command(List.of(proxyCommand()))
                .publicAddress("127.0.0.1", port)
                .apiUrl(URI.create("http://127.0.0.1:" + RealComponents.freePort()))
                .authToken("contract-" + System.nanoTime())
                .checkInterval(Duration.ofMillis(300))
                .build();
        ports.put(p, port);
        return p;
    }

    @Override
    protected URI publicUrl(Proxy started) {
        return URI.create("http://127.0.0.1:" + ports.get(started));
    }

    @Test
    void aProxyThatDiesIsRestartedAndItsRoutesAreAddedAgain() throws Exception {
        com.sun.net.httpserver.HttpServer backend = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", ex -> {
            byte[] b = "backend answered".getBytes();
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        backend.start();
        ConfigurableHttpProxy proxy = (ConfigurableHttpProxy) createProxy();
        try {
            proxy.start().toCompletableFuture().join();
            URI target = URI.create("http://127.0.0.1:" + backend.getAddress().getPort());
            proxy.addRoute(Route.of("/user/carol/", target, Map.of("user", "carol", "server_name", ""))).toCompletableFuture().join();
            URI page = publicUrl(proxy).resolve("/user/carol/tree");
            assertThat(get(page)).isEqualTo(200);

            long oldPid = proxy.pid();
            ProcessHandle dying = ProcessHandle.of(oldPid).orElseThrow();
            dying.destroyForcibly();
            dying.onExit().join();

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int status = -1;
            while (System.nanoTime() < deadline && status != 200) {
                Thread.sleep(200);
                status = get(page);
            }
            assertThat(status).as("answered again through the restarted proxy").isEqualTo(200);
            assertThat(proxy.pid()).isNotEqualTo(oldPid);
            assertThat(proxy.routes().toCompletableFuture().join()).containsKey("/user/carol");
        } finally {
            proxy.close();
            backend.stop(0);
        }
    }

    private static int get(URI uri) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
