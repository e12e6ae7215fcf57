package org.hubkit.proxy.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream connections for client connections: idle keep-alive ones to reuse, else new ones.
 *
 * <p>There is one pool per event loop, keyed by target endpoint ({@link RouteEntry#endpoint()}).
 * An upstream connection lives on the event loop of the client connection that opened it, so
 * a pool is only touched by its own loop: no locks, and a reused connection never changes
 * thread. Client connections on other loops open their own.
 *
 * <p>Idle connections are handed out last-in first-out, so that under a falling load the
 * surplus ones age out; at most {@code maxIdlePerTarget} per target and loop are kept (the
 * oldest is closed to make room), and each is closed after {@code idleTimeoutMillis} unused.
 * A pooled connection keeps reading: when the target closes it, it leaves the pool at once,
 * and anything the target sends on it closes it (no request is outstanding).
 *
 * <p>Only a connection whose last exchange ended cleanly comes back (the caller checks: the
 * response was complete with a known length, keep-alive, the request fully sent, no protocol
 * switch); the pool itself drops connections that are closed or expired when asked for one.
 */
final class UpstreamPool {
    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

    private final UpstreamConnector connector;
    private final int maxIdlePerTarget;
    private final long idleTimeoutNanos;
    private final Map<EventLoop, LoopPool> loops = new ConcurrentHashMap<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    /**
     * @param connector opens new connections
     * @param maxIdlePerTarget idle connections kept per target and event loop; 0 turns reuse off
     * @param idleTimeoutMillis how long an idle connection is kept
     */
    UpstreamPool(UpstreamConnector connector, int maxIdlePerTarget, long idleTimeoutMillis) {
        this.connector = connector;
        this.maxIdlePerTarget = maxIdlePerTarget;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    }

    /**
     * Takes an idle connection to the route's endpoint, if this loop has a live one.
     *
     * @param loop the calling client connection's event loop (the current thread)
     * @param route where the request goes
     * @param owner who gets the connection's events from now on
     * @return the connection, its auto-read still on, or {@code null} if none is idle
     */
    Channel acquire(EventLoop loop, RouteEntry route, ClientConnection owner) {
        LoopPool pool = loops.get(loop);
        return pool == null ? null : pool.acquire(route.endpoint(), owner);
    }

    /** @return {@code null} if UNIX socket targets can be connected to, else why not */
    String unixSocketsProblem() {
        return connector.unixSocketsProblem();
    }

    /**
     * Opens a new connection on the caller's event loop.
     *
     * @param loop the client connection's event loop
     * @param route where to connect
     * @param owner who gets the connection's events
     * @return the pending connection; its channel starts with auto-read off
     */
    ChannelFuture connect(EventLoop loop, RouteEntry route, ClientConnection owner) {
        return connector.connect(loop, route, owner, this);
    }

    /**
     * Gives back a connection whose exchange ended cleanly; it is kept idle or closed. Called on
     * the connection's event loop by its owner, which must forget it.
     *
     * @param ch the connection
     * @param route the route of its last request (for the endpoint)
     */
    void release(Channel ch, RouteEntry route) {
        // the connector puts it last: no walk along the pipeline in the usual case
        ChannelHandler last = ch.pipeline().last();
        UpstreamHandler handler = last instanceof UpstreamHandler
                ? (UpstreamHandler) last
                : ch.pipeline().get(UpstreamHandler.class);
        if (maxIdlePerTarget == 0 || handler == null || !ch.isActive() || !ch.eventLoop().inEventLoop()) {
            ch.close();
            return;
        }
        EventLoop loop = ch.eventLoop();
        LoopPool pool = loops.get(loop);
        if (pool == null) {
            pool = loops.computeIfAbsent(loop, LoopPool::new);
        }
        pool.add(route.endpoint(), ch, handler);
    }

    /** @return idle connections in every loop's pool; a moment's figure, from any thread */
    int idleCount() {
        return idleCount.get();
    }

    /** A pooled connection closed or misbehaved: forget it. On its event loop. */
    void discard(Channel ch, UpstreamHandler handler) {
        LoopPool pool = loops.get(ch.eventLoop());
        if (pool != null) {
            pool.remove(ch, handler);
        }
    }

    private record Idle(Channel channel, UpstreamHandler handler, long since) {
    }

    /** The idle connections of one event loop; touched by that loop only. */
    private final class LoopPool {
        private final EventLoop loop;
        private final Map<String, ArrayDeque<Idle>> byEndpoint = new HashMap<>();
        private int size;
        private ScheduledFuture<?> sweep;

        LoopPool(EventLoop loop) {
            this.loop = loop;
        }

        Channel acquire(String endpoint, ClientConnection owner) {
            ArrayDeque<Idle> idle = byEndpoint.get(endpoint);
            if (idle == null) {
                return null;
            }
            long now = System.nanoTime();
            Channel found = null;
            Idle i;
            while (found == null && (i = idle.pollFirst()) != null) {
                shrink();
                i.handler.pooledUnder(null);
                if (i.channel.isActive() && now - i.since < idleTimeoutNanos) {
                    i.handler.owner(owner);
                    found = i.channel;
                } else {
                    i.channel.close();
                }
            }
            if (idle.isEmpty()) {
                byEndpoint.remove(endpoint);
            }
            return found;
        }

        void add(String endpoint, Channel ch, UpstreamHandler handler) {
            ArrayDeque<Idle> idle = byEndpoint.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
            if (idle.size() >= maxIdlePerTarget) {
                Idle oldest = idle.pollLast();
                shrink();
                oldest.handler.pooledUnder(null);
                log.debug("Upstream pool for {} full ({}); closing {}", endpoint, maxIdlePerTarget,
                        oldest.channel.localAddress());
                oldest.channel.close();
            }
            handler.owner(null);
            handler.pooledUnder(endpoint);
            idle.addFirst(new Idle(ch, handler, System.nanoTime()));
            size++;
            idleCount.incrementAndGet();
            // reading while idle is how a close by the target is noticed
            ch.config().setAutoRead(true);
            if (sweep == null) {
                try {
                    sweep = loop.schedule(this::sweep, idleTimeoutNanos, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    remove(ch, handler); // the loop is shutting down: nothing will be reused
                    ch.close();
                }
            }
        }

        void remove(Channel ch, UpstreamHandler handler) {
            String endpoint = handler.pooledUnder();
            ArrayDeque<Idle> idle = endpoint == null ? null : byEndpoint.get(endpoint);
            handler.pooledUnder(null);
            if (idle == null) {
                return;
            }
            for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
                if (it.next().channel == ch) {
                    it.remove();
                    shrink();
                    break;
                }
            }
            if (idle.isEmpty()) {
                byEndpoint.remove(endpoint);
            }
        }

        private void shrink() {
            size--;
            idleCount.decrementAndGet();
        }

        /** Closes expired connections (the oldest sit at the tail), then waits for the next expiry. */
        private void sweep() {
            sweep = null;
            long now = System.nanoTime();
            long nextExpiry = Long.MAX_VALUE;
            for (Iterator<Map.Entry<String, ArrayDeque<Idle>>> it = byEndpoint.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, ArrayDeque<Idle>> entry = it.next();
                ArrayDeque<Idle> idle = entry.getValue();
                Idle oldest;
                while ((oldest = idle.peekLast()) != null && now - oldest.since >= idleTimeoutNanos) {
                    idle.pollLast();
                    shrink();
                    oldest.handler.pooledUnder(null);
                    if (log.isDebugEnabled()) {
                        log.debug("Idle upstream connection {} to {} unused for {} ms (upstreamIdleTimeout); closing",
                                oldest.channel.localAddress(), entry.getKey(),
                                TimeUnit.NANOSECONDS.toMillis(now - oldest.since));
                    }
                    oldest.channel.close();
                }
                if (idle.isEmpty()) {
                    it.remove();
                } else {
                    nextExpiry = Math.min(nextExpiry, idle.peekLast().since + idleTimeoutNanos - now);
                }
            }
            if (size > 0) {
                sweep = loop.schedule(this::sweep, Math.max(nextExpiry, TimeUnit.MILLISECONDS.toNanos(1)),
                        TimeUnit.NANOSECONDS);
            }
        }
    }
}
