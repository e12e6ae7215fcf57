package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code headersTimeout} and {@code requestTimeout}, Node 20's defaults for configurable-http-proxy's
 * users: a request whose head or whole arrives too slowly gets a 408 and its connection closed;
 * the response phase and WebSockets are not limited; a large upload within the limit passes.
 *
 * <p>No test reads the clock. Where one must know that a limit's time has passed, it waits for
 * a connection opened meanwhile to be cut by that limit ({@link RawHttp#awaitOneHeadersTimeout}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @RegisterExtension
    final Resources resources = new Resources();

    private NettyProxy proxy(NettyProxy.Builder options, URI target) {
        return resources.track(TestProxies.started(options, "/", target));
    }

    @Test
    void answers408WhenTheRequestHeadTricklesInPastTheHeadersTimeout() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        NettyProxy proxy = proxy(NettyProxy.builder().headersTimeout(SHORT), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            // a slowloris: never a complete head, always one more byte
            Thread writer = client.trickle("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(150));

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(408);
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            writer.join(10_000);
        }
        assertThat(backend.seen).as("the request never reached the target").isEmpty();
    }

    @Test
    void answers408WhenTheBodyTricklesInPastTheRequestTimeoutAndClosesTheTargetsConnection() throws Exception {
        CountDownLatch targetCut = new CountDownLatch(1);
        AtomicLong bodyAtTarget = new AtomicLong();
        RawBackend backend = resources.track(new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            RawBackend.readHead(in);
            try {
                while (in.read() >= 0) {
                    bodyAtTarget.incrementAndGet(); // never the whole body: never an answer
                }
            } catch (IOException e) {
                // reset: cut as well
            }
            targetCut.countDown();
        }));
        NettyProxy proxy = proxy(NettyProxy.builder().requestTimeout(Duration.ofMillis(500)), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n");
            Thread writer = client.trickle("x".repeat(1000));

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(408);
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            writer.join(10_000);
        }
        assertThat(targetCut.await(10, TimeUnit.SECONDS)).as("the target's connection was closed").isTrue();
        assertThat(bodyAtTarget.get()).as("the body went on to the target as it came").isPositive().isLessThan(1000);
    }

    @Test
    void passesALargeUploadThatTakesLongerThanTheHeadersTimeoutWithinTheRequestTimeout() throws Exception {
        long size = 32L * 1024 * 1024;
        Backend backend = resources.track(Backend.start("b"));
        backend.handle("/upload", exchange -> {
            long n;
            try (InputStream in = exchange.getRequestBody()) {
                n = in.transferTo(OutputStream.nullOutputStream());
            }
            byte[] body = Long.toString(n).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        NettyProxy proxy = proxy(NettyProxy.builder().headersTimeout(SHORT).requestTimeout(Duration.ofSeconds(30)),
                backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + size + "\r\n\r\n");
            OutputStream out = client.socket.getOutputStream();
            PatternBytes.write(out, size / 2, new AtomicLong());
            RawHttp.awaitOneHeadersTimeout(proxy.port()); // the body is not held to the head's limit
            PatternBytes.write(out, size / 2, new AtomicLong());

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(200);
            assertThat(res.body()).isEqualTo(Long.toString(size));
            assertThat(client.get("/after").body()).as("the connection stays usable").isEqualTo("b /after");
        }
    }

    @Test
    void doesNotLimitTheWaitForTheResponse() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        Backend backend = resources.track(Backend.start("b"));
        backend.handle("/slow", exchange -> {
            try {
                answer.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "late".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        NettyProxy proxy = proxy(NettyProxy.builder().requestTimeout(SHORT), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.awaitOneHeadersTimeout(proxy.port()); // headersTimeout follows the shorter requestTimeout
            answer.countDown();

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("late");
        }
    }

    @Test
    void timesEachRequestOnAKeptAliveConnectionFromItsOwnStart() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        // a limit well above the 50 ms between the second head's two parts
        NettyProxy proxy = proxy(NettyProxy.builder().requestTimeout(Duration.ofSeconds(1)), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port())) {
            assertThat(client.get("/first").body()).isEqualTo("b /first");
            RawHttp.awaitOneHeadersTimeout(proxy.port()); // longer than the limit since the first request began

            RawHttp.Response second = client.exchangeInTwoParts("GET", "/second", "");

            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("b /second");
        }
    }

    @Test
    void aRequestHeadBegunWithinTheKeepAliveTimeoutIsHeldToTheHeadersTimeoutInstead() throws Exception {
        Backend backend = resources.track(Backend.start("b"));
        NettyProxy proxy = proxy(NettyProxy.builder().keepAliveTimeout(SHORT), backend.uri());

        try (RawHttp client = new RawHttp(proxy.port()); RawHttp idle = new RawHttp(proxy.port())) {
            client.send("GET /late HTTP/1.1\r\nHost: ");
            assertThat(idle.closedByPeer()).as("a connection opened later was closed as idle").isTrue();
            client.send("127.0.0.1\r\n\r\n");

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("b /late");
        }
    }

    @Test
    void doesNotCutAWebSocketOpenLongerThanTheRequestTimeout() throws Exception {
        WsEchoServer echo = new WsEchoServer();
        resources.track(echo::close);
        NettyProxy proxy = proxy(NettyProxy.builder().headersTimeout(SHORT).requestTimeout(SHORT), echo.uri());
        TextMessages messages = new TextMessages();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), messages).join();
        assertThat(messages.next()).isEqualTo("connected");

        RawHttp.awaitOneHeadersTimeout(proxy.port()); // the WebSocket has been open longer than both limits

        ws.sendText("still here", true).join();
        assertThat(messages.next()).isEqualTo("still here");
        assertThat(echo.closed.getCount()).as("the target's side is open").isEqualTo(1);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }

    @Test
    void defaultsAreThoseOfNode20sHttpServer() {
        NettyProxy proxy = NettyProxy.builder().build();

        assertThat(proxy.headersTimeout()).contains(Duration.ofSeconds(60));
        assertThat(proxy.requestTimeout()).contains(Duration.ofSeconds(300));
    }

    @Test
    void headersTimeoutFollowsAShorterRequestTimeoutUnlessSet() {
        assertThat(NettyProxy.builder().requestTimeout(Duration.ofSeconds(10)).build().headersTimeout())
                .contains(Duration.ofSeconds(10));
        assertThat(NettyProxy.builder().requestTimeout(Duration.ofSeconds(10)).headersTimeout(Duration.ofSeconds(2))
                .build().headersTimeout()).contains(Duration.ofSeconds(2));

        NettyProxy noRequestLimit = NettyProxy.builder().requestTimeout(Duration.ZERO).build();
        assertThat(noRequestLimit.requestTimeout()).isEmpty();
        assertThat(noRequestLimit.headersTimeout()).as("unlike Node, the head stays limited")
                .contains(Duration.ofSeconds(60));

        NettyProxy none = NettyProxy.builder().requestTimeout(null).headersTimeout(Duration.ZERO).build();
        assertThat(none.requestTimeout()).isEmpty();
        assertThat(none.headersTimeout()).isEmpty();
    }

    @Test
    void builderRejectsNegativeLimitsAndAHeadersTimeoutLongerThanTheRequestTimeout() {
        assertThatThrownBy(() -> NettyProxy.builder().headersTimeout(Duration.ofSeconds(-1))
                .requestTimeout(Duration.ofMillis(-5)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2)
                        .anySatisfy(p -> assertThat(p).startsWith("headersTimeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("requestTimeout: ")));
        assertThatThrownBy(() -> NettyProxy.builder().headersTimeout(Duration.ofSeconds(20))
                .requestTimeout(Duration.ofSeconds(10)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p).startsWith("headersTimeout: must not be longer than requestTimeout")));
    }

    @Test
    void toBuilderKeepsTheLimitsAndAHeadersTimeoutThatFollowsTheRequestTimeout() {
        NettyProxy derived = NettyProxy.builder().requestTimeout(Duration.ofSeconds(10)).build();
        NettyProxy explicit = NettyProxy.builder().headersTimeout(Duration.ofSeconds(5)).build();

        NettyProxy longer = derived.toBuilder().requestTimeout(Duration.ofSeconds(30)).build();
        NettyProxy copy = explicit.toBuilder().build();

        assertThat(derived.toBuilder().build().requestTimeout()).contains(Duration.ofSeconds(10));
        assertThat(longer.headersTimeout()).as("still derived").contains(Duration.ofSeconds(30));
        assertThat(copy.headersTimeout()).contains(Duration.ofSeconds(5));
        assertThat(copy.requestTimeout()).contains(Duration.ofSeconds(300));
    }
}
