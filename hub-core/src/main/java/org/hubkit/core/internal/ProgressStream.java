package org.hubkit.core.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hubkit.api.ProgressEvent;

/**
 * One open {@code /progress} event stream, written with asynchronous servlet I/O: no thread
 * waits for the spawn or for a slow reader. Events are queued as the spawn reports them and
 * written whenever the connection can take them; a keep-alive comment goes out every few
 * seconds; the stream ends after the final event, when the deadline passes or when the client
 * goes away. Thread-safe: events arrive on spawn threads, write callbacks on Jetty's.
 */
final class ProgressStream implements WriteListener, Consumer<ProgressEvent> {
    private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.UTF_8);

    private final AsyncContext ctx;
    private final ServletOutputStream out;
    private final ServerState server;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private boolean ending;
    private boolean closed;
    private boolean needsFlush;
    private ScheduledFuture<?> keepalive;
    private ScheduledFuture<?> deadline;

    private ProgressStream(AsyncContext ctx, ServletOutputStream out, ServerState server) {
        this.ctx = ctx;
        this.out = out;
        this.server = server;
    }

    /**
     * Starts streaming {@code server}'s events of spawn {@code generation}.
     *
     * @param first events to send before the current spawn's (e.g. a synthetic "ready" event)
     * @param endAfterFirst whether the stream ends after {@code first}
     */
    static void open(HttpServletRequest req, HttpServletResponse resp, ServerState server, List<ProgressEvent> first,
                     boolean endAfterFirst, ScheduledExecutorService scheduler, long maxMillis) throws IOException {
        resp.setStatus(200);
        resp.setContentType("text/event-stream");
        resp.setHeader("X-Accel-Buffering", "no");
        AsyncContext ctx = req.startAsync();
        ctx.setTimeout(0);
        ProgressStream stream = new ProgressStream(ctx, resp.getOutputStream(), server);
        ctx.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                stream.release();
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                stream.end();
            }

            @Override
            public void onError(AsyncEvent event) {
                stream.release();
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        stream.out.setWriteListener(stream);
        for (ProgressEvent e : first) {
            stream.accept(e);
        }
        if (endAfterFirst) {
            stream.end();
        } else {
            // Subscribing and replaying under the stream's lock: a live event waits for the replay,
            // so events go out in order (lock order stream -> server; listeners are told outside it).
            synchronized (stream) {
                List<ProgressEvent> sofar = server.subscribe(server.generation(), stream);
                if (sofar == null) {
                    stream.end();
                    return;
                }
                for (ProgressEvent e : sofar) {
                    stream.accept(e);
                }
                if (!stream.closed) {
                    stream.keepalive = scheduler.scheduleWithFixedDelay(() -> stream.offer(KEEPALIVE, false), 8, 8,
                            TimeUnit.SECONDS);
                    stream.deadline = scheduler.schedule(stream::end, maxMillis, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** A progress event from the spawn; the final one ends the stream. */
    @Override
    public void accept(ProgressEvent e) {
        offer(("data: " + Json.write(model(e)) + "\n\n").getBytes(StandardCharsets.UTF_8), e.isFinal());
    }

    static Map<String, Object> model(ProgressEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("progress", e.progress());
        m.put("message", e.message());
        if (e.ready()) {
            m.put("ready", true);
            m.put("url", e.url());
        }
        if (e.failed()) {
            m.put("failed", true);
        }
        return m;
    }

    private synchronized void offer(byte[] bytes, boolean last) {
        if (ending || closed) {
            return;
        }
        queue.add(bytes);
        ending = last;
        pump();
    }

    private synchronized void end() {
        if (!closed) {
            ending = true;
            pump();
        }
    }

    @Override
    public synchronized void onWritePossible() {
        pump();
    }

    /** Writes what is queued while the connection takes it; completes the stream once drained after the end. */
    private void pump() {
        assert Thread.holdsLock(this);
        if (closed) {
            return;
        }
        try {
            while (out.isReady()) {
                if (needsFlush) {
                    needsFlush = false;
                    out.flush();
                    continue;
                }
                byte[] next = queue.poll();
                if (next == null) {
                    if (ending) {
                        closed = true;
                        ctx.complete();
                    }
                    return;
                }
                out.write(next);
                needsFlush = true;
            }
        } catch (IOException | IllegalStateException e) {
            // The write listener is not set yet (we pump again once it is), or the client is gone.
            if (!(e instanceof IllegalStateException)) {
                closed = true;
                ctx.complete();
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        release();
    }

    private synchronized void release() {
        closed = true;
        queue.clear();
        server.unsubscribe(this);
        if (keepalive != null) {
            keepalive.cancel(false);
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
