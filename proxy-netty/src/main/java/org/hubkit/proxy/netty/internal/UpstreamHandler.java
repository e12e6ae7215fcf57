package org.hubkit.proxy.netty.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection: hands every event to the client connection that
 * owns it, or, while the connection idles in the {@link UpstreamPool}, to the pool. Confined to
 * the connection's event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);
    private final UpstreamPool pool;
    private ClientConnection owner;
    private String pooledUnder;

    UpstreamHandler(ClientConnection owner, UpstreamPool pool) {
        this.owner = owner;
        this.pool = pool;
    }

    /** @param owner the client connection now using this connection; {@code null} while pooled */
    void owner(ClientConnection owner) {
        this.owner = owner;
    }

    /** @return the pool's key while pooled, else {@code null} */
    String pooledUnder() {
        return pooledUnder;
    }

    void pooledUnder(String endpoint) {
        this.pooledUnder = endpoint;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ClientConnection o = owner;
        if (o != null) {
            o.onUpstreamRead(ctx.channel(), msg);
            return;
        }
        // nothing was asked of an idle connection: whatever it says, it cannot be reused
        ReferenceCountUtil.release(msg);
        log.debug("Idle upstream {} sent data; closing it", ctx.channel().remoteAddress());
        pool.discard(ctx.channel(), this);
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ClientConnection o = owner;
        if (o != null) {
            o.onUpstreamReadComplete(ctx.channel());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ClientConnection o = owner;
        if (o != null) {
            o.onUpstreamInactive(ctx.channel());
        } else {
            pool.discard(ctx.channel(), this);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ClientConnection o = owner;
            if (o != null) {
                o.onUpstreamIdle(ctx.channel());
            }
            // while pooled the pool's own idle timeout applies
            return;
        }
        if (evt instanceof ChannelOutputShutdownEvent) {
            // a write failed (the connector turns auto-close off): the target stopped reading
            ClientConnection o = owner;
            if (o != null) {
                o.onUpstreamOutputShutdown(ctx.channel());
            } else {
                pool.discard(ctx.channel(), this);
                ctx.close();
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
            ClientConnection o = owner;
            if (o != null) {
                o.onUpstreamTlsFailure(ctx.channel(), ((SslHandshakeCompletionEvent) evt).cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ClientConnection o = owner;
        if (o != null) {
            o.onUpstreamWritabilityChanged(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ChannelOutputShutdownException) {
            // a write failed and the output is shut (ChannelOutputShutdownEvent follows); the
            // target may still be answering, so the connection stays open for reading
            log.debug("Upstream {} stopped reading: {}", ctx.channel().remoteAddress(),
                    cause.getCause() != null ? cause.getCause().toString() : cause.toString());
            return;
        }
        log.debug("Upstream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
