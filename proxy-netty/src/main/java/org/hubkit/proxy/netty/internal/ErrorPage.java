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
        return withConnection(html(status), keepAlive, clientVersion);
    }

    /**
     * @param status the status
     * @return the default page, as configurable-http-proxy's own {@code error/{code}.html}
     *         titles them ({@code 404: Not Found})
     */
    static FullHttpResponse html(HttpResponseStatus status) {
        String title = status.code() + ": " + status.reasonPhrase();
        String html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n<body><h1>" + title + "</h1><p>" + explanation(status.code())
                + "</p><hr><p>hubkit-proxy</p></body></html>\n";
        return response(status, Unpooled.copiedBuffer(html, StandardCharsets.UTF_8), "text/html; charset=utf-8");
    }

    /**
     * @param status the status
     * @param body the body, owned by the response
     * @param contentType its content type, or {@code null}
     * @return a response with Content-Length set
     */
    static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        if (contentType != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return res;
    }

    /**
     * @param res a response
     * @param keepAlive whether the connection stays open afterwards
     * @param clientVersion the client's HTTP version
     * @return the response, with its Connection header set accordingly
     */
    static FullHttpResponse withConnection(FullHttpResponse res, boolean keepAlive, HttpVersion clientVersion) {
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
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
            case 408:
                return "The request did not arrive in time.";
            default:
                return "The proxy could not handle this request.";
        }
    }
}
