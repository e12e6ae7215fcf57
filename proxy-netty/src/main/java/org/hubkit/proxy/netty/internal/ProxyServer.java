package org.hubkit.proxy.netty.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
    private Path boundSocket;
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
     * Binds and starts accepting connections: on the UNIX socket if the settings name one (its
     * file must not exist yet; it is deleted again on {@link #close}), else on the IP and port.
     *
     * @return the address bound: an {@link InetSocketAddress}, or the socket's address
     * @throws HubException if the address cannot be bound, or a UNIX socket is asked for where
     *         the native epoll transport is not available
     * @throws IllegalStateException if started before or closed
     */
    public synchronized SocketAddress start() {
        if (closed) {
            throw new IllegalStateException("the proxy is closed");
        }
        if (serverChannel != null) {
            throw new IllegalStateException("the proxy is already started");
        }
        Path unixSocket = settings.unixSocket();
        Transport transport = Transport.select(settings.preferNative());
        if (unixSocket != null && !transport.unixSockets()) {
            String why = Transport.unixSocketsUnavailable();
            throw new HubException("Cannot listen on UNIX socket " + unixSocket + ": " + (why != null ? why
                    : "UNIX domain sockets need the native epoll transport, which is turned off (nativeTransport)"));
        }
        if (unixSocket != null && Files.exists(unixSocket, LinkOption.NOFOLLOW_LINKS)) {
            // as configurable-http-proxy (EADDRINUSE): a file left behind is not removed for the caller
            throw new HubException("Cannot listen on UNIX socket " + unixSocket
                    + ": the file exists (another proxy running, or left behind by one that was killed? remove it)");
        }
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
                .channel(transport.serverChannelClass(unixSocket != null))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        if (tls != null) {
                            // the certificate of the moment: a reload affects new connections only
                            ch.pipeline().addLast(tls.current().newHandler(ch.alloc()));
                        }
                        if (settings.timeoutMillis() > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, settings.timeoutMillis(), TimeUnit.MILLISECONDS));
                        }
                        ClientConnection connection = new ClientConnection(routes, upstreams, settings, errors);
                        // before the decoder: a request's timeouts count from its first byte
                        ch.pipeline().addLast(connection.requestStartSensor());
                        ch.pipeline().addLast(new HttpServerCodec(
                                UpstreamConnector.MAX_INITIAL_LINE, UpstreamConnector.MAX_HEADER_SIZE,
                                UpstreamConnector.MAX_CHUNK_SIZE));
                        ch.pipeline().addLast(connection);
                    }
                });
        SocketAddress bindAddress;
        String where;
        if (unixSocket != null) {
            bindAddress = Transport.unixAddress(unixSocket);
            where = "unix:" + unixSocket;
        } else {
            b.option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true);
            String ip = settings.ip();
            InetSocketAddress inet = ip.isEmpty()
                    ? new InetSocketAddress(settings.port())
                    : new InetSocketAddress(ip, settings.port());
            if (inet.isUnresolved()) {
                shutdownGroups();
                throw new HubException("Cannot resolve the proxy's address '" + ip + "'");
            }
            bindAddress = inet;
            where = describe(inet);
        }
        try {
            serverChannel = b.bind(bindAddress).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutdownGroups();
            throw new HubException("Cannot listen on " + where + ": " + e.getMessage(), e);
        }
        SocketAddress bound = serverChannel.localAddress();
        if (bound instanceof InetSocketAddress) {
            where = describe((InetSocketAddress) bound);
        } else {
            boundSocket = unixSocket;
        }
        log.info("Proxy listening on {}://{} ({})", tls != null ? "https" : "http", where, transport.name());
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
        deleteSocketFile(boundSocket);
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

    /**
     * Removes the file of a UNIX socket this process listened on (Netty's channel normally has
     * already; this covers the case where it could not).
     */
    static void deleteSocketFile(Path socket) {
        if (socket == null) {
            return;
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("Cannot remove UNIX socket file {}: {}", socket, e.toString());
        }
    }

    private static String describe(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
