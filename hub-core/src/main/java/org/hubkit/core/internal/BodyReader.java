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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every request body with asynchronous servlet I/O before the servlets see the request,
 * so that a client trickling a body holds no request thread: the bytes are collected by read
 * callbacks, and only a complete body (within {@link #timeout} and {@link #maxBytes}) is
 * dispatched to the servlet, which then reads it from memory. A body too large is answered 413,
 * one too slow 408, both with the connection closed.
 *
 * <p>The servlet gets the request wrapped: {@code getInputStream()} and the form parameters
 * ({@code application/x-www-form-urlencoded} bodies plus the query string) come from the buffer.
 */
public final class BodyReader implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);
    private static final String BODY = BodyReader.class.getName() + ".body";
    private static final byte[] EMPTY = new byte[0];

    private final int maxBytes;
    private final Duration timeout;

    /**
     * @param maxBytes the largest body accepted
     * @param timeout how long a client may take to send its whole body
     */
    public BodyReader(int maxBytes, Duration timeout) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
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
        boolean chunked = req.getHeader("Transfer-Encoding") != null;
        if (length == 0 || (length < 0 && !chunked)) {
            req.setAttribute(BODY, EMPTY);
            chain.doFilter(new Buffered(req), response);
            return;
        }
        if (length > maxBytes) {
            refuse(req, resp, 413, "Request body too large (limit " + maxBytes + " bytes)");
            return;
        }
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
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(
                    (int) Math.max(0, Math.min(length, 64 * 1024)));
            private final byte[] chunk = new byte[8192];

            @Override
            public void onDataAvailable() throws IOException {
                while (in.isReady() && !over.get()) {
                    int n = in.read(chunk);
                    if (n < 0) {
                        return;
                    }
                    buffer.write(chunk, 0, n);
                    if (buffer.size() > maxBytes) {
                        if (over.compareAndSet(false, true)) {
                            refuse(req, resp, 413, "Request body too large (limit " + maxBytes + " bytes)");
                            ctx.complete();
                        }
                        return;
                    }
                }
            }

            @Override
            public void onAllDataRead() {
                if (over.compareAndSet(false, true)) {
                    req.setAttribute(BODY, buffer.toByteArray());
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

    private static void refuse(HttpServletRequest req, HttpServletResponse resp, int status, String message) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        resp.reset();
        resp.setHeader("Connection", "close");
        if (req.getRequestURI().startsWith("/hub/api")) {
            Web.error(resp, status, message);
        } else {
            PagesServlet.page(resp, status, "Error " + status, "<p>" + Web.html(message) + "</p>");
        }
    }

    /** The request with its body served from memory. */
    static final class Buffered extends HttpServletRequestWrapper {
        private final HttpServletRequest original;
        private Map<String, String[]> params;

        Buffered(HttpServletRequest request) {
            super(request);
            this.original = request;
        }

        private byte[] body() {
            Object b = original.getAttribute(BODY);
            return b instanceof byte[] bytes ? bytes : EMPTY;
        }

        @Override
        public ServletInputStream getInputStream() {
            InputStream in = new ByteArrayInputStream(body());
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    try {
                        return in.available() == 0;
                    } catch (IOException e) {
                        return true;
                    }
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
                    parse(new String(body(), StandardCharsets.UTF_8), all);
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
