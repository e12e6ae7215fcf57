package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.hubkit.api.HubException;

/**
 * A small HTTP/1.1 listener for the proxy's side services (REST API, metrics, HTTPS redirect):
 * whole requests up to 16 MiB, keep-alive, one shared handler. Thread-safe.
 */
public final class ServiceListener implements AutoCloseable {
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
     * @return the listener, accepting connections
     * @throws HubException if the address cannot be bound
     */
    public static ServiceListener bind(Transport transport, EventLoopGroup group, String ip, int port,
            ChannelHandler handler, String what, TlsCertificates tls) {
        InetSocketAddress address = ip.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(ip, port);
        if (address.isUnresolved()) {
            throw new HubException("Cannot resolve the " + what + " address '" + ip + "'");
        }
        ChannelGroup channels = new DefaultChannelGroup(what, GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = bootstrap(transport, group, false, handler, channels, tls)
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
     * @return the listener, accepting connections
     * @throws HubException if the socket cannot be bound
     */
    public static ServiceListener bindUnix(Transport transport, EventLoopGroup group, Path socket,
            ChannelHandler handler, String what, TlsCertificates tls) {
        if (!transport.unixSockets()) {
            throw new HubException("Cannot listen for the " + what + " on UNIX socket " + socket + ": "
                    + Transport.unixSocketsUnavailable());
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new HubException("Cannot listen for the " + what + " on UNIX socket " + socket
                    + ": the file exists (another proxy running, or left behind by one that was killed? remove it)");
        }
        ChannelGroup channels = new DefaultChannelGroup(what, GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = bootstrap(transport, group, true, handler, channels, tls);
        return bind(b, channels, Transport.unixAddress(socket), "unix:" + socket, socket, what);
    }

    private static ServerBootstrap bootstrap(Transport transport, EventLoopGroup group, boolean unix,
            ChannelHandler handler, ChannelGroup channels, TlsCertificates tls) {
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
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_BODY), handler);
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

    /** Stops listening and closes open connections. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        ProxyServer.deleteSocketFile(unixSocket);
    }
}
