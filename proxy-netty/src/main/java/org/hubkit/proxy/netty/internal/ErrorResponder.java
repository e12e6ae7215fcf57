package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the response to a request the proxy cannot forward, as configurable-http-proxy does:
 * from the error target ({@code GET {target}/{code}?url={escaped url}}, its body, Content-Type
 * and Content-Encoding with the original status), else from the error path ({@code {code}.html},
 * then {@code error.html}), else the default page. Thread-safe; the callback runs on the event
 * loop given.
 */
final class ErrorResponder {
    private static final Logger log = LoggerFactory.getLogger(ErrorResponder.class);
    private static final int MAX_PAGE = 1 << 20;
    private static final int READ_TIMEOUT_SECONDS = 10;

    private final URI errorTarget;
    private final Path errorPath;
    private final Transport transport;
    private final ChannelGroup channels;
    private final int connectTimeoutMillis;
    private final UpstreamTls tls;

    ErrorResponder(URI errorTarget, Path errorPath, Transport transport, ChannelGroup channels, int connectTimeoutMillis,
            UpstreamTls tls) {
        this.tls = tls;
        this.errorTarget = errorTarget;
        this.errorPath = errorPath;
        this.transport = transport;
        this.channels = channels;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /**
     * @param loop the event loop of the client connection; {@code done} runs on it
     * @param status the status to answer with
     * @param originalUrl the request-target as the client sent it
     * @param done receives the response (without Connection header handling), exactly once
     */
    void respond(EventLoop loop, HttpResponseStatus status, String originalUrl, Consumer<FullHttpResponse> done) {
        if (errorTarget != null) {
            fetch(loop, status, originalUrl, done);
        } else if (errorPath != null) {
            done.accept(fromFile(status));
        } else {
            done.accept(ErrorPage.html(status));
        }
    }

    /** The URL of the page for {@code code}: {@code {target}/{code}?url={form-escaped url}}. */
    static String errorUrl(URI target, int code, String originalUrl) {
        String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        if (!path.endsWith("/")) {
            path += "/";
        }
        String url = URLEncoder.encode(originalUrl, StandardCharsets.UTF_8);
        String query = target.getRawQuery() == null ? "url=" + url : target.getRawQuery() + "&url=" + url;
        return path + code + "?" + query;
    }

    private void fetch(EventLoop loop, HttpResponseStatus status, String originalUrl, Consumer<FullHttpResponse> done) {
        String pathAndQuery = errorUrl(errorTarget, status.code(), originalUrl);
        Path unixSocket = RouteEntry.unixSocketOf(errorTarget);
        String host = errorTarget.getHost() == null ? "localhost" : errorTarget.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean secure = unixSocket == null && "https".equalsIgnoreCase(errorTarget.getScheme());
        int port = errorTarget.getPort() != -1 ? errorTarget.getPort() : secure ? 443 : 80;
        String tlsHost = host;
        Once once = new Once(done, status);
        if (unixSocket != null && !transport.unixSockets()) {
            String why = Transport.unixSocketsUnavailable();
            once.fail("error target " + errorTarget + ": " + (why != null ? why
                    : "UNIX domain sockets need the native epoll transport, which is turned off (nativeTransport)"));
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.channelClass(unixSocket != null))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        if (secure) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), tlsHost, port));
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                                new HttpClientCodec(), new HttpObjectAggregator(MAX_PAGE),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse page) {
                                        FullHttpResponse res = ErrorPage.response(status,
                                                page.content().retainedDuplicate(),
                                                page.headers().get(HttpHeaderNames.CONTENT_TYPE));
                                        String encoding = page.headers().get(HttpHeaderNames.CONTENT_ENCODING);
                                        if (encoding != null) {
                                            res.headers().set(HttpHeaderNames.CONTENT_ENCODING, encoding);
                                        }
                                        ctx.close();
                                        once.accept(res);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        once.fail("closed before answering");
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        once.fail(cause.toString());
                                        ctx.close();
                                    }
                                });
                    }
                });
        String hostHeader;
        ChannelFuture connecting;
        if (unixSocket != null) {
            hostHeader = "localhost"; // as configurable-http-proxy asks a socket for its error page
            connecting = b.connect(Transport.unixAddress(unixSocket));
        } else {
            hostHeader = errorTarget.getRawAuthority();
            connecting = b.connect(host, port);
        }
        connecting.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                once.fail(f.cause().toString());
                return;
            }
            Channel ch = f.channel();
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, pathAndQuery,
                    Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, hostHeader)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.ACCEPT, "*/*");
            ch.writeAndFlush(req);
        });
    }

    private FullHttpResponse fromFile(HttpResponseStatus status) {
        // error pages are small local files, read as configurable-http-proxy reads them: per error
        for (String name : new String[] {status.code() + ".html", "error.html"}) {
            Path file = errorPath.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    byte[] body = Files.readAllBytes(file);
                    return ErrorPage.response(status, Unpooled.wrappedBuffer(body), "text/html");
                } catch (IOException e) {
                    log.error("Error reading {}: {}", file, e.toString());
                    return ErrorPage.html(status);
                }
            }
            log.debug("No error file {}", file);
        }
        log.error("No error file {}", errorPath.resolve("error.html"));
        return ErrorPage.html(status);
    }

    /** Hands over one response: the error target's, or the default page if fetching it fails. */
    private static final class Once {
        private final Consumer<FullHttpResponse> done;
        private final HttpResponseStatus status;
        private boolean called;

        Once(Consumer<FullHttpResponse> done, HttpResponseStatus status) {
            this.done = done;
            this.status = status;
        }

        void accept(FullHttpResponse res) {
            if (called) {
                res.release();
                return;
            }
            called = true;
            done.accept(res);
        }

        void fail(String why) {
            if (!called) {
                log.error("Failed to get custom error page: {}", why);
                accept(ErrorPage.html(status));
            }
        }
    }
}
