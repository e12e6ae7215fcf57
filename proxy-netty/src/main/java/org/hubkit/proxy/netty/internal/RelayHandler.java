package org.hubkit.proxy.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies raw bytes from its channel to a peer once a connection has switched protocols
 * (WebSocket). Backpressure: when this channel cannot take more writes, the peer stops reading
 * until it can. Closing either side closes the other once its writes are flushed.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    private final Channel peer;
    private final RouteEntry activity;

    /**
     * @param peer where bytes read here go
     * @param activity the route to mark active on every read, or {@code null}
     */
    RelayHandler(Channel peer, RouteEntry activity) {
        this.peer = peer;
        this.activity = activity;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // leftovers of the HTTP codecs may still arrive as HttpContent
        ByteBuf bytes = msg instanceof ByteBuf ? (ByteBuf) msg
                : msg instanceof ByteBufHolder ? ((ByteBufHolder) msg).content() : null;
        if (bytes == null || !bytes.isReadable() || !peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg != bytes) {
            bytes.retain();
            ReferenceCountUtil.release(msg);
        }
        if (activity != null) {
            activity.touch();
        }
        peer.write(bytes, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Relay {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
