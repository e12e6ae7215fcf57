package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 listener for the proxy's side services (REST API, metrics, HTTPS redirect):
 * whole requests up to 16 MiB, keep-alive, one shared handler. Its clients are held to
 * {@link ClientLimits} by {@link ClientTimeouts}, as the public listener's are: an idle
 * connection is closed after the keep-alive timeout, a request whose head or whole arrives too
 * slowly gets a 408 and the connection is closed. Thread-safe.
 */
public final class ServiceListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceListener.class);
    private static final int MAX_BODY = 16 << 20;

    private final Channel serverChannel;
    private final ChannelGroup channels;
    private final Path unixSocket;

    private ServiceListener(Channel serverChannel, ChannelGroup channels, Path unixSocket) {
        this.serverChannel = serverChannel;
        this.channels = channels;
        this.unixSocket = unixSocket;
    }

    /**
     * @param transport the transport of {@code group}
     * @param group the event loops to run on
     * @param ip the address to listen on; empty for every interface
     * @param port the port; 0 for any free one
     * @param handler a {@link ChannelHandler.Sharable} handler of {@link FullHttpRequest}s
     * @param what what the listener is, for the error message
     * @param tls the listener's TLS, or {@code null} for plain HTTP
     * @param limits how long clients may take
     * @return the listener, accepting connections
     * @throws HubException if the address cannot be bound
     */
    public static ServiceListener bind(Transport transport, EventLoopGroup group, String ip, int port,
            ChannelHandler handler, String what, TlsCertificates tls, ClientLimits limits) {
        InetSocketAddress address = ip.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(ip, port);
        if (address.isUnresolved()) {
            throw new HubException("Cannot resolve the " + what + " address '" + ip + "'");
        }
        ChannelGroup channels = new DefaultChannelGroup(what, GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = bootstrap(transport, group, false, handler, channels, tls, limits, what)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
        return bind(b, channels, address, ip + ":" + port, null, what);
    }

    /**
     * @param transport the transport of {@code group}; must have UNIX sockets
     * @param group the event loops to run on
     * @param socket the socket file; must not exist (deleted again by {@link #close})
     * @param handler a {@link ChannelHandler.Sharable} handler of {@link FullHttpRequest}s
     * @param what what the listener is, for the error message
     * @param tls the listener's TLS, or {@code null} for plain HTTP
     * @param limits how long clients may take
     * @return the listener, accepting connections
     * @throws HubException if the socket cannot be bound
     */
    public static ServiceListener bindUnix(Transport transport, EventLoopGroup group, Path socket,
            ChannelHandler handler, String what, TlsCertificates tls, ClientLimits limits) {
        if (!transport.unixSockets()) {
            throw new HubException("Cannot listen for the " + what + " on UNIX socket " + socket + ": "
                    + Transport.unixSocketsUnavailable());
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new HubException("Cannot listen for the " + what + " on UNIX socket " + socket
                    + ": the file exists (another proxy running, or left behind by one that was killed? remove it)");
        }
        ChannelGroup channels = new DefaultChannelGroup(what, GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = bootstrap(transport, group, true, handler, channels, tls, limits, what);
        return bind(b, channels, Transport.unixAddress(socket), "unix:" + socket, socket, what);
    }

    private static ServerBootstrap bootstrap(Transport transport, EventLoopGroup group, boolean unix,
            ChannelHandler handler, ChannelGroup channels, TlsCertificates tls, ClientLimits limits, String what) {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass(unix))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.current().newHandler(ch.alloc()));
                        }
                        Timing timing = new Timing(limits, what);
                        // the sensor sees a request's first bytes before the decoder: its timeouts count from there
                        ch.pipeline().addLast(timing.timeouts.sensor(), new HttpServerCodec(),
                                new HttpServerKeepAliveHandler(), timing, new HttpObjectAggregator(MAX_BODY), handler);
                    }
                });
    }

    private static ServiceListener bind(ServerBootstrap b, ChannelGroup channels, SocketAddress address, String where,
            Path unixSocket, String what) {
        try {
            Channel ch = b.bind(address).syncUninterruptibly().channel();
            return new ServiceListener(ch, channels, unixSocket);
        } catch (Exception e) {
            throw new HubException("Cannot listen for the " + what + " on " + where + ": " + e.getMessage(), e);
        }
    }

    /** @return the port bound, or -1 for a UNIX socket */
    public int port() {
        return serverChannel.localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    /** @return the UNIX socket listened on, or {@code null} for TCP */
    public Path unixSocket() {
        return unixSocket;
    }

    /**
     * Sends a complete response; keep-alive as the request asked.
     *
     * @param ctx the connection
     * @param req the request answered
     * @param status the status
     * @param contentType the content type, or {@code null} for none
     * @param body the body, possibly empty
     */
    static void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String contentType,
            String body) {
        ByteBuf content = body.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        if (contentType != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        send(ctx, req, res);
    }

    /**
     * Sends a response with its length set; the connection is kept open if the request asked
     * for keep-alive, else closed once the response is written.
     *
     * @param ctx the connection
     * @param req the request answered
     * @param res the response
     */
    static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse res) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(res);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Tells one connection's {@link ClientTimeouts} what arrives and what is answered, and
     * answers an expired limit. Sits between the decoder and the aggregator, so that it sees a
     * request's head and its end as they arrive, and below the handler, so that it sees each
     * response written. Confined to the connection's event loop.
     */
    private static final class Timing extends ChannelDuplexHandler implements ClientTimeouts.Expiry {
        final ClientTimeouts timeouts;
        private final String what;
        private ChannelHandlerContext ctx;
        /** Requests whose final response has not been written yet. */
        private int unanswered;
        /** The response being written is an interim one (100 Continue): its end is not the exchange's. */
        private boolean interim;

        Timing(ClientLimits limits, String what) {
            this.timeouts = new ClientTimeouts(limits, this);
            this.what = what;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            timeouts.opened(ctx.executor());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                unanswered++;
                timeouts.headArrived();
            }
            boolean last = msg instanceof LastHttpContent;
            if (last) {
                timeouts.requestArrived();
            }
            ctx.fireChannelRead(msg);
            if (last && unanswered == 0) {
                // answered already: by the handler just now, or before the body had all come (a 413)
                timeouts.betweenRequests();
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse res) {
                interim = res.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            }
            if (msg instanceof LastHttpContent && !interim && unanswered > 0 && --unanswered == 0) {
                timeouts.betweenRequests(); // ignored while a request is still arriving: its end counts then
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            timeouts.stop();
            ctx.fireChannelInactive();
        }

        @Override
        public void keepAliveExpired(long limitMillis) {
            log.debug("{}: client {} idle for {} ms; closing", what, ctx.channel().remoteAddress(), limitMillis);
            timeouts.stop();
            ctx.close();
        }

        @Override
        public void headExpired(long limitMillis) {
            log.warn("{}: client {} sent no complete request head within {} ms; 408", what,
                    ctx.channel().remoteAddress(), limitMillis);
            closeWith408();
        }

        @Override
        public void requestExpired(long limitMillis) {
            log.warn("{}: client {} sent no complete request within {} ms; 408", what, ctx.channel().remoteAddress(),
                    limitMillis);
            closeWith408();
        }

        /** Nothing has been answered for the request (the handler sees only whole ones): 408, then close. */
        private void closeWith408() {
            timeouts.stop();
            ctx.writeAndFlush(ErrorPage.of(HttpResponseStatus.REQUEST_TIMEOUT, false, HttpVersion.HTTP_1_1))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Stops listening and closes open connections. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        ProxyServer.deleteSocketFile(unixSocket);
    }
}
