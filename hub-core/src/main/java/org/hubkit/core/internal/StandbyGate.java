package org.hubkit.core.internal;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The hub's outermost HTTP handler: until the hub is active it answers every request itself with
 * 503 and {@code Retry-After}, so that a load balancer sends traffic to the active hub; once the
 * hub's own handler is {@linkplain #open opened} it passes everything on, except JupyterHub's
 * health check {@code /hub/health}, which it answers 200 (503 before). {@code /hub/api/...} and
 * {@code /hub/health} answer JSON ({@code {"status": "standby"}}, or {@code "starting"} while a
 * takeover loads state), other paths plain text. Nothing about the active hub (its host, its
 * process) is ever in an answer: that is for the log.
 *
 * <p>Thread-safe: the state is volatile; {@link #open} starts the hub's handler if the server runs.
 */
public final class StandbyGate extends Handler.Wrapper {
    private static final String HEALTH = "/hub/health";
    private final String retryAfterSeconds;
    private volatile String status = "standby";
    private volatile boolean open;

    /** @param retryAfter what {@code Retry-After} says: the standby's poll interval, at least a second */
    public StandbyGate(Duration retryAfter) {
        super(true); // the hub's handler is set while the server runs
        this.retryAfterSeconds = Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }

    /** From now on requests hear "starting": this hub took the lock and is loading state. */
    public void starting() {
        status = "starting";
    }

    /**
     * Puts the hub's own handler behind the gate and lets requests through to it.
     *
     * @param hub the hub's handler (its servlet context); started here if the server is running
     * @throws Exception if it cannot start
     */
    public void open(Handler hub) throws Exception {
        setHandler(hub);
        if (isStarted()) {
            // Added to a running container, it is not started for us: start it, and stop it with the gate.
            manage(hub);
            hub.start();
        }
        open = true;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (open) {
            if (path.equals(HEALTH)) {
                return answerJson(response, callback, 200, Map.of("status", "ok"));
            }
            return super.handle(request, response, callback);
        }
        response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        String current = status;
        String message = current.equals("starting") ? "This hub is taking over as the active hub; try again shortly"
                : "This hub is a standby; another hub is active";
        if (path.equals(HEALTH) || path.equals("/hub/api") || path.startsWith("/hub/api/")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", current);
            body.put("message", message);
            return answerJson(response, callback, 503, body);
        }
        response.setStatus(503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.write(true, ByteBuffer.wrap((message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
        return true;
    }

    private static boolean answerJson(Response response, Callback callback, int status, Object body) {
        byte[] bytes = Json.bytes(body);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
