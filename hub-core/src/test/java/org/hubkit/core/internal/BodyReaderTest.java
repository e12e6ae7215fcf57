package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.hubkit.core.RawSockets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link BodyReader}'s budget of bytes held at once, on a bare Jetty: what a body reserves is
 * given back exactly once whichever way its request ends (answered, held by asynchronous work
 * and then answered, refused as too large, timed out, its client gone, its servlet failing),
 * and a body that does not fit is answered 503 with {@code Retry-After} before it is read.
 */
@Timeout(60)
class BodyReaderTest {
    static final int LIMIT = 64 * 1024;
    static final int CAP = 100 * 1024;
    Server server;
    BodyReader reader;
    final CountDownLatch holdRelease = new CountDownLatch(1);
    final CountDownLatch holding = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        reader = new BodyReader(LIMIT, 1024, CAP, Duration.ofMillis(700));
        FilterHolder bodies = new FilterHolder(reader);
        bodies.setAsyncSupported(true);
        context.addFilter(bodies, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder api = new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                int n = req.getInputStream().readAllBytes().length;
                if (req.getRequestURI().endsWith("/throw")) {
                    throw new IllegalStateException("a bug behind the body");
                }
                if (req.getRequestURI().endsWith("/hold")) {
                    // as Deferred: the answer comes later, from another thread, the body still held
                    AsyncContext ctx = req.startAsync();
                    ctx.setTimeout(0);
                    new Thread(() -> {
                        holding.countDown();
                        try {
                            holdRelease.await(20, TimeUnit.SECONDS);
                            resp.getWriter().print(n);
                        } catch (InterruptedException | IOException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            ctx.complete();
                        }
                    }).start();
                    return;
                }
                resp.getWriter().print(n);
            }
        });
        api.setAsyncSupported(true);
        context.addServlet(api, "/hub/api/*");
        server.setHandler(context);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        holdRelease.countDown();
        server.stop();
    }

    private int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private Socket open() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String post(String path, int length) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /** Waits (bounded) for the budget to read {@code expected}: a request's end is seen a moment after its answer. */
    private static void awaitBuffered(LongSupplier buffered, long expected) throws InterruptedException {
        for (int i = 0; i < 200 && buffered.getAsLong() != expected; i++) {
            Thread.sleep(10);
        }
        assertThat(buffered.getAsLong()).as("bytes reserved").isEqualTo(expected);
    }

    @Test
    void aBodyIsHeldUntilItsRequestEndsAndThenGivenBackOnce() throws Exception {
        try (Socket s = open()) {
            send(s, post("/hub/api/echo", 1000) + "x".repeat(1000));
            assertThat(RawSockets.head(s)).startsWith("http/1.1 200");
        }
        awaitBuffered(reader::bufferedBytes, 0);

        try (Socket s = open()) {
            send(s, post("/hub/api/hold", 1000) + "x".repeat(1000));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(reader.bufferedBytes()).as("held while the servlet's asynchronous work runs").isEqualTo(1000);
            holdRelease.countDown();
            assertThat(RawSockets.head(s)).startsWith("http/1.1 200");
        }
        awaitBuffered(reader::bufferedBytes, 0);
    }

    @Test
    void aBodyIsGivenBackWhenItTimesOutItsClientGoesOrItsServletFails() throws Exception {
        try (Socket s = open()) {
            send(s, post("/hub/api/slow", 1000) + "x".repeat(10));
            assertThat(RawSockets.head(s)).startsWith("http/1.1 408").contains("\r\nconnection: close\r\n");
        }
        awaitBuffered(reader::bufferedBytes, 0);

        try (Socket s = open()) {
            send(s, post("/hub/api/gone", 1000) + "x".repeat(10));
            awaitBuffered(reader::bufferedBytes, 1000);
        }
        awaitBuffered(reader::bufferedBytes, 0);

        try (Socket s = open()) {
            send(s, post("/hub/api/throw", 1000) + "x".repeat(1000));
            assertThat(RawSockets.head(s)).startsWith("http/1.1 500");
        }
        awaitBuffered(reader::bufferedBytes, 0);
    }

    @Test
    void aChunkedBodyReservesAsItGrowsAndIsRefusedPastItsLimit() throws Exception {
        try (Socket s = open()) {
            send(s, "POST /hub/api/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = Integer.toHexString(1024) + "\r\n" + "c".repeat(1024) + "\r\n";
            send(s, chunk);
            awaitBuffered(reader::bufferedBytes, 8192);
            for (int i = 0; i < 8; i++) {
                send(s, chunk);
            }
            awaitBuffered(reader::bufferedBytes, 16384);
            try {
                for (int i = 0; i < 64; i++) {
                    send(s, chunk);
                }
            } catch (IOException refused) {
                // answered and closed
            }
            assertThat(RawSockets.head(s)).startsWith("http/1.1 413").contains("\r\nconnection: close\r\n");
        }
        awaitBuffered(reader::bufferedBytes, 0);
    }

    @Test
    void aBodyThatDoesNotFitTheBudgetIs503WithRetryAfterBeforeItIsRead() throws Exception {
        try (Socket first = open()) {
            send(first, post("/hub/api/big", 60 * 1024) + "x".repeat(100));
            awaitBuffered(reader::bufferedBytes, 60 * 1024);
            try (Socket second = open()) {
                send(second, post("/hub/api/big", 60 * 1024));
                assertThat(RawSockets.head(second)).startsWith("http/1.1 503").contains("\r\nretry-after: 5\r\n")
                        .contains("\r\nconnection: close\r\n");
            }
            // a chunked body takes what is left as it grows, then is refused too
            try (Socket chunked = open()) {
                send(chunked, "POST /hub/api/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
                String chunk = Integer.toHexString(1024) + "\r\n" + "c".repeat(1024) + "\r\n";
                try {
                    for (int i = 0; i < 60; i++) {
                        send(chunked, chunk);
                    }
                } catch (IOException refused) {
                    // answered and closed
                }
                assertThat(RawSockets.head(chunked)).startsWith("http/1.1 503").contains("\r\nretry-after: 5\r\n");
            }
            assertThat(reader.bufferedBytes()).isLessThanOrEqualTo(CAP);
            awaitBuffered(reader::bufferedBytes, 60 * 1024);
        }
        awaitBuffered(reader::bufferedBytes, 0);
    }

    @Test
    void aBodyOnARequestThatTakesNoneReservesNothingAndIsNotRead() throws Exception {
        try (Socket s = open()) {
            send(s, "GET /hub/api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000\r\n\r\n");
            assertThat(RawSockets.head(s)).startsWith("http/1.1 200").contains("\r\nconnection: close\r\n");
            assertThat(reader.bufferedBytes()).isZero();
        }
    }
}
