package org.hubkit.proxy.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and the upstream connection it currently forwards to.
 *
 * <p>Requests are handled one at a time: the client channel has auto-read off and is read only
 * when the current request's body can go somewhere (upstream writable) or while waiting for a
 * response (to notice a closed client and to pick up one pipelined request, which waits in
 * {@code pending}). The upstream reads only while the client is writable. So no more than a
 * read's worth of data sits in the proxy per direction, whatever the body size.
 *
 * <p>Each request takes an upstream connection from the {@link UpstreamPool} (an idle one to
 * the same host and port on this event loop, else a new one) and gives it back once the
 * exchange has ended cleanly: response complete with a known length and keep-alive, request
 * body fully sent. Anything else (an error, a body ending by close, a client gone mid-exchange)
 * closes it. After a {@code 101} to a WebSocket handshake the connection is never pooled: both
 * HTTP codecs are removed and a {@link RelayHandler} on each side copies bytes.
 *
 * <p>A target may answer before it has read the whole request body (a 413, a 400) and close:
 * writes to it then fail, which only shuts its output (auto-close is off there), and its answer
 * is still read and relayed; the rest of the body is dropped. The client is told
 * {@code Connection: close}, and once the response is out the proxy closes its sending side
 * and drops what the client still sends until it closes (a lingering close), so that the
 * response is not lost to a reset while the client is still writing.
 *
 * <p>Timeouts on the client's side are {@link ClientTimeouts}' ({@code keepAliveTimeout} between
 * requests, {@code headersTimeout} and {@code requestTimeout} from a request's first byte, noticed
 * by {@link #requestStartSensor()} ahead of the HTTP decoder); this class says when a head and a
 * whole request have arrived and when an exchange has ended, and answers an expired limit with a
 * 408 (or, once the response has begun, a close). Nothing is timed once the request has arrived,
 * nor after a WebSocket upgrade.
 *
 * <p>Confined to the client channel's event loop; the upstream channel runs on the same loop.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements ClientTimeouts.Expiry {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private enum BodyMode { WAIT_CONNECT, FORWARD, DISCARD }

    private static final String HEALTH_CHECK = "/_chp_healthz";
    /** A lingering close ends after this long without data from the client (nginx's {@code lingering_timeout}). */
    private static final long LINGER_IDLE_MILLIS = 5_000;
    /** A lingering close ends after this long in any case (nginx's {@code lingering_time}). */
    private static final long LINGER_MAX_MILLIS = 30_000;

    private final RouteTable routes;
    private final UpstreamPool pool;
    private final ProxySettings settings;
    private final ErrorResponder errors;
    private final ClientTimeouts timeouts;
    private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel upstream;
    private Exchange exchange;
    private boolean done;
    private boolean draining;
    private boolean upstreamNeedsFlush;
    private String clientIp;
    private boolean lingering;
    private long lingerStartNanos;
    private long lingerReadNanos;
    private ScheduledFuture<?> lingerTimer;

    ClientConnection(RouteTable routes, UpstreamPool pool, ProxySettings settings, ErrorResponder errors) {
        this.routes = routes;
        this.pool = pool;
        this.settings = settings;
        this.errors = errors;
        this.timeouts = new ClientTimeouts(settings.clientLimits(), this);
    }

    /**
     * @return the handler to put ahead of the HTTP decoder in this connection's pipeline: it
     *         notes the first bytes of each request, from which the request's timeouts count
     */
    ChannelHandler requestStartSensor() {
        return timeouts.sensor();
    }

    /** One request and its response. */
    private static final class Exchange {
        final String method;
        final String logPath;
        final String originalUrl;
        final HttpVersion clientVersion;
        final boolean head;
        /** Idempotent (RFC 9110, section 9.2.2): may be sent again, as nginx and Go's client do, if its body was not sent. */
        final boolean idempotent;
        final boolean websocket;
        /** Whether the request has a body (a length above zero, or chunks). */
        final boolean expectsBody;
        final long startNanos = System.nanoTime();
        boolean keepAlive;
        /** The client's Host header, read before the request is rewritten; only when Locations are rewritten. */
        String requestHost;
        RouteEntry route;
        HttpRequest outgoing;
        BodyMode mode = BodyMode.DISCARD;
        boolean requestComplete;
        boolean bodyForwarded;
        /** A write to the target failed: it stopped reading (it may be answering); the body is dropped. */
        boolean targetStoppedReading;
        boolean reusedUpstream;
        boolean retried;
        boolean informational;
        boolean responseStarted;
        boolean responseComplete;
        boolean upstreamReusable;
        int status;

        Exchange(HttpRequest request, RequestTarget target) {
            this.method = request.method().name();
            this.logPath = target == null ? "-" : target.rawPath();
            this.originalUrl = request.uri();
            this.clientVersion = request.protocolVersion();
            this.head = HttpMethod.HEAD.equals(request.method());
            HttpMethod m = request.method();
            this.idempotent = head || HttpMethod.GET.equals(m) || HttpMethod.OPTIONS.equals(m) || HttpMethod.TRACE.equals(m)
                    || HttpMethod.PUT.equals(m) || HttpMethod.DELETE.equals(m);
            this.websocket = HeaderRewriter.isWebSocketUpgrade(request);
            this.expectsBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
            this.keepAlive = HttpUtil.isKeepAlive(request);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeouts.opened(ctx.executor());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            if (lingering) {
                lingerReadNanos = System.nanoTime();
            }
            return;
        }
        pending.add((HttpObject) msg);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (lingering) {
            ctx.read();
            return;
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (!done && ex != null && !ex.responseComplete) {
            log.debug("{} {} -> client closed before the response ended", ex.method, ex.logPath);
        }
        takeNoMoreRequests();
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
        releasePending();
        closeUpstream();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            Exchange ex = exchange;
            if (!done && ex != null && !ex.responseComplete) {
                // as Node's socket timeout: the connection is dropped, no response
                log.warn("{} {} -> client idle for {} ms during the request; closing", ex.method, ex.logPath,
                        settings.timeoutMillis());
                closeClient();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("Client {} failed", ctx.channel().remoteAddress(), cause);
        }
        closeClient();
    }

    // ---- client side -------------------------------------------------------------------------

    /** Handles as many queued messages as the current state allows, then flushes upstream. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!done) {
                HttpObject msg = pending.peek();
                if (msg == null) {
                    break;
                }
                Exchange ex = exchange;
                if (ex == null) {
                    pending.poll();
                    if (msg instanceof HttpRequest) {
                        startExchange((HttpRequest) msg);
                    }
                    ReferenceCountUtil.release(msg);
                    continue;
                }
                if (ex.requestComplete || ex.mode == BodyMode.WAIT_CONNECT) {
                    break;
                }
                pending.poll();
                if (!(msg instanceof HttpContent) || msg.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    log.debug("{} {} -> malformed request body", ex.method, ex.logPath);
                    closeClient();
                    break;
                }
                HttpContent content = (HttpContent) msg;
                boolean last = content instanceof LastHttpContent;
                if (ex.mode == BodyMode.FORWARD && upstream != null && !ex.targetStoppedReading) {
                    if (content.content().isReadable()) {
                        ex.bodyForwarded = true;
                        ex.route.touch();
                    }
                    upstream.write(content, upstream.voidPromise());
                    upstreamNeedsFlush = true;
                } else {
                    if (ex.targetStoppedReading && content.content().isReadable()) {
                        ex.bodyForwarded = true; // gone for this target: the request cannot be sent again
                    }
                    content.release();
                }
                if (last) {
                    ex.requestComplete = true;
                    timeouts.requestArrived();
                    finishIfDone(ex);
                }
            }
        } finally {
            draining = false;
        }
        if (upstreamNeedsFlush) {
            upstreamNeedsFlush = false;
            if (upstream != null) {
                upstream.flush();
            }
        }
    }

    /** Asks for the next read from the client if the state can take what it brings. */
    private void maybeRead() {
        if (done || !pending.isEmpty()) {
            return;
        }
        Exchange ex = exchange;
        boolean read;
        if (ex == null) {
            read = true;
        } else if (!ex.requestComplete) {
            read = ex.mode == BodyMode.DISCARD
                    || (ex.mode == BodyMode.FORWARD && upstream != null
                            && (upstream.isWritable() || ex.targetStoppedReading));
        } else {
            // a WebSocket client's next bytes are frames, which the HTTP decoder must not see
            read = !ex.websocket;
        }
        if (read) {
            ctx.read();
        }
    }

    private void startExchange(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            log.debug("Bad request from {}: {}", ctx.channel().remoteAddress(), request.decoderResult().cause().toString());
            takeNoMoreRequests();
            releasePending();
            closeUpstream();
            ctx.writeAndFlush(ErrorPage.of(HttpResponseStatus.BAD_REQUEST, false, HttpVersion.HTTP_1_1))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        timeouts.headArrived();
        RequestTarget target = RequestTarget.parse(request.uri());
        Exchange ex = new Exchange(request, target);
        exchange = ex;
        if (request.uri().equals(HEALTH_CHECK) && !ex.websocket) {
            sendHealth(ex);
            return;
        }
        ProxyMetrics metrics = settings.metrics();
        if (ex.websocket) {
            metrics.requestWs();
        } else {
            metrics.requestWeb();
        }
        if (target == null) {
            sendError(ex, HttpResponseStatus.BAD_REQUEST, "malformed request-target");
            return;
        }
        ProxySettings.Forwarding fwd = settings.forwarding();
        String key = target.routingPath();
        if (fwd.hostRouting()) {
            key = "/" + HeaderRewriter.hostWithoutPort(request.headers().get(HttpHeaderNames.HOST)) + key;
        }
        long findStart = System.nanoTime();
        RouteEntry route = routes.find(key);
        metrics.findTarget(System.nanoTime() - findStart);
        if (route == null) {
            sendError(ex, HttpResponseStatus.NOT_FOUND, "");
            return;
        }
        ex.route = route;
        if (route.unusable() != null) {
            sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "target " + route.unusable());
            return;
        }
        if (route.unixSocket() != null && pool.unixSocketsProblem() != null) {
            sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "target " + route.target() + ": "
                    + pool.unixSocketsProblem());
            return;
        }
        if (settings.locationRewrite().active()) {
            ex.requestHost = request.headers().get(HttpHeaderNames.HOST);
        }
        ex.outgoing = HeaderRewriter.toUpstream(request, target, route, clientIp(), ex.websocket,
                settings.tls() != null, fwd);
        closeUpstream(); // none is held between exchanges; this is a safety net
        Channel pooled = pool.acquire(ctx.channel().eventLoop(), route, this);
        if (pooled != null) {
            upstream = pooled;
            ex.reusedUpstream = true;
            pooled.config().setAutoRead(ctx.channel().isWritable());
            sendHead(ex);
        } else {
            connect(ex);
        }
    }

    private String clientIp() {
        String ip = clientIp;
        if (ip == null) {
            ip = clientIp = remoteIp();
        }
        return ip;
    }

    private String remoteIp() {
        SocketAddress a = ctx.channel().remoteAddress();
        if (a instanceof InetSocketAddress && ((InetSocketAddress) a).getAddress() != null) {
            return ((InetSocketAddress) a).getAddress().getHostAddress();
        }
        return "unknown";
    }

    private void connect(Exchange ex) {
        ex.mode = BodyMode.WAIT_CONNECT;
        ChannelFuture f = pool.connect(ctx.channel().eventLoop(), ex.route, this);
        upstream = f.channel();
        f.addListener((ChannelFutureListener) future -> onConnected(ex, future));
    }

    private void onConnected(Exchange ex, ChannelFuture future) {
        if (future.channel() != upstream || done || exchange != ex) {
            future.channel().close();
            return;
        }
        if (!future.isSuccess()) {
            upstream = null;
            Throwable cause = future.cause();
            sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "connect "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
        } else {
            upstream.config().setAutoRead(ctx.channel().isWritable());
            sendHead(ex);
        }
        drain();
        maybeRead();
    }

    private void sendHead(Exchange ex) {
        ex.mode = BodyMode.FORWARD;
        upstream.write(ex.outgoing, upstream.voidPromise());
        if (ex.requestComplete) {
            // a retry of a request whose (empty) body was already passed on
            upstream.write(LastHttpContent.EMPTY_LAST_CONTENT, upstream.voidPromise());
        }
        upstreamNeedsFlush = true;
    }

    /**
     * Answers the exchange with an error page (fetched from the error target if configured,
     * which completes later on this event loop); the rest of its request body is discarded.
     */
    private void sendError(Exchange ex, HttpResponseStatus status, String why) {
        if (ex.mode != BodyMode.DISCARD) {
            closeUpstream();
        }
        ex.mode = BodyMode.DISCARD;
        ex.responseStarted = true;
        ex.status = status.code();
        settings.metrics().requestProxy(status.code());
        if (status.code() >= 500) {
            log.error("{} {} {} {}", status.code(), ex.method, ex.logPath, why);
        } else {
            log.warn("{} {} {} {}", status.code(), ex.method, ex.logPath, why);
        }
        if (ex.websocket) {
            // a WebSocket client gets the bare status, and the connection ends
            ex.keepAlive = false;
            FullHttpResponse res = ErrorPage.response(status, Unpooled.EMPTY_BUFFER, null);
            writeErrorResponse(ex, res);
            return;
        }
        errors.respond(ctx.channel().eventLoop(), status, ex.originalUrl, res -> writeErrorResponse(ex, res));
    }

    private void writeErrorResponse(Exchange ex, FullHttpResponse res) {
        if (done || exchange != ex) {
            res.release();
            return;
        }
        ex.responseComplete = true;
        logExchange(ex);
        ctx.write(ErrorPage.withConnection(res, ex.keepAlive, ex.clientVersion), ctx.voidPromise());
        afterResponse(ex);
    }

    /** A response has been written: close when it was the last, else flush and go on with the next request. */
    private void afterResponse(Exchange ex) {
        if (!ex.keepAlive) {
            if (!ex.requestComplete && ex.expectsBody) {
                closeClientLingering();
            } else {
                closeClientAfterFlush();
            }
            return;
        }
        ctx.flush();
        finishIfDone(ex);
        drain();
        maybeRead();
    }

    /** {@code GET /_chp_healthz}, answered by the proxy itself as configurable-http-proxy does. */
    private void sendHealth(Exchange ex) {
        ex.mode = BodyMode.DISCARD;
        ex.responseStarted = true;
        ex.status = 200;
        FullHttpResponse res = ErrorPage.response(HttpResponseStatus.OK,
                Unpooled.copiedBuffer("{\"status\":\"OK\"}", StandardCharsets.UTF_8), "application/json");
        writeErrorResponse(ex, res);
    }

    private void finishIfDone(Exchange ex) {
        if (exchange != ex || !ex.requestComplete || !ex.responseComplete) {
            return;
        }
        exchange = null;
        if (!ex.keepAlive) {
            closeClientAfterFlush();
        } else {
            timeouts.betweenRequests();
        }
    }

    /** The connection takes no more requests: its client timeouts end. */
    private void takeNoMoreRequests() {
        done = true;
        timeouts.stop();
    }

    @Override
    public void keepAliveExpired(long limitMillis) {
        log.debug("Client {} idle for {} ms; closing", ctx.channel().remoteAddress(), limitMillis);
        closeClient();
    }

    /** The head did not arrive in time: 408 and close, as Node. */
    @Override
    public void headExpired(long limitMillis) {
        log.warn("Client {} sent no complete request head within {} ms; 408", ctx.channel().remoteAddress(),
                limitMillis);
        closeClientWith(ErrorPage.of(HttpResponseStatus.REQUEST_TIMEOUT, false, HttpVersion.HTTP_1_1));
    }

    /** The body did not arrive in time: 408 and close (as Node), or only close once the response began. */
    @Override
    public void requestExpired(long limitMillis) {
        Exchange ex = exchange;
        if (ex.responseStarted) {
            // the target answered early, or an error page is on its way: too late for a 408
            log.warn("{} {} -> request body not complete within {} ms; closing", ex.method, ex.logPath, limitMillis);
            closeClient();
            return;
        }
        log.warn("408 {} {} request body not complete within {} ms", ex.method, ex.logPath, limitMillis);
        ex.responseStarted = true;
        ex.responseComplete = true;
        ex.status = HttpResponseStatus.REQUEST_TIMEOUT.code();
        settings.metrics().requestProxy(ex.status);
        logExchange(ex);
        closeClientWith(ErrorPage.of(HttpResponseStatus.REQUEST_TIMEOUT, false, ex.clientVersion));
    }

    // ---- upstream side -----------------------------------------------------------------------

    void onUpstreamRead(Channel ch, Object msg) {
        Exchange ex = exchange;
        if (ch != upstream || done || ex == null || ex.mode != BodyMode.FORWARD || ex.responseComplete) {
            ReferenceCountUtil.release(msg);
            if (ch == upstream && !done) {
                log.debug("Unexpected data from upstream {}; closing it", ch.remoteAddress());
                closeUpstream();
            }
            return;
        }
        if (msg instanceof HttpResponse && !onResponseHead(ex, (HttpResponse) msg)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent) {
            onResponseContent(ex, (HttpContent) msg);
        }
    }

    /** @return whether any content in the same message should still be handled */
    private boolean onResponseHead(Exchange ex, HttpResponse res) {
        if (res.decoderResult().isFailure()) {
            log.debug("Malformed response from {}: {}", ex.route.target(), res.decoderResult().cause().toString());
            closeUpstream();
            upstreamFailed(ex);
            return false;
        }
        int code = res.status().code();
        if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            if (ex.websocket) {
                switchToRelay(ex, res);
            } else {
                log.debug("Upstream {} switched protocols unasked", ex.route.target());
                closeUpstream();
                upstreamFailed(ex);
            }
            return false;
        }
        if (code < 200) {
            // 100 Continue and friends: passed on, then the real response follows
            ex.informational = true;
            HttpHeaders h = res.headers().copy();
            HeaderRewriter.removeHopByHop(h, false);
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status(), h), ctx.voidPromise());
            return true;
        }
        ex.responseStarted = true;
        ex.status = code;
        settings.metrics().requestProxy(code);
        // read before the hop-by-hop headers go: without its Connection header every HTTP/1.1
        // response looks keep-alive, and a connection the target said it closes would be pooled
        boolean targetKeepsAlive = HttpUtil.isKeepAlive(res);
        // the decoder is done with the head it passed on: its headers are changed in place
        HttpHeaders h = res.headers();
        HeaderRewriter.removeHopByHop(h, false);
        if (settings.locationRewrite().active()) {
            HeaderRewriter.rewriteLocation(h, code, ex.route, ex.requestHost, settings.locationRewrite());
        }
        if (!ex.requestComplete) {
            // an answer before the whole body (a 413, a 400): the rest of the body goes nowhere, so
            // the client is told to stop; the connection then ends with a lingering close
            ex.keepAlive = false;
        }
        boolean bodyless = ex.head || code == 204 || code == 304;
        // a body that ends when the target closes, or a refused upgrade, leaves nothing to reuse
        ex.upstreamReusable = targetKeepsAlive && !ex.websocket
                && (bodyless || HttpUtil.isContentLengthSet(res) || HttpUtil.isTransferEncodingChunked(res));
        if (!bodyless && !HttpUtil.isContentLengthSet(res)) {
            if (ex.clientVersion.equals(HttpVersion.HTTP_1_0)) {
                // no chunking for 1.0: the body ends when we close
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                ex.keepAlive = false;
            } else if (!HttpUtil.isTransferEncodingChunked(res)) {
                // upstream ends the body by closing; chunk it so the client connection survives
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        h.set(HttpHeaderNames.CONNECTION, ex.keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status(), h), ctx.voidPromise());
        return true;
    }

    private void onResponseContent(Exchange ex, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        ctx.write(content, ctx.voidPromise());
        if (!last) {
            return;
        }
        if (ex.informational) {
            ex.informational = false;
            return;
        }
        completeResponse(ex);
    }

    private void completeResponse(Exchange ex) {
        ex.responseComplete = true;
        if (ex.status < 300) {
            ex.route.touch();
        }
        logExchange(ex);
        if (ex.upstreamReusable && ex.requestComplete && !ex.targetStoppedReading) {
            releaseUpstream(ex);
        } else {
            // an unfinished request body would be read as the next request
            closeUpstream();
        }
        if (!ex.requestComplete) {
            ex.mode = BodyMode.DISCARD;
        }
        afterResponse(ex);
    }

    void onUpstreamReadComplete(Channel ch) {
        if (!done) {
            ctx.flush();
        }
    }

    /** The target said nothing for the proxy timeout: 503 if nothing was answered yet. */
    void onUpstreamIdle(Channel ch) {
        Exchange ex = exchange;
        if (ch != upstream) {
            return;
        }
        if (done || ex == null || ex.mode != BodyMode.FORWARD || ex.responseComplete) {
            closeUpstream(); // an idle kept-alive connection: the next request opens a new one
            return;
        }
        if (ex.responseStarted || ex.informational) {
            log.error("{} {} -> target {} idle for {} ms mid-response; closing", ex.method, ex.logPath,
                    ex.route.target(), settings.proxyTimeoutMillis());
            closeClient();
            return;
        }
        closeUpstream();
        sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "proxy timeout after " + settings.proxyTimeoutMillis() + " ms");
    }

    /** The TLS handshake with the target failed (an untrusted certificate, a wrong host name...): 503. */
    void onUpstreamTlsFailure(Channel ch, Throwable cause) {
        if (ch != upstream) {
            return;
        }
        upstream = null;
        ch.close();
        Exchange ex = exchange;
        if (done || ex == null || ex.mode != BodyMode.FORWARD || ex.responseComplete) {
            return;
        }
        String why = cause.getCause() != null && cause instanceof io.netty.handler.codec.DecoderException
                ? cause.getCause().getMessage() : cause.getMessage();
        if (ex.responseStarted || ex.informational) {
            closeClient();
            return;
        }
        sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "TLS handshake with " + ex.route.target() + " failed: "
                + why);
        drain();
        maybeRead();
    }

    /**
     * A write to the target failed (it closed, or reset the connection) and the connection's
     * output is shut: the target stopped reading the request, but may have answered, or still
     * be answering; that is read as usual. The rest of the body is read from the client and
     * dropped meanwhile, so that a client writing its whole body before it reads gets there.
     */
    void onUpstreamOutputShutdown(Channel ch) {
        Exchange ex = exchange;
        if (ch != upstream || done || ex == null || ex.mode != BodyMode.FORWARD) {
            if (ch == upstream && !done && (ex == null || ex.responseComplete)) {
                closeUpstream();
            }
            return;
        }
        if (!ex.targetStoppedReading) {
            ex.targetStoppedReading = true;
            log.debug("{} {} -> target {} stopped reading the request{}", ex.method, ex.logPath, ex.route.target(),
                    ex.requestComplete ? "" : "; dropping the rest of the body");
        }
        maybeRead();
    }

    void onUpstreamWritabilityChanged(Channel ch) {
        if (ch == upstream && ch.isWritable()) {
            maybeRead();
        }
    }

    void onUpstreamInactive(Channel ch) {
        if (ch != upstream) {
            return;
        }
        upstream = null;
        Exchange ex = exchange;
        if (done || ex == null || ex.mode != BodyMode.FORWARD || ex.responseComplete) {
            return;
        }
        if (ex.responseStarted || ex.informational) {
            log.debug("{} {} -> upstream {} closed mid-response", ex.method, ex.logPath, ex.route.target());
            closeClient();
            return;
        }
        if (ex.reusedUpstream && ex.idempotent && !ex.retried && !ex.bodyForwarded) {
            // the pooled upstream closed as we sent, before any answer; an idempotent request whose
            // body (if any) was not sent may be sent again, on a new one (never a POST or a PATCH)
            ex.retried = true;
            ex.reusedUpstream = false;
            ex.targetStoppedReading = false;
            connect(ex);
            return;
        }
        upstreamFailed(ex);
    }

    private void upstreamFailed(Exchange ex) {
        if (ex.responseStarted) {
            closeClient();
            return;
        }
        sendError(ex, HttpResponseStatus.SERVICE_UNAVAILABLE, "target " + ex.route.target() + " closed without answering");
        drain();
        maybeRead();
    }

    private void switchToRelay(Exchange ex, HttpResponse res) {
        ex.responseStarted = true;
        ex.responseComplete = true;
        ex.status = res.status().code();
        ex.route.touch();
        logExchange(ex);
        Channel client = ctx.channel();
        Channel up = upstream;
        ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status(), res.headers().copy()),
                ctx.voidPromise());
        takeNoMoreRequests();
        exchange = null;
        upstream = null;
        releasePending();
        ctx.pipeline().remove(timeouts.sensor());
        // WebSockets may idle as long as they like: the timeouts are for HTTP exchanges
        if (up.pipeline().get(IdleStateHandler.class) != null) {
            up.pipeline().remove(IdleStateHandler.class);
        }
        if (ctx.pipeline().get(IdleStateHandler.class) != null) {
            ctx.pipeline().remove(IdleStateHandler.class);
        }
        // handlers first, codecs second: bytes the decoders still hold go to the relays
        up.pipeline().replace(UpstreamHandler.class, "relay", new RelayHandler(client, null));
        up.pipeline().remove(HttpClientCodec.class);
        ctx.pipeline().replace(this, "relay", new RelayHandler(up, ex.route));
        client.pipeline().remove(HttpServerCodec.class);
        up.config().setAutoRead(client.isWritable());
        client.config().setAutoRead(up.isWritable());
    }

    // ---- shared ------------------------------------------------------------------------------

    private void logExchange(Exchange ex) {
        if (log.isDebugEnabled()) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ex.startNanos);
            String via = ex.route == null ? "no route" : ex.route.spec() + " " + ex.route.target();
            log.debug("{} {} -> {} ({}, {} ms)", ex.method, ex.logPath, ex.status, via, ms);
        }
    }

    private void closeUpstream() {
        Channel c = upstream;
        upstream = null;
        if (c != null) {
            c.close();
        }
    }

    /** The exchange ended cleanly: the upstream goes back to the pool for any client connection. */
    private void releaseUpstream(Exchange ex) {
        Channel c = upstream;
        upstream = null;
        if (c != null) {
            pool.release(c, ex.route);
        }
    }

    private void closeClient() {
        takeNoMoreRequests();
        releasePending();
        closeUpstream();
        ctx.close();
    }

    /**
     * Closes a connection whose client is still sending a body nobody reads. Closing at once
     * would make the kernel answer the data still coming with a reset, and a client still
     * writing (most write the whole body before they read) could lose the response with it. So
     * the proxy, once the response is out, closes its sending side (the client sees the end) and
     * reads and drops what comes until the client closes, as RFC 9112 (section 9.6) asks and
     * nginx does: for at most {@value #LINGER_MAX_MILLIS} ms, or {@value #LINGER_IDLE_MILLIS} ms
     * without data. Over TLS the sending side stays open (a TLS close would end the reading
     * too); the response's length tells the client where it ends.
     */
    private void closeClientLingering() {
        takeNoMoreRequests();
        releasePending();
        closeUpstream();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            Channel ch = f.channel();
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            lingering = true;
            lingerStartNanos = lingerReadNanos = System.nanoTime();
            // bytes from now on are dropped unparsed
            if (ctx.pipeline().get(HttpServerCodec.class) != null) {
                ctx.pipeline().remove(HttpServerCodec.class);
            }
            if (ch instanceof DuplexChannel && ctx.pipeline().get(SslHandler.class) == null) {
                ((DuplexChannel) ch).shutdownOutput();
            }
            lingerTimer = ctx.executor().schedule(this::lingerCheck, LINGER_IDLE_MILLIS, TimeUnit.MILLISECONDS);
            ctx.read();
        });
    }

    private void lingerCheck() {
        lingerTimer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long left = Math.min(LINGER_IDLE_MILLIS - TimeUnit.NANOSECONDS.toMillis(now - lingerReadNanos),
                LINGER_MAX_MILLIS - TimeUnit.NANOSECONDS.toMillis(now - lingerStartNanos));
        if (left <= 0) {
            log.debug("Client {} still sending after its response; closing", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        lingerTimer = ctx.executor().schedule(this::lingerCheck, left, TimeUnit.MILLISECONDS);
    }

    /** Sends a last response (the upstream, if any, is closed) and closes once it is out. */
    private void closeClientWith(FullHttpResponse res) {
        takeNoMoreRequests();
        releasePending();
        closeUpstream();
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    private void closeClientAfterFlush() {
        takeNoMoreRequests();
        releasePending();
        closeUpstream();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releasePending() {
        HttpObject msg;
        while ((msg = pending.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
