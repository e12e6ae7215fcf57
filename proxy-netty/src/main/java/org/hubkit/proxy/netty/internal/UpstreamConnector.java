package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Opens connections to route targets. Each connection is registered on the event loop of the
 * client connection that needs it, so the two never need locks between them; {@link UpstreamPool}
 * keeps them for reuse by client connections on the same loop.
 */
final class UpstreamConnector {
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 65536;
    static final int MAX_CHUNK_SIZE = 65536;

    private final Transport transport;
    private final ChannelGroup channels;
    private final int connectTimeoutMillis;
    private final long idleTimeoutMillis;
    private final UpstreamTls tls;

    /**
     * @param idleTimeoutMillis after how long without traffic an upstream connection tells its
     *        owner ({@code --proxy-timeout}); 0 for never
     * @param tls TLS for {@code https://} targets
     */
    UpstreamConnector(Transport transport, ChannelGroup channels, int connectTimeoutMillis, long idleTimeoutMillis,
            UpstreamTls tls) {
        this.tls = tls;
        this.transport = transport;
        this.channels = channels;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    /**
     * @return {@code null} if UNIX socket targets can be connected to, else why not
     */
    String unixSocketsProblem() {
        if (transport.unixSockets()) {
            return null;
        }
        String why = Transport.unixSocketsUnavailable();
        return why != null ? why : "UNIX domain sockets need the native epoll transport, which is turned off (nativeTransport)";
    }

    /**
     * @param loop the client connection's event loop
     * @param route where to connect
     * @param owner the client connection that gets the upstream's events
     * @param pool the pool the connection may idle in later
     * @return the pending connection; its channel starts with auto-read off
     */
    ChannelFuture connect(EventLoop loop, RouteEntry route, ClientConnection owner, UpstreamPool pool) {
        boolean unix = route.unixSocket() != null; // the caller checked unixSocketsProblem()
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.channelClass(unix))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, false)
                // a target may answer and close before it has read the whole request body (a 413):
                // a failed write then only shuts the output, so the answer can still be read
                .option(ChannelOption.AUTO_CLOSE, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        if (route.secure()) {
                            // the request head waits in the handler until the handshake is done
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), route.host(), route.port()));
                        }
                        if (idleTimeoutMillis > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK_SIZE));
                        ch.pipeline().addLast(new UpstreamHandler(owner, pool));
                    }
                });
        if (unix) {
            return b.connect(Transport.unixAddress(route.unixSocket()));
        }
        return b.option(ChannelOption.TCP_NODELAY, true).connect(route.host(), route.port());
    }
}
