package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.HubException;
import org.hubkit.api.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNIX domain sockets as configurable-http-proxy has them: the proxy ({@code --socket}), its API
 * ({@code --api-socket}) and metrics ({@code --metrics-socket}) listening on one, and
 * {@code http+unix://} / {@code unix+http://} targets. The client is Java's own
 * {@code SocketChannel} ({@link RawHttp}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketTest {
    @TempDir
    Path dir;

    private static String encoded(Path socket) {
        return socket.toString().replace("%", "%25").replace("/", "%2F");
    }

    @Test
    void theProxyServesRequestsOnItsSocketAndDeletesItWhenClosed() throws Exception {
        Path socket = dir.resolve("proxy.sock");
        try (Backend backend = Backend.start("default")) {
            NettyProxy proxy = NettyProxy.builder().unixSocket(socket).defaultTarget(backend.uri()).build();
            try {
                proxy.start().toCompletableFuture().join();
                assertThat(proxy.port()).isEqualTo(-1);
                assertThat(proxy.unixSocket()).contains(socket);
                assertThat(proxy.toString()).contains("unix:" + socket);

                try (RawHttp client = new RawHttp(socket)) {
                    RawHttp.Response first = client.get("/hub/home?x=1");
                    RawHttp.Response second = client.get("/_chp_healthz");

                    assertThat(first.status()).isEqualTo(200);
                    assertThat(first.body()).isEqualTo("default /hub/home?x=1");
                    assertThat(second.body()).isEqualTo("{\"status\":\"OK\"}");
                }
                assertThat(backend.last().header("Host")).isEqualTo("localhost");
                assertThat(backend.last().header("X-Forwarded-Port")).isEqualTo("80");
            } finally {
                proxy.close();
            }
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    void anExistingFileAtTheSocketPathIsNotRemovedAndStartFails() throws Exception {
        Path socket = Files.writeString(dir.resolve("proxy.sock"), "not ours");
        NettyProxy proxy = NettyProxy.builder().unixSocket(socket).build();
        try {
            assertThatThrownBy(() -> proxy.start().toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(HubException.class).hasMessageContaining(socket.toString())
                    .hasMessageContaining("exists");
            assertThat(socket).hasContent("not ours");
        } finally {
            proxy.close();
        }
    }

    @Test
    void requestsReachAnHttpPlusUnixTargetAndAUnixPlusHttpOne() throws Exception {
        // the target on a socket is a second proxy, itself in front of a TCP backend
        Path inner = dir.resolve("inner.sock");
        try (Backend backend = Backend.start("behind-socket");
                ChpCompatibleProxy socketProxy = ChpCompatibleProxy.builder()
                        .proxy(NettyProxy.builder().unixSocket(inner).defaultTarget(backend.uri())).apiPort(0).build().start();
                ChpCompatibleProxy front = ChpApiTest.launch(Map.of())) {
            NettyProxy proxy = front.proxy();
            proxy.addRoute(Route.of("/a", URI.create("http+unix://" + encoded(inner) + "/prefix"), Map.of()))
                    .toCompletableFuture().join();
            proxy.addRoute(Route.of("/b", URI.create("unix+http://" + encoded(inner)), Map.of()))
                    .toCompletableFuture().join();

            try (RawHttp client = new RawHttp(proxy.port())) {
                RawHttp.Response a = client.get("/a/x?y=1");
                RawHttp.Response b = client.get("/b/z");

                assertThat(a.status()).isEqualTo(200);
                assertThat(a.body()).isEqualTo("behind-socket /prefix/a/x?y=1");
                assertThat(b.body()).isEqualTo("behind-socket /b/z");
            }
            assertThat(socketProxy.apiPort()).isPositive();
        }
    }

    @Test
    void errorPagesComeFromAnErrorTargetOnASocket() throws Exception {
        // the error target on a socket is a second proxy, itself in front of a TCP backend
        Path inner = dir.resolve("errors.sock");
        try (Backend errors = Backend.start("errors");
                ChpCompatibleProxy socketProxy = ChpCompatibleProxy.builder()
                        .proxy(NettyProxy.builder().unixSocket(inner).defaultTarget(errors.uri())).apiPort(0).build()
                        .start();
                NettyProxy front = NettyProxy.builder().ip("127.0.0.1").port(0)
                        .errorTarget(URI.create("http+unix://" + encoded(inner) + "/hub/error")).build()) {
            front.start().toCompletableFuture().join();

            try (RawHttp client = new RawHttp(front.port())) {
                RawHttp.Response res = client.get("/nowhere");

                assertThat(res.status()).isEqualTo(404);
                assertThat(res.body()).isEqualTo("errors /hub/error/404?url=%2Fnowhere");
            }
            assertThat(socketProxy.apiPort()).isPositive();
        }
    }

    @Test
    void aSocketWithoutTheNativeTransportFailsTheBuildNamingUnixSocket() {
        assertThatThrownBy(() -> NettyProxy.builder().nativeTransport(false).unixSocket(dir.resolve("p.sock")).build())
                .isInstanceOfSatisfying(org.hubkit.api.ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().startsWith("unixSocket: ").contains("nativeTransport"));
    }

    @Test
    void aMissingSocketTargetGets503() throws Exception {
        try (ChpCompatibleProxy front = ChpApiTest.launch(Map.of())) {
            front.proxy().addRoute(Route.of("/gone", URI.create("http+unix://" + encoded(dir.resolve("none.sock"))),
                    Map.of())).toCompletableFuture().join();

            try (RawHttp client = new RawHttp(front.proxy().port())) {
                assertThat(client.get("/gone/x").status()).isEqualTo(503);
            }
        }
    }

    @Test
    void theApiAndMetricsServeOnTheirSockets() throws Exception {
        Path apiSocket = dir.resolve("api.sock");
        Path metricsSocket = dir.resolve("metrics.sock");
        try (Backend backend = Backend.start("default");
                ChpCompatibleProxy chp = ChpCompatibleProxy.builder()
                        .proxy(NettyProxy.builder().ip("127.0.0.1").port(0))
                        .defaultTarget(backend.uri().toString())
                        .authToken("s3cret").apiSocket(apiSocket).metricsSocket(metricsSocket).build().start()) {
            assertThat(chp.apiPort()).isEqualTo(-1);
            assertThat(chp.metricsPort()).isEqualTo(-1);
            assertThat(chp.apiSocket()).contains(apiSocket);
            try (RawHttp proxied = new RawHttp(chp.proxy().port())) {
                assertThat(proxied.get("/").status()).isEqualTo(200);
            }

            try (RawHttp api = new RawHttp(apiSocket)) {
                RawHttp.Response denied = api.get("/api/routes");
                RawHttp.Response added = api.exchange("POST", "/api/routes/user/alice",
                        "Authorization: token s3cret\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                                + "{\"target\": \"http://127.0.0.1:1/alice\"} ");
                RawHttp.Response routes = api.exchange("GET", "/api/routes", "Authorization: token s3cret\r\n");

                assertThat(denied.status()).isEqualTo(403);
                assertThat(added.status()).isEqualTo(201);
                assertThat(routes.status()).isEqualTo(200);
                assertThat(routes.body()).contains("\"/user/alice\"").contains("\"/\"");
            }
            try (RawHttp metrics = new RawHttp(metricsSocket)) {
                RawHttp.Response res = metrics.get("/metrics");

                assertThat(res.status()).isEqualTo(200);
                assertThat(res.body()).contains("requests_web");
            }
        }
        assertThat(apiSocket).doesNotExist();
        assertThat(metricsSocket).doesNotExist();
    }

    @Test
    void theLauncherListensOnSocketFlagsAndItsApiDefaultsTo8001WithoutApiSocket() throws Exception {
        Path socket = dir.resolve("proxy.sock");
        Path apiSocket = dir.resolve("api.sock");
        try (Backend backend = Backend.start("default");
                ChpCompatibleProxy chp = ProxyMain.launch(new String[] {"--socket", socket.toString(),
                        "--api-socket=" + apiSocket, "--default-target", backend.uri().toString()}, Map.of())) {
            try (RawHttp client = new RawHttp(socket); RawHttp api = new RawHttp(apiSocket)) {
                assertThat(client.get("/hub/").body()).isEqualTo("default /hub/");
                assertThat(api.get("/api/routes").body()).contains("\"/\"");
            }
        }
        assertThat(socket).doesNotExist();
        assertThat(apiSocket).doesNotExist();
        CommandLine cli = CommandLine.parse(new String[] {"--socket", socket.toString()}, Map.of());
        assertThat(cli.builder.build().apiPort()).isEqualTo(8001);
    }

    @Test
    void socketFlagsConflictWithTheirIpAndPortFlags() {
        String[][] cases = {
                {"--socket", "/tmp/p.sock", "--port", "8000"}, {"--ip=127.0.0.1", "--socket=/tmp/p.sock"},
                {"--api-socket", "/tmp/a.sock", "--api-port", "8001"}, {"--api-ip", "localhost", "--api-socket", "/tmp/a.sock"},
                {"--metrics-socket", "/tmp/m.sock", "--metrics-port", "9000"},
                {"--metrics-ip", "", "--metrics-socket", "/tmp/m.sock"}};
        String[][] named = {{"--socket", "--port"}, {"--socket", "--ip"}, {"--api-socket", "--api-port"},
                {"--api-socket", "--api-ip"}, {"--metrics-socket", "--metrics-port"}, {"--metrics-socket", "--metrics-ip"}};
        for (int i = 0; i < cases.length; i++) {
            String[] args = cases[i];
            assertThatThrownBy(() -> CommandLine.parse(args, Map.of())).as(String.join(" ", args))
                    .isInstanceOf(CommandLine.UsageException.class)
                    .hasMessage("error: option '" + named[i][0] + "' cannot be used with option '" + named[i][1] + "'");
        }
    }
}
