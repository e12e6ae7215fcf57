package org.hubkit.proxy.netty;

import org.hubkit.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Route;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code https://} targets: verified against the configured CA and host name by default,
 * {@link TargetTls#insecure()} off, a client certificate for targets that require one, WebSockets
 * over TLS, pooled TLS connections, and an {@code http://} and {@code https://} target on one port
 * never sharing a connection. Certificates come from {@link TestPki}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpsTargetTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    @RegisterExtension
    final Resources resources = new Resources();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void certificates() throws Exception {
        pki = new TestPki(dir);
    }

    private NettyProxy proxy(TargetTls tls, URI target) {
        return resources.track(TestProxies.started(NettyProxy.builder().ioThreads(1).targetTls(tls), "/", target));
    }

    private static TargetTls trustingTestCa() {
        return TargetTls.builder().trustedCertificates(pki.ca.cert()).build();
    }

    private HttpResponse<String> get(NettyProxy proxy, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Backend httpsBackend(TestPki.Issued cert, boolean needClientAuth) throws Exception {
        return resources.track(Backend.startHttps("secure", TestPki.context(cert, pki.ca), needClientAuth));
    }

    @Test
    void forwardsRequestsToAnHttpsTargetWhoseCertificateTheConfiguredCaSigned() throws Exception {
        Backend backend = httpsBackend(pki.server, false);
        NettyProxy proxy = proxy(trustingTestCa(), backend.uri());

        HttpResponse<String> res = get(proxy, "/user/alice/api?x=1");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("secure /user/alice/api?x=1");
        assertThat(backend.last().header("X-Forwarded-Proto")).isEqualTo("http");
    }

    @Test
    void relaysWebSocketsToAnHttpsTarget() throws Exception {
        WsEchoServer echo = new WsEchoServer(SslContextBuilder.forServer(pki.server.cert().toFile(),
                pki.server.key().toFile()).build());
        resources.track(echo::close);
        NettyProxy proxy = proxy(trustingTestCa(), echo.uri());
        TextMessages messages = new TextMessages();

        WebSocket ws = http.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + proxy.port() + "/user/alice/channels"), messages).get(20, TimeUnit.SECONDS);
        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("connected");
        ws.sendText("over tls", true).get(10, TimeUnit.SECONDS);

        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("over tls");
        assertThat(echo.handshakeUri).isEqualTo("/user/alice/channels");
        ws.abort();
    }

    @Test
    void answers503WhenTheTargetsCertificateIsNotTrusted() throws Exception {
        Backend backend = httpsBackend(pki.untrusted, false);
        NettyProxy withTestCa = proxy(trustingTestCa(), backend.uri());
        NettyProxy withJdkCas = proxy(TargetTls.DEFAULT, backend.uri());

        LogCapture logs = resources.track(new LogCapture("org.hubkit.proxy.netty.internal.ClientConnection",
                Level.ERROR, true));

        assertThat(get(withTestCa, "/a").statusCode()).isEqualTo(503);
        assertThat(get(withJdkCas, "/b").statusCode()).isEqualTo(503);

        // answered because the handshake failed, not after a timeout (handshake, connect) ran out
        String failed = " TLS handshake with " + backend.uri() + " failed: PKIX path building failed";
        assertThat(logs.messages()).anySatisfy(m -> assertThat(m).startsWith("503 GET /a" + failed))
                .anySatisfy(m -> assertThat(m).startsWith("503 GET /b" + failed));
        assertThat(backend.seen).isEmpty();
    }

    @Test
    void insecureAcceptsAnyCertificateForAnyHost() throws Exception {
        Backend untrusted = httpsBackend(pki.untrusted, false);
        Backend wrongHost = httpsBackend(pki.wrongHost, false);
        TargetTls insecure = TargetTls.builder().insecure(true).build();

        assertThat(get(proxy(insecure, untrusted.uri()), "/x").body()).isEqualTo("secure /x");
        assertThat(get(proxy(insecure, wrongHost.uri()), "/y").body()).isEqualTo("secure /y");
    }

    @Test
    void refusesATargetWhoseCertificateNamesAnotherHost() throws Exception {
        Backend backend = httpsBackend(pki.wrongHost, false);
        NettyProxy proxy = proxy(trustingTestCa(), backend.uri());

        assertThat(get(proxy, "/x").statusCode()).isEqualTo(503);
        assertThat(backend.seen).isEmpty();
    }

    @Test
    void presentsTheClientCertificateToATargetThatRequiresOne() throws Exception {
        Backend backend = httpsBackend(pki.server, true);
        NettyProxy without = proxy(trustingTestCa(), backend.uri());
        NettyProxy with = proxy(TargetTls.builder().trustedCertificates(pki.ca.cert())
                .clientCertificate(pki.client.cert(), pki.client.key(), null).build(), backend.uri());

        assertThat(get(without, "/x").statusCode()).isEqualTo(503);
        HttpResponse<String> res = get(with, "/y");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("secure /y");
    }

    @Test
    void reusesPooledTlsConnectionsAcrossClientConnections() throws Exception {
        Backend backend = httpsBackend(pki.server, false);
        NettyProxy proxy = proxy(trustingTestCa(), backend.uri());

        try (RawHttp first = new RawHttp(proxy.port())) {
            assertThat(first.get("/one").body()).isEqualTo("secure /one");
        }
        try (RawHttp second = new RawHttp(proxy.port())) {
            assertThat(second.get("/two").body()).isEqualTo("secure /two");
        }

        assertThat(backend.seen).extracting(Backend.Seen::remotePort).as("one TLS connection for both")
                .containsOnly(backend.seen.get(0).remotePort());
        assertThat(proxy.idleUpstreamConnections()).isEqualTo(1);
    }

    @Test
    void neverSharesAConnectionBetweenHttpAndHttpsTargetsOnOnePort() throws Exception {
        PlainOrTlsServer server = resources.track(new PlainOrTlsServer());
        NettyProxy proxy = resources.track(TestProxies.started(NettyProxy.builder().ioThreads(1).targetTls(trustingTestCa()),
                "/plain", URI.create("http://127.0.0.1:" + server.port())));
        proxy.addRoute(Route.of("/secure", URI.create("https://127.0.0.1:" + server.port()), Map.of())).toCompletableFuture().join();

        String plain1 = get(proxy, "/plain/1").body();
        String secure1 = get(proxy, "/secure/1").body();
        String plain2 = get(proxy, "/plain/2").body();
        String secure2 = get(proxy, "/secure/2").body();

        assertThat(plain1).startsWith("plain ");
        assertThat(plain2).isEqualTo(plain1).as("the plain connection was reused");
        assertThat(secure1).startsWith("tls ");
        assertThat(secure2).isEqualTo(secure1).as("the TLS connection was reused");
        assertThat(proxy.idleUpstreamConnections()).isEqualTo(2);
    }

    @Test
    void fetchesErrorPagesFromAnHttpsErrorTarget() throws Exception {
        Backend errors = httpsBackend(pki.server, false);
        errors.handle("/hub/error", exchange -> {
            byte[] body = ("custom " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        NettyProxy proxy = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0).targetTls(trustingTestCa())
                .errorTarget(errors.uri("/hub/error")).build());
        proxy.start().toCompletableFuture().join();

        HttpResponse<String> res = get(proxy, "/nowhere");

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).isEqualTo("custom /hub/error/404");
    }

    @Test
    void unreadableTrustOrClientFilesFailTheBuildNamingTargetTls() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");

        assertThatThrownBy(() -> NettyProxy.builder().targetTls(TargetTls.builder().trustedCertificates(missing).build())
                .build()).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith("targetTls: ").contains("missing.pem"));
        assertThatThrownBy(() -> NettyProxy.builder().targetTls(TargetTls.builder()
                .clientCertificate(pki.client.cert(), notPem, null).build()).build())
                .isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith("targetTls: "));
        assertThatThrownBy(() -> NettyProxy.builder().targetTls(TargetTls.builder()
                .clientCertificate(pki.client.cert(), pki.server.key(), null).build()).build())
                .isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().contains("does not belong"));
        assertThatThrownBy(() -> TargetTls.builder().clientCertificate(pki.client.cert(), null, null).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("clientCertificate");
    }

    /**
     * Plain HTTP and TLS on one port (the first bytes tell): answers {@code "plain <port>"} or
     * {@code "tls <port>"} with the client's port, so a test sees which connection carried what.
     */
    private static final class PlainOrTlsServer implements AutoCloseable {
        private final EventLoopGroup group = new NioEventLoopGroup(1);
        private final Channel channel;

        PlainOrTlsServer() throws Exception {
            var tls = SslContextBuilder.forServer(pki.server.cert().toFile(), pki.server.key().toFile()).build();
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new OptionalSslHandler(tls), new HttpServerCodec(),
                                    new HttpObjectAggregator(65536), new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                            boolean secure = ctx.pipeline().get(SslHandler.class) != null;
                                            int port = ((InetSocketAddress) ctx.channel().remoteAddress()).getPort();
                                            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK, Unpooled.copiedBuffer(
                                                            (secure ? "tls " : "plain ") + port, StandardCharsets.UTF_8));
                                            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH,
                                                    res.content().readableBytes());
                                            ctx.writeAndFlush(res);
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
