package org.hubkit.proxy.netty.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The socket implementation: native epoll where its library loads (Linux x86_64), else the
 * JDK's NIO. Both behave the same for the proxy; epoll is cheaper per connection.
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

    /** @return {@code "epoll"} or {@code "nio"} */
    public String name() {
        return epoll ? "epoll" : "nio";
    }

    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return epoll ? EpollSupport.newGroup(threads, threadFactory) : new NioEventLoopGroup(threads, threadFactory);
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollSupport.serverChannelClass() : NioServerSocketChannel.class;
    }

    Class<? extends SocketChannel> channelClass() {
        return epoll ? EpollSupport.channelClass() : NioSocketChannel.class;
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

        static EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
            return new io.netty.channel.epoll.EpollEventLoopGroup(threads, threadFactory);
        }

        static Class<? extends ServerChannel> serverChannelClass() {
            return io.netty.channel.epoll.EpollServerSocketChannel.class;
        }

        static Class<? extends SocketChannel> channelClass() {
            return io.netty.channel.epoll.EpollSocketChannel.class;
        }
    }
}
