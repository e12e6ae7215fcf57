package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketTest {
    private WsEchoServer echo;
    private NettyProxy proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws InterruptedException {
        echo = new WsEchoServer();
        proxy = TestProxies.started(NettyProxy.builder(), "/user/alice", echo.uri());
    }

    @AfterEach
    void stop() {
        proxy.close();
        echo.close();
    }

    @Test
    void relaysWebSocketMessagesBothWays() throws Exception {
        TextMessages messages = new TextMessages();
        WebSocket ws = http.newWebSocketBuilder()
                .buildAsync(proxyWs("/user/alice/api/kernels/k1/channels?token=s3cret"), messages).join();

        assertThat(messages.next()).isEqualTo("connected");
        ws.sendText("hello", true).join();
        assertThat(messages.next()).isEqualTo("hello");
        String big = "0123456789abcdef".repeat(20_000);
        ws.sendText(big, true).join();
        String echoed = messages.next();
        assertThat(echoed.length()).isEqualTo(big.length());
        assertThat(echoed.equals(big)).as("300 kB message echoed intact").isTrue();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();

        assertThat(echo.handshakeUri).isEqualTo("/user/alice/api/kernels/k1/channels?token=s3cret");
        assertThat(echo.handshakeHeaders.get("X-Forwarded-Proto")).isEqualTo("ws");
        assertThat(echo.handshakeHeaders.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(echo.handshakeHeaders.get("Host")).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(echo.closed.await(5, TimeUnit.SECONDS)).as("upstream closed after the client").isTrue();
    }

    @Test
    void updatesLastActivityOnWebSocketMessages() throws Exception {
        TextMessages messages = new TextMessages();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(proxyWs("/user/alice/terminals/1"), messages).join();
        assertThat(messages.next()).isEqualTo("connected");
        Instant afterHandshake = lastActivity();
        Thread.sleep(30);

        ws.sendText("ls", true).join();
        assertThat(messages.next()).isEqualTo("ls");

        assertThat(lastActivity()).isAfter(afterHandshake);
        ws.abort();
    }

    @Test
    void answers503AndClosesWhenTheWebSocketTargetIsDown() throws Exception {
        int dead = TestProxies.deadPort();
        proxy.addRoute(Route.of("/user/bob", URI.create("http://127.0.0.1:" + dead), Map.of())).toCompletableFuture().join();

        try (RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /user/bob/api/kernels/k/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            RawHttp.Response res = raw.read(false);

            assertThat(res.status()).isEqualTo(503);
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    private Instant lastActivity() {
        return proxy.routes().toCompletableFuture().join().get("/user/alice").lastActivity();
    }

    private URI proxyWs(String path) {
        return URI.create("ws://127.0.0.1:" + proxy.port() + path);
    }
}
