package org.hubkit.core.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the request bodies the hub takes with asynchronous servlet I/O before the servlets see
 * the request, so that a client trickling a body holds no request thread: the bytes are collected
 * by read callbacks, and only a complete body (within {@code timeout} and its limit) is dispatched
 * to the servlet, which then reads it from memory.
 *
 * <p>What is read, and how much, is bounded three ways, so that nobody (logged in or not) can make
 * the hub hold much memory:
 * <ul>
 *   <li>Only requests that take a body have it read: {@code POST}, {@code PUT}, {@code PATCH} and
 *       {@code DELETE} under {@code /hub/api} (up to {@code apiBytes}), and the pages' forms,
 *       {@code POST /hub/login}, {@code POST /hub/spawn...} and a provider's
 *       {@code POST /hub/oauth_backchannel_logout/...} (up to {@code formBytes}: they are
 *       sent before login, and a form is small). Any other request is served as if it had no
 *       body, and its answer closes the connection ({@code Connection: close}), so Jetty never
 *       reads the body either.</li>
 *   <li>A body over its limit is answered 413, one too slow 408, both with the connection
 *       closed.</li>
 *   <li>All bodies being read or held at once take at most {@code maxBufferedBytes} together: a
 *       body with a {@code Content-Length} reserves that much before its first byte is read (its
 *       buffer is exactly that size), a chunked one reserves as its buffer grows. A body that
 *       would go over is answered 503 with {@code Retry-After} and the connection closed. A
 *       reservation is given back exactly once, when the request ends, however it ends (answered,
 *       refused, timed out, failed, or its client gone).</li>
 * </ul>
 *
 * <p>The servlet gets the request wrapped: {@code getInputStream()} and the form parameters
 * ({@code application/x-www-form-urlencoded} bodies plus the query string) come from the buffer.
 *
 * <p>Thread-safe: the budget is one atomic counter; each request's buffer is touched by its read
 * callbacks, which the container runs one at a time.
 */
public final class BodyReader implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);
    private static final String BODY = BodyReader.class.getName() + ".body";
    private static final Body EMPTY = new Body(new byte[0], 0);
    /** What a refused body's client is told to wait before trying again when the hub holds too many bodies. */
    static final int RETRY_AFTER_SECONDS = 5;
    private static final int FIRST_CHUNKED_CAPACITY = 8192;
    private static final long BUSY_WARNING_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private final int apiBytes;
    private final int formBytes;
    private final long maxBufferedBytes;
    private final Duration timeout;
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong lastBusyWarning = new AtomicLong(System.nanoTime() - BUSY_WARNING_INTERVAL_NANOS);

    /**
     * @param apiBytes the largest body an API request may have
     * @param formBytes the largest body a page's form may have
     * @param maxBufferedBytes the most bytes all bodies may take at once
     * @param timeout how long a client may take to send its whole body
     */
    public BodyReader(int apiBytes, int formBytes, long maxBufferedBytes, Duration timeout) {
        if (apiBytes <= 0 || formBytes <= 0 || maxBufferedBytes <= 0 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.apiBytes = apiBytes;
        this.formBytes = formBytes;
        this.maxBufferedBytes = maxBufferedBytes;
        this.timeout = timeout;
    }

    /** @return the bytes reserved by bodies being read or held now (a moment's figure) */
    public long bufferedBytes() {
        return buffered.get();
    }

    /**
     * @return the largest body this request may have, or 0 if it takes none; from the decoded
     *         path Jetty routes by, so that {@code /hub/logi%6E} is the login form as the pages see it
     */
    int limitFor(HttpServletRequest req) {
        String method = req.getMethod();
        String servletPath = req.getServletPath() == null ? "" : req.getServletPath();
        String path = servletPath + (req.getPathInfo() == null ? "" : req.getPathInfo());
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        boolean api = servletPath.equals("/hub/api")
                || (segments.size() >= 2 && segments.get(0).equals("hub") && segments.get(1).equals("api"));
        if (api) {
            return switch (method) {
                case "POST", "PUT", "PATCH", "DELETE" -> apiBytes;
                default -> 0;
            };
        }
        if (method.equals("POST") && segments.size() >= 2 && segments.get(0).equals("hub")
                && (segments.get(1).equals("login") || segments.get(1).equals("spawn")
                || segments.get(1).equals("oauth_backchannel_logout"))) {
            return formBytes;
        }
        return 0;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        if (req.getDispatcherType() == DispatcherType.ASYNC || req.getAttribute(BODY) != null) {
            chain.doFilter(request, response);
            return;
        }
        long length = req.getContentLengthLong();
        boolean chunked = length < 0 && req.getHeader("Transfer-Encoding") != null;
        if (length == 0 || (length < 0 && !chunked)) {
            req.setAttribute(BODY, EMPTY);
            chain.doFilter(new Buffered(req), response);
            return;
        }
        int limit = limitFor(req);
        if (limit == 0) {
            // A body nobody asked for: not read, by us or (the connection closing after the answer) by Jetty.
            req.setAttribute(BODY, EMPTY);
            resp.setHeader("Connection", "close");
            chain.doFilter(new Buffered(req), response);
            return;
        }
        if (length > limit) {
            refuse(req, resp, 413, "Request body too large (limit " + limit + " bytes)");
            return;
        }
        int initial = chunked ? Math.min(limit, FIRST_CHUNKED_CAPACITY) : (int) length;
        Reservation reservation = new Reservation();
        if (!reservation.grow(initial)) {
            busy(req, resp);
            return;
        }
        // Given back when the request ends, whichever way: Jetty calls this once per request.
        Request.addCompletionListener(ServletContextRequest.getServletContextRequest(req), failure -> reservation.release());
        AsyncContext ctx = req.startAsync(new Buffered(req), resp);
        ctx.setTimeout(timeout.toMillis());
        AtomicBoolean over = new AtomicBoolean();
        ctx.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (over.compareAndSet(false, true)) {
                    LOG.info("Request body of {} {} not received within {} s; answering 408", req.getMethod(),
                            LogSafe.value(req.getRequestURI()), timeout.toSeconds());
                    refuse(req, resp, 408, "Request body not received in time");
                    ctx.complete();
                }
            }

            @Override
            public void onError(AsyncEvent event) {
                over.set(true);
            }

            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        ServletInputStream in = req.getInputStream();
        in.setReadListener(new ReadListener() {
            private byte[] buffer = new byte[initial];
            private int size;

            @Override
            public void onDataAvailable() throws IOException {
                while (in.isReady() && !over.get()) {
                    if (size == buffer.length) {
                        if (!chunked) {
                            // all of its Content-Length is in (Jetty holds the client to it): what is left is the end
                            if (in.read() >= 0) {
                                tooLarge();
                            }
                            return;
                        }
                        if (!grow()) {
                            return;
                        }
                    }
                    int n = in.read(buffer, size, buffer.length - size);
                    if (n < 0) {
                        return;
                    }
                    size += n;
                }
            }

            private void tooLarge() throws IOException {
                if (over.compareAndSet(false, true)) {
                    refuse(req, resp, 413, "Request body too large (limit " + limit + " bytes)");
                    ctx.complete();
                }
            }

            /** Makes room for more of a chunked body, within its limit (plus one byte, to see it is over) and the budget. */
            private boolean grow() throws IOException {
                if (buffer.length > limit) {
                    tooLarge();
                    return false;
                }
                int capacity = (int) Math.min((long) limit + 1, 2L * buffer.length);
                if (!reservation.grow(capacity - buffer.length)) {
                    if (over.compareAndSet(false, true)) {
                        busy(req, resp);
                        ctx.complete();
                    }
                    return false;
                }
                buffer = Arrays.copyOf(buffer, capacity);
                return true;
            }

            @Override
            public void onAllDataRead() throws IOException {
                if (size > limit) {
                    tooLarge();
                    return;
                }
                if (over.compareAndSet(false, true)) {
                    req.setAttribute(BODY, new Body(buffer, size));
                    ctx.setTimeout(0);
                    ctx.dispatch();
                }
            }

            @Override
            public void onError(Throwable t) {
                if (over.compareAndSet(false, true)) {
                    LOG.debug("Reading the body of {} {} failed: {}", req.getMethod(), LogSafe.value(req.getRequestURI()),
                            LogSafe.value(String.valueOf(t)));
                    try {
                        refuse(req, resp, 400, "Could not read the request body");
                    } catch (IOException | RuntimeException e) {
                        // the client is gone
                    }
                    ctx.complete();
                }
            }
        });
    }

    /** Bytes of the budget one request holds; given back once. */
    private final class Reservation {
        private long held;
        private boolean released;

        /** @return whether {@code bytes} more fit in the budget (then they are held) */
        synchronized boolean grow(long bytes) {
            if (released) {
                return false;
            }
            long now = buffered.addAndGet(bytes);
            if (now > maxBufferedBytes) {
                buffered.addAndGet(-bytes);
                return false;
            }
            held += bytes;
            return true;
        }

        synchronized void release() {
            if (!released) {
                released = true;
                buffered.addAndGet(-held);
                held = 0;
            }
        }
    }

    private void busy(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long now = System.nanoTime();
        long last = lastBusyWarning.get();
        // Under a flood, one warning every so often: the log must not grow with the attack.
        boolean warn = now - last >= BUSY_WARNING_INTERVAL_NANOS && lastBusyWarning.compareAndSet(last, now);
        if (warn || LOG.isDebugEnabled()) {
            String message = "{} {}: the hub holds {} bytes of request bodies (at most {}); answering 503";
            Object[] args = {req.getMethod(), LogSafe.value(req.getRequestURI()), buffered.get(), maxBufferedBytes};
            if (warn) {
                LOG.warn(message, args);
            } else {
                LOG.debug(message, args);
            }
        }
        resp.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        refuse(req, resp, 503, "The hub is busy; please try again later");
    }

    private static void refuse(HttpServletRequest req, HttpServletResponse resp, int status, String message) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        String retryAfter = resp.getHeader("Retry-After");
        resp.reset();
        resp.setHeader("Connection", "close");
        if (retryAfter != null) {
            resp.setHeader("Retry-After", retryAfter);
        }
        if (req.getRequestURI().startsWith("/hub/api")) {
            Web.error(resp, status, message);
        } else {
            PagesServlet.page(resp, status, "Error " + status, "<p>" + Web.html(message) + "</p>");
        }
    }

    /** A body as read: its first {@code length} bytes. */
    private record Body(byte[] bytes, int length) {
    }

    /** The request with its body served from memory. */
    static final class Buffered extends HttpServletRequestWrapper {
        private final HttpServletRequest original;
        private Map<String, String[]> params;

        Buffered(HttpServletRequest request) {
            super(request);
            this.original = request;
        }

        private Body body() {
            Object b = original.getAttribute(BODY);
            return b instanceof Body body ? body : EMPTY;
        }

        @Override
        public ServletInputStream getInputStream() {
            Body body = body();
            ByteArrayInputStream in = new ByteArrayInputStream(body.bytes(), 0, body.length());
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("The body is already read");
                }

                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }

                @Override
                public byte[] readAllBytes() {
                    if (in.available() == body.bytes().length) {
                        in.skip(body.bytes().length);
                        return body.bytes(); // the whole buffer, exactly: no second copy of a large body
                    }
                    return in.readAllBytes();
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        private synchronized Map<String, String[]> params() {
            if (params == null) {
                Map<String, List<String>> all = new LinkedHashMap<>();
                parse(original.getQueryString(), all);
                String type = original.getContentType();
                if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                    Body body = body();
                    parse(new String(body.bytes(), 0, body.length(), StandardCharsets.UTF_8), all);
                }
                Map<String, String[]> out = new LinkedHashMap<>();
                all.forEach((k, v) -> out.put(k, v.toArray(String[]::new)));
                params = Collections.unmodifiableMap(out);
            }
            return params;
        }

        private static void parse(String query, Map<String, List<String>> into) {
            if (query == null || query.isEmpty()) {
                return;
            }
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }

        private static String decode(String s) {
            try {
                return URLDecoder.decode(s, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return s; // a malformed %-escape: keep the text as sent
            }
        }

        @Override
        public String getParameter(String name) {
            String[] v = params().get(name);
            return v == null || v.length == 0 ? null : v[0];
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return params();
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(params().keySet());
        }

        @Override
        public String[] getParameterValues(String name) {
            return params().get(name);
        }
    }
}
