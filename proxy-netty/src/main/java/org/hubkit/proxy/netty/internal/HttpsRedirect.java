package org.hubkit.proxy.netty.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The plain-HTTP listener of {@code --redirect-port}: answers every request with a 301 to the
 * same host and URL on HTTPS, on the proxy's port (or {@code --redirect-to}), as
 * configurable-http-proxy does. Thread-safe.
 */
@ChannelHandler.Sharable
public final class HttpsRedirect extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final int httpsPort;

    /** @param httpsPort the port redirected to; 443 is left out of the Location */
    public HttpsRedirect(int httpsPort) {
        this.httpsPort = httpsPort;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            ServiceListener.respond(ctx, req, HttpResponseStatus.BAD_REQUEST, null,
                    "This server is HTTPS-only on port " + httpsPort
                            + ", but an HTTP request was made and the host could not be determined from the request.");
            return;
        }
        String name = HeaderRewriter.hostWithoutPort(host);
        String location = "https://" + name + (httpsPort == 443 ? "" : ":" + httpsPort) + req.uri();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY);
        res.headers().set(HttpHeaderNames.LOCATION, location).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ServiceListener.send(ctx, req, res);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
