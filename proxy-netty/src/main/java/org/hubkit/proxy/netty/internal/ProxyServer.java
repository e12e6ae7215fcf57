package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side of the proxy: event loops, the server socket and every open connection.
 * Thread-safe; {@link #start} and {@link #close} may be called from any thread.
 */
public final class ProxyServer {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final RouteTable routes;
    private final ProxySettings settings;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile UpstreamPool pool;
    private boolean closed;

    /**
     * @param routes the table requests are routed with
     * @param settings where to listen and how to treat connections
     */
    public ProxyServer(RouteTable routes, ProxySettings settings) {
        this.routes = routes;
        this.settings = settings;
    }

    /**
     * Binds and starts accepting connections.
     *
     * @return the address bound
     * @throws HubException if the address cannot be bound
     * @throws IllegalStateException if started before or closed
     */
    public synchronized InetSocketAddress start() {
        if (closed) {
            throw new IllegalStateException("the proxy is closed");
        }
        if (serverChannel != null) {
            throw new IllegalStateException("the proxy is already started");
        }
        Transport transport = Transport.select(settings.preferNative());
        acceptGroup = transport.newGroup(1, new DefaultThreadFactory("hubkit-proxy-accept", true));
        ioGroup = transport.newGroup(settings.ioThreads(), new DefaultThreadFactory("hubkit-proxy-io", true));
        channels = new DefaultChannelGroup("hubkit-proxy", GlobalEventExecutor.INSTANCE);
        UpstreamConnector connector = new UpstreamConnector(transport, channels, settings.connectTimeoutMillis(),
                settings.proxyTimeoutMillis(), settings.upstreamTls());
        UpstreamPool upstreams = new UpstreamPool(connector, settings.upstreamMaxIdle(),
                settings.upstreamIdleTimeoutMillis());
        pool = upstreams;
        TlsCertificates tls = settings.tls();
        ErrorResponder errors = new ErrorResponder(settings.errorTarget(), settings.errorPath(), transport, channels,
                settings.connectTimeoutMillis(), settings.upstreamTls());
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        if (tls != null) {
                            // the certificate of the moment: a reload affects new connections only
                            ch.pipeline().addLast(tls.current().newHandler(ch.alloc()));
                        }
                        if (settings.timeoutMillis() > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, settings.timeoutMillis(), TimeUnit.MILLISECONDS));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(
                                UpstreamConnector.MAX_INITIAL_LINE, UpstreamConnector.MAX_HEADER_SIZE,
                                UpstreamConnector.MAX_CHUNK_SIZE));
                        ch.pipeline().addLast(new ClientConnection(routes, upstreams, settings, errors));
                    }
                });
        String ip = settings.ip();
        InetSocketAddress bindAddress = ip.isEmpty()
                ? new InetSocketAddress(settings.port())
                : new InetSocketAddress(ip, settings.port());
        if (bindAddress.isUnresolved()) {
            shutdownGroups();
            throw new HubException("Cannot resolve the proxy's address '" + ip + "'");
        }
        try {
            serverChannel = b.bind(bindAddress).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutdownGroups();
            throw new HubException("Cannot listen on " + describe(bindAddress) + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("Proxy listening on {}://{} ({})", tls != null ? "https" : "http", describe(bound),
                transport.name());
        if (tls != null && tls.reloadIntervalMillis() > 0) {
            // a few file stats on the accept loop, which only accepts
            long every = tls.reloadIntervalMillis();
            acceptGroup.next().scheduleWithFixedDelay(this::reloadTls, every, every, TimeUnit.MILLISECONDS);
        }
        return bound;
    }

    /** @return upstream connections idle in the pool now, 0 before start; for tests and monitoring */
    public int idleUpstreamConnections() {
        UpstreamPool p = pool;
        return p == null ? 0 : p.idleCount();
    }

    private void reloadTls() {
        try {
            settings.tls().reloadIfChanged();
        } catch (RuntimeException e) {
            log.error("TLS certificate check failed", e); // and the next check runs anyway
        }
    }

    /** Stops listening, closes every client and upstream connection and stops the event loops. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel == null) {
            return;
        }
        serverChannel.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly();
        shutdownGroups();
        log.info("Proxy stopped");
    }

    private void shutdownGroups() {
        if (acceptGroup != null) {
            acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            acceptGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            ioGroup.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static String describe(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
