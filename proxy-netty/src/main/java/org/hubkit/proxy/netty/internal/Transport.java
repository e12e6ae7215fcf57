package org.hubkit.proxy.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;

/**
 * The socket implementation: native epoll where its library loads (Linux x86_64), else the
 * JDK's NIO. Both behave the same for the proxy over TCP; epoll is cheaper per connection, and
 * only epoll has UNIX domain sockets (Netty 4.1's NIO transport has none).
 */
public final class Transport {
    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /**
     * @param preferNative whether to use epoll when it is available
     * @return epoll if preferred and available, else NIO
     */
    public static Transport select(boolean preferNative) {
        return new Transport(preferNative && EpollSupport.available());
    }

    /**
     * @return {@code null} if UNIX domain sockets can be used here, else why not (for an error
     *         message)
     */
    public static String unixSocketsUnavailable() {
        return EpollSupport.available() ? null
                : "UNIX domain sockets need Netty's native epoll transport (Linux x86_64), which is not available here ("
                        + EpollSupport.unavailabilityCause() + ")";
    }

    /** @return {@code "epoll"} or {@code "nio"} */
    public String name() {
        return epoll ? "epoll" : "nio";
    }

    /** @return whether channels of this transport can use UNIX domain sockets */
    public boolean unixSockets() {
        return epoll;
    }

    /**
     * @param threads event loop threads; 0 for Netty's default
     * @param threadFactory names the threads
     * @return event loops for this transport's channels
     */
    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return epoll ? EpollSupport.newGroup(threads, threadFactory) : new NioEventLoopGroup(threads, threadFactory);
    }

    Class<? extends ServerChannel> serverChannelClass(boolean unix) {
        checkUnix(unix);
        return epoll ? EpollSupport.serverChannelClass(unix) : NioServerSocketChannel.class;
    }

    Class<? extends Channel> channelClass(boolean unix) {
        checkUnix(unix);
        return epoll ? EpollSupport.channelClass(unix) : NioSocketChannel.class;
    }

    private void checkUnix(boolean unix) {
        if (unix && !epoll) {
            String why = unixSocketsUnavailable();
            throw new IllegalStateException(why != null ? why
                    : "UNIX domain sockets need the native epoll transport, which is turned off (nativeTransport)");
        }
    }

    /**
     * @param path a socket file
     * @return its address for {@link #channelClass}/{@link #serverChannelClass} with {@code unix}
     */
    static SocketAddress unixAddress(Path path) {
        return EpollSupport.domainAddress(path.toString());
    }

    /** Touches epoll classes only when asked, so a classpath without them still works. */
    private static final class EpollSupport {
        static boolean available() {
            try {
                return io.netty.channel.epoll.Epoll.isAvailable();
            } catch (LinkageError e) {
                return false;
            }
        }

        static String unavailabilityCause() {
            try {
                Throwable cause = io.netty.channel.epoll.Epoll.unavailabilityCause();
                return cause == null ? "unknown cause" : cause.toString();
            } catch (LinkageError e) {
                return e.toString();
            }
        }

        static EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
            return new io.netty.channel.epoll.EpollEventLoopGroup(threads, threadFactory);
        }

        static Class<? extends ServerChannel> serverChannelClass(boolean unix) {
            return unix ? io.netty.channel.epoll.EpollServerDomainSocketChannel.class
                    : io.netty.channel.epoll.EpollServerSocketChannel.class;
        }

        static Class<? extends Channel> channelClass(boolean unix) {
            return unix ? io.netty.channel.epoll.EpollDomainSocketChannel.class
                    : io.netty.channel.epoll.EpollSocketChannel.class;
        }

        static SocketAddress domainAddress(String path) {
            return new io.netty.channel.unix.DomainSocketAddress(path);
        }
    }
}
