package org.hubkit.proxy.netty.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timeouts of one HTTP/1.1 server connection towards its client, as Node's HTTP server has
 * them ({@link ClientLimits}): the keep-alive timeout while no request is under way (from the
 * connection's opening or the end of an exchange to the first byte of the next request); from
 * that first byte, noticed by {@link #sensor()} ahead of the HTTP decoder, the head must arrive
 * within the headers timeout and the whole request within the request timeout. What happens
 * then is the owner's business ({@link Expiry}). The public listener's {@link ClientConnection}
 * and the side listeners of {@link ServiceListener} both use it.
 *
 * <p>The owner says what happened: {@link #opened}, {@link #headArrived}, {@link #requestArrived},
 * {@link #betweenRequests}, {@link #stop}. Nothing is timed once a request has arrived until the
 * owner says the exchange is over, so waiting for and sending the response are not limited here.
 *
 * <p>Lazy: each kind keeps at most one timer pending, which on firing looks at the current state
 * and waits again if needed, so no timer is scheduled and cancelled per request (each costs the
 * event loop a priority-queue update and, when the next deadline moves, a timerfd system call).
 *
 * <p>Confined to the connection's event loop: every method is called there, and the owner is
 * called back there.
 */
final class ClientTimeouts {
    /** What the owner does when a limit has passed; called at most once per request, never after {@link #stop}. */
    interface Expiry {
        /**
         * No request began within the keep-alive timeout.
         *
         * @param limitMillis the keep-alive timeout
         */
        void keepAliveExpired(long limitMillis);

        /**
         * The request's head did not arrive within the limit, counted from its first byte.
         *
         * @param limitMillis the limit that applied: the headers timeout, or the request timeout
         *        when the head is not limited on its own
         */
        void headExpired(long limitMillis);

        /**
         * The head arrived, but the whole request did not within the request timeout.
         *
         * @param limitMillis the request timeout
         */
        void requestExpired(long limitMillis);
    }

    private final long keepAliveTimeoutMillis;
    private final long headersTimeoutNanos;
    private final long requestTimeoutNanos;
    private final Expiry owner;
    private final RequestStartSensor sensor = new RequestStartSensor();
    private EventExecutor loop;
    private boolean stopped;

    /** No request is under way: the keep-alive timeout runs. */
    private boolean idle;
    private long idleSinceNanos;
    private ScheduledFuture<?> idleTimer;
    private final Runnable idleCheck = this::idleCheck;

    /** A request has begun (bytes of it came) and has not fully arrived: its timeouts run. */
    private boolean arriving;
    private boolean headArrived;
    private long requestStartNanos;
    private ScheduledFuture<?> requestTimer;
    private long requestTimerDueNanos;
    private final Runnable requestCheck = this::requestCheck;

    /**
     * @param limits the limits
     * @param owner what to do when one passes
     */
    ClientTimeouts(ClientLimits limits, Expiry owner) {
        this.keepAliveTimeoutMillis = limits.keepAliveTimeoutMillis();
        this.headersTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.headersTimeoutMillis());
        this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.requestTimeoutMillis());
        this.owner = owner;
    }

    /**
     * @return the handler to put ahead of the HTTP decoder in the connection's pipeline (behind
     *         TLS): between requests, the first bytes it sees start a request, from which the
     *         request's timeouts count
     */
    ChannelHandler sensor() {
        return sensor;
    }

    /** Sees the raw bytes before the decoder; between requests, the first ones start a request. */
    private final class RequestStartSensor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext sensorCtx, Object msg) {
            if (idle && !stopped) {
                requestBegins();
            }
            sensorCtx.fireChannelRead(msg);
        }
    }

    /**
     * The connection is open: the keep-alive timeout runs until the first request begins.
     *
     * @param loop the connection's event loop
     */
    void opened(EventExecutor loop) {
        this.loop = loop;
        betweenRequests();
    }

    /**
     * An exchange has ended (its request has arrived and its response has been written): the
     * keep-alive timeout runs until the next request begins. Ignored while a request is arriving
     * (its timeouts go on) and after {@link #stop}.
     */
    void betweenRequests() {
        if (stopped || arriving || idle) {
            return;
        }
        idleSinceNanos = System.nanoTime();
        idle = true;
        if (idleTimer == null) {
            scheduleIdleCheck(keepAliveTimeoutMillis);
        }
    }

    /**
     * A request's head has been decoded: from now on the request timeout applies to it. A head
     * whose bytes came during an earlier exchange (pipelined) is timed from now.
     */
    void headArrived() {
        if (stopped) {
            return;
        }
        idle = false; // a pending keep-alive check finds that
        headArrived = true;
        if (!arriving) {
            arriving = true;
            requestStartNanos = System.nanoTime();
            armRequestTimer();
        }
    }

    /** The whole request has arrived: its timeouts end. */
    void requestArrived() {
        arriving = false;
    }

    /** The connection takes no more requests (closing, closed, or no longer HTTP): nothing is timed any more. */
    void stop() {
        stopped = true;
        idle = false;
        arriving = false;
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    private void scheduleIdleCheck(long delayMillis) {
        idleTimer = loop.schedule(idleCheck, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void idleCheck() {
        idleTimer = null;
        if (stopped || !idle) {
            return; // a request is under way: the timer starts again when it has ended
        }
        long left = keepAliveTimeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSinceNanos);
        if (left > 0) {
            scheduleIdleCheck(left);
            return;
        }
        idle = false;
        owner.keepAliveExpired(keepAliveTimeoutMillis);
    }

    /** The first bytes of a request came: the keep-alive timeout ends, the request's timeouts begin. */
    private void requestBegins() {
        idle = false; // a pending keep-alive check finds that
        arriving = true;
        headArrived = false;
        requestStartNanos = System.nanoTime();
        armRequestTimer();
    }

    /** @return the limit that applies to the request arriving now, in nanoseconds; 0 for none */
    private long requestLimitNanos() {
        return !headArrived && headersTimeoutNanos > 0 ? headersTimeoutNanos : requestTimeoutNanos;
    }

    /** Makes sure a check runs by the current request's deadline (one pending at most). */
    private void armRequestTimer() {
        long limit = requestLimitNanos();
        if (limit == 0) {
            return;
        }
        long due = requestStartNanos + limit;
        if (requestTimer != null) {
            if (requestTimerDueNanos - due <= 0) {
                return; // it fires in time and then looks at this request
            }
            requestTimer.cancel(false); // left by an earlier request's later deadline
        }
        scheduleRequestCheck(due, due - System.nanoTime());
    }

    private void scheduleRequestCheck(long due, long delayNanos) {
        requestTimerDueNanos = due;
        requestTimer = loop.schedule(requestCheck, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void requestCheck() {
        requestTimer = null;
        if (stopped || !arriving) {
            return; // the request arrived (or none is under way): the next one arms the timer again
        }
        long limit = requestLimitNanos();
        if (limit == 0) {
            return; // the head arrived and the whole request is not limited
        }
        long due = requestStartNanos + limit;
        long left = due - System.nanoTime();
        if (left > 0) {
            scheduleRequestCheck(due, left); // the head arrived: the whole request's limit is later
            return;
        }
        arriving = false;
        long limitMillis = TimeUnit.NANOSECONDS.toMillis(limit);
        if (headArrived) {
            owner.requestExpired(limitMillis);
        } else {
            owner.headExpired(limitMillis);
        }
    }
}
