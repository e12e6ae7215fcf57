package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hubkit.api.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A target that answers a request before it has read the request's body (a 413 for a body too
 * large, a 400 for a bad header) and then closes, as Jetty or Tornado do: the client gets the
 * target's response, not a 503 of the proxy's, as with nginx and node's http-proxy. The body the
 * client is still sending is read and dropped until the client is done, so that a client that
 * writes its whole body before reading (Python's http.client, Java's) sees the response too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EarlyUpstreamAnswerTest {
    private static final long BODY = 16L * 1024 * 1024;

    private Backend healthy;
    private RawBackend early;
    private NettyProxy proxy;

    @BeforeEach
    void start() throws IOException {
        healthy = Backend.start("healthy");
        early = RawBackend.byPath((path, head, s) -> {
            switch (path) {
                // Jetty's answer to a body over its limit: Connection: close, then it closes
                case "/early/too-large" -> RawBackend.write(s, "HTTP/1.1 413 Payload Too Large\r\n"
                        + "Content-Type: text/plain\r\nX-Target: early\r\nConnection: close\r\n"
                        + "Content-Length: 14\r\n\r\nbody too large");
                // keep-alive as far as the headers say, closed all the same
                case "/early/bad" -> RawBackend.write(s, "HTTP/1.1 400 Bad Request\r\n"
                        + "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nbad request");
                // no length: the body ends when the target closes
                case "/early/until-close" -> RawBackend.write(s, "HTTP/1.1 413 Payload Too Large\r\n"
                        + "Connection: close\r\n\r\nends by close");
                default -> RawBackend.write(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            }
            // closed with the body unread: the target's kernel resets the connection
        });
        proxy = TestProxies.started(NettyProxy.builder().ioThreads(1), "/", healthy.uri());
        proxy.addRoute(Route.of("/early", early.uri(), Map.of())).toCompletableFuture().join();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        early.close();
        healthy.close();
    }

    /** Sends the whole body, then reads the response, as Python's http.client does. */
    private RawHttp.Response postWholeBodyThenRead(RawHttp client, String path) throws IOException {
        client.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + BODY + "\r\n\r\n");
        AtomicLong written = new AtomicLong();
        PatternBytes.write(client.socket.getOutputStream(), BODY, written);
        assertThat(written.get()).as("the proxy took the whole body (dropping it)").isEqualTo(BODY);
        return client.read(false);
    }

    @Test
    void relaysATargets413SentBeforeTheBodyAndClosesTheClientConnection() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            RawHttp.Response res = postWholeBodyThenRead(client, "/early/too-large");

            assertThat(res.status()).isEqualTo(413);
            assertThat(res.body()).isEqualTo("body too large");
            assertThat(res.header("X-Target")).isEqualTo("early");
            assertThat(res.header("Content-Type")).isEqualTo("text/plain");
            assertThat(res.header("Connection")).as("the target closes, so does the proxy").isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
        }
        assertTheProxyStillServes();
    }

    @Test
    void relaysATargets400SentBeforeTheBodyWhenTheTargetThenResetsTheConnection() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            RawHttp.Response res = postWholeBodyThenRead(client, "/early/bad");

            assertThat(res.status()).isEqualTo(400);
            assertThat(res.body()).isEqualTo("bad request");
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
        }
        assertTheProxyStillServes();
    }

    @Test
    void relaysAnEarlyAnswerWhoseBodyEndsWhenTheTargetCloses() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            RawHttp.Response res = postWholeBodyThenRead(client, "/early/until-close");

            assertThat(res.status()).isEqualTo(413);
            assertThat(res.body()).isEqualTo("ends by close");
            assertThat(client.closedByPeer()).isTrue();
        }
        assertTheProxyStillServes();
    }

    @Test
    void relaysTheEarlyAnswerToAClientThatReadsWhileItSends() throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            client.send("POST /early/too-large HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + BODY + "\r\n\r\n");
            Thread writer = new Thread(() -> {
                try {
                    PatternBytes.write(client.socket.getOutputStream(), BODY, new AtomicLong());
                } catch (IOException e) {
                    // a client that reads as it sends (curl, browsers) stops at the response anyway
                }
            });
            writer.start();

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(413);
            assertThat(res.body()).isEqualTo("body too large");
            writer.join();
        }
        assertTheProxyStillServes();
    }

    private void assertTheProxyStillServes() throws IOException {
        try (RawHttp next = new RawHttp(proxy.port())) {
            assertThat(next.get("/next").body()).isEqualTo("healthy /next");
        }
    }
}
