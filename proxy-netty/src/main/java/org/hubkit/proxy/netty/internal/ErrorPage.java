package org.hubkit.proxy.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The small HTML pages the proxy answers with when it cannot forward a request. */
final class ErrorPage {
    private ErrorPage() {
    }

    /**
     * @param status the status to answer with
     * @param keepAlive whether the connection stays open afterwards
     * @param clientVersion the client's HTTP version, which decides how keep-alive is said
     * @return a complete response with an HTML body
     */
    static FullHttpResponse of(HttpResponseStatus status, boolean keepAlive, HttpVersion clientVersion) {
        String title = status.code() + " " + status.reasonPhrase();
        String html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n<body><h1>" + title + "</h1><p>" + explanation(status.code())
                + "</p></body></html>\n";
        ByteBuf body = Unpooled.copiedBuffer(html, StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (!keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return res;
    }

    private static String explanation(int code) {
        switch (code) {
            case 404:
                return "No route matches this URL.";
            case 503:
                return "The server this URL belongs to is not answering. It may be starting or stopped.";
            case 400:
                return "The request could not be understood.";
            default:
                return "The proxy could not handle this request.";
        }
    }
}
