package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Upstream connections are pooled per target and reused across client connections. The
 * proxies here run one event loop, so that every client connection shares one pool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamPoolTest {
    @RegisterExtension
    final Resources resources = new Resources();

    private NettyProxy proxy(NettyProxy.Builder b, URI target) {
        return resources.track(TestProxies.started(b.ioThreads(1), "/", target));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void reusesOneUpstreamConnectionForClientConnectionsInSequence() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/one").body()).isEqualTo("b /one");
        }
        try (RawHttp second = new RawHttp(proxy.port())) {
            assertThat(second.get("/two").body()).isEqualTo("b /two");
        }
        HttpClient third = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(third.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/three")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("b /three");

        assertThat(backend.seen).hasSize(3);
        assertThat(backend.seen).extracting(Backend.Seen::remotePort).as("one upstream connection, three clients")
                .containsOnly(backend.seen.get(0).remotePort());
        assertThat(proxy.idleUpstreamConnections()).isEqualTo(1);
    }

    @Test
    void keepsAtMostUpstreamMaxIdleConnectionsPerTarget() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        NettyProxy proxy = proxy(NettyProxy.builder().upstreamMaxIdle(2), backend.uri());
        int clients = 4;
        CountDownLatch[] waves = {new CountDownLatch(clients), new CountDownLatch(clients)};
        backend.handle("/wave", exchange -> {
            // every request of a wave is held until all are in, so each has its own upstream
            CountDownLatch wave = waves[exchange.getRequestURI().getPath().endsWith("/0") ? 0 : 1];
            wave.countDown();
            try {
                wave.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });

        Set<Integer> firstWave = wave(proxy, backend, "/wave/0", clients);
        await("the pool keeps 2 of the 4", () -> proxy.idleUpstreamConnections() == 2);
        Set<Integer> secondWave = wave(proxy, backend, "/wave/1", clients);

        assertThat(firstWave).hasSize(clients);
        assertThat(secondWave).hasSize(clients);
        Set<Integer> reused = new HashSet<>(secondWave);
        reused.retainAll(firstWave);
        assertThat(reused).as("connections the second wave took from the pool").hasSize(2);
        assertThat(proxy.idleUpstreamConnections()).isEqualTo(2);
    }

    /** Sends {@code clients} requests at once on as many connections; returns the backend-side ports. */
    private static Set<Integer> wave(NettyProxy proxy, Backend backend, String path, int clients) throws Exception {
        int before = backend.seen.size();
        List<RawHttp> raws = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                RawHttp raw = new RawHttp(proxy.port());
                raws.add(raw);
                raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            for (RawHttp raw : raws) {
                assertThat(raw.read(false).body()).isEqualTo("ok");
            }
        } finally {
            for (RawHttp raw : raws) {
                raw.close();
            }
        }
        Set<Integer> ports = new HashSet<>();
        backend.seen.subList(before, backend.seen.size()).forEach(s -> ports.add(s.remotePort()));
        return ports;
    }

    /** A target answering {@code ok} on each connection, which notes when the proxy closes it. */
    private static RawBackend noticingClose(CountDownLatch closedByProxy) throws java.io.IOException {
        return new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            if (in.read() == -1) {
                closedByProxy.countDown();
            }
        });
    }

    @Test
    void closesUpstreamConnectionsIdleLongerThanTheIdleTimeout() throws Exception {
        // two proxies, each with one pooled connection; the one with the long timeout pooled its
        // connection first, so when the short timeout's connection is closed, the other, idle
        // longer, shows that it is the configured timeout that closed it (and not, say, the end
        // of the exchange or a fixed delay); no clock is read
        CountDownLatch shortClosed = new CountDownLatch(1);
        CountDownLatch longClosed = new CountDownLatch(1);
        RawBackend shortTarget = resources.track(noticingClose(shortClosed));
        RawBackend longTarget = resources.track(noticingClose(longClosed));
        LogCapture pool = resources.track(new LogCapture("org.hubkit.proxy.netty.internal.UpstreamPool",
                ch.qos.logback.classic.Level.DEBUG, false));
        NettyProxy longTimeout = proxy(NettyProxy.builder().upstreamIdleTimeout(Duration.ofMinutes(10)), longTarget.uri());
        NettyProxy shortTimeout = proxy(NettyProxy.builder().upstreamIdleTimeout(Duration.ofMillis(300)), shortTarget.uri());

        try (RawHttp raw = new RawHttp(longTimeout.port())) {
            assertThat(raw.get("/").body()).isEqualTo("ok");
        }
        try (RawHttp raw = new RawHttp(shortTimeout.port())) {
            assertThat(raw.get("/").body()).isEqualTo("ok");
        }

        assertThat(shortClosed.await(10, TimeUnit.SECONDS)).as("the proxy closed the idle connection").isTrue();
        assertThat(pool.messages()).as("closed by the pool as expired, so it had been pooled")
                .anySatisfy(m -> assertThat(m).contains("unused for").contains("http/" + shortTarget.uri().getPort() + "/"));
        assertThat(shortTimeout.idleUpstreamConnections()).isZero();
        assertThat(longClosed.getCount()).as("idle longer, under a longer timeout: still open").isEqualTo(1);
        assertThat(longTimeout.idleUpstreamConnections()).isEqualTo(1);
    }

    @Test
    void doesNotReuseAnIdleConnectionTheTargetClosed() throws Exception {
        RawBackend backend = resources.track(new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            String head = RawBackend.readHead(in);
            if (i == 0) {
                // keep-alive by default, then closed anyway, as a server's idle timeout does
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                return;
            }
            int length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
            in.readNBytes(length);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
            in.read();
        }));
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/").body()).isEqualTo("first");
        }
        await("the closed connection left the pool", () -> proxy.idleUpstreamConnections() == 0);
        try (RawHttp second = new RawHttp(proxy.port())) {
            // a POST is never resent: it only succeeds if it went out on a live connection
            RawHttp.Response res = second.exchange("POST", "/", "Content-Length: 4\r\n\r\nbody");
            assertThat(res.status()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("second");
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    /** Answers the first request of connection 0, then drops it on the next request: a close that races a reuse. */
    private static RawBackend closingOnTheSecondRequest() throws Exception {
        return new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            RawBackend.readHead(in);
            if (i == 0) {
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                RawBackend.readHead(in); // and close unanswered
                return;
            }
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
            in.read();
        });
    }

    @Test
    void resendsASafeRequestOnceOnANewConnectionWhenAPooledOneDiesUnderIt() throws Exception {
        RawBackend backend = resources.track(closingOnTheSecondRequest());
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/").body()).isEqualTo("first");
        }
        try (RawHttp second = new RawHttp(proxy.port())) {
            assertThat(second.get("/again").body()).isEqualTo("fresh");
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void resendsAnIdempotentRequestWithoutBodyOnceWhenAPooledConnectionDiesUnderIt() throws Exception {
        RawBackend backend = resources.track(closingOnTheSecondRequest());
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/").body()).isEqualTo("first");
        }
        try (RawHttp second = new RawHttp(proxy.port())) {
            RawHttp.Response res = second.exchange("DELETE", "/users/a/server", "");
            assertThat(res.status()).as("DELETE is idempotent (RFC 9110): %s", res.body()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("fresh");
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void answers503ToAnUnsafeRequestWhenAPooledConnectionDiesUnderIt() throws Exception {
        RawBackend backend = resources.track(closingOnTheSecondRequest());
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/").body()).isEqualTo("first");
        }
        try (RawHttp second = new RawHttp(proxy.port())) {
            assertThat(second.exchange("POST", "/order", "Content-Length: 0\r\n").status())
                    .as("a POST may have been acted on: not sent twice").isEqualTo(503);
            assertThat(second.get("/then").body()).isEqualTo("fresh");
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void neverPoolsAConnectionWhoseResponseSaidConnectionClose() throws Exception {
        // As Jetty after a request it refuses before routing: "Connection: close" in the answer,
        // and the close itself a moment later. Here the moment lasts until the next request
        // comes in on the same connection, which is then dropped unanswered: a proxy that pooled
        // the connection sends the POST into a close and must answer 503 (it may not resend it).
        RawBackend backend = resources.track(new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            String head = RawBackend.readHead(in);
            if (i == 0) {
                RawBackend.write(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\nConnection: close\r\n\r\nrefused");
                RawBackend.readHead(in);
                return;
            }
            int length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
            in.readNBytes(length);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
            in.read();
        }));
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            RawHttp.Response refused = client.get("/a%2Fb");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body()).isEqualTo("refused");
            RawHttp.Response next = client.exchange("POST", "/users", "Content-Length: 2\r\n\r\n{}");
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("fresh");
        }
        assertThat(backend.connections()).isEqualTo(2);
        assertThat(proxy.idleUpstreamConnections()).as("only the second connection was pooled").isEqualTo(1);
    }

    @Test
    void neverPoolsAConnectionWhoseResponseEndedByClosing() throws Exception {
        RawBackend backend = resources.track(new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "HTTP/1.1 200 OK\r\n\r\nuntil the end " + i);
        }));
        NettyProxy proxy = proxy(NettyProxy.builder(), backend.uri());

        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.get("/a").body()).isEqualTo("until the end 0");
            assertThat(raw.get("/b").body()).isEqualTo("until the end 1");
        }

        assertThat(backend.connections()).isEqualTo(2);
        assertThat(proxy.idleUpstreamConnections()).isZero();
    }

    @Test
    void neverPoolsAConnectionAfterAWebSocketUpgrade() throws Exception {
        WsEchoServer echo = new WsEchoServer();
        resources.track(echo::close);
        NettyProxy proxy = proxy(NettyProxy.builder(), echo.uri());
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).join();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("connected");
        assertThat(proxy.idleUpstreamConnections()).isZero();

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();

        assertThat(echo.closed.await(5, TimeUnit.SECONDS)).as("the upstream closed with the client").isTrue();
        assertThat(proxy.idleUpstreamConnections()).isZero();
    }

    @Test
    void closesEveryUpstreamAfterItsExchangeWhenPoolingIsOff() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        NettyProxy proxy = proxy(NettyProxy.builder().upstreamMaxIdle(0), backend.uri());

        try (RawHttp raw = new RawHttp(proxy.port())) {
            assertThat(raw.get("/1").body()).isEqualTo("b /1");
            assertThat(raw.get("/2").body()).isEqualTo("b /2");
        }

        assertThat(backend.seen.get(1).remotePort()).isNotEqualTo(backend.seen.get(0).remotePort());
        assertThat(proxy.idleUpstreamConnections()).isZero();
    }

    @Test
    void builderRejectsInvalidPoolSettingsNamingEachField() {
        assertThatThrownBy(() -> NettyProxy.builder().upstreamMaxIdle(-1).upstreamIdleTimeout(Duration.ZERO).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .hasSize(2)
                        .anySatisfy(p -> assertThat(p).startsWith("upstreamMaxIdle: "))
                        .anySatisfy(p -> assertThat(p).startsWith("upstreamIdleTimeout: ")));
    }

    @Test
    void toBuilderCopiesThePoolSettings() {
        NettyProxy original = NettyProxy.builder().upstreamMaxIdle(3).upstreamIdleTimeout(Duration.ofSeconds(9)).build();

        NettyProxy copy = original.toBuilder().build();

        assertThat(copy.upstreamMaxIdle()).isEqualTo(3);
        assertThat(copy.upstreamIdleTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(NettyProxy.builder().build().upstreamMaxIdle()).as("default").isEqualTo(32);
        assertThat(NettyProxy.builder().build().upstreamIdleTimeout()).as("default").isEqualTo(Duration.ofSeconds(4));
    }
}
