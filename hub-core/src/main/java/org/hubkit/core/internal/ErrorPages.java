package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferOutputStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The answers for errors Jetty produces itself (a URI it refuses, a header too large, an
 * exception no servlet caught): under {@code /hub/api/} JupyterHub's JSON error shape
 * {@code {"status": N, "message": "..."}}, elsewhere a short HTML page. An error found before
 * the request is routed (a URI or a header Jetty refuses) is always the JSON error: Jetty tells
 * its error handler nothing about such a request, not even its path. Neither ever holds a stack
 * trace, an exception's message or the server's version; the message is the status's reason
 * phrase. The servlets answer their own errors (through {@link Web#error}); these handlers cover
 * what reaches Jetty's defaults.
 *
 * <p>Stateless and thread-safe.
 */
public final class ErrorPages {
    private ErrorPages() {
    }

    /** The body for {@code status} on {@code path}: its content type and its bytes. */
    record Body(String contentType, byte[] bytes) {
    }

    /**
     * @param e an exception a servlet did not expect
     * @return the 4xx status Jetty gave it when it is Jetty's verdict on the request (a form too
     *         large, a bad parameter encoding), else 500
     */
    static int statusOf(RuntimeException e) {
        if (e instanceof org.eclipse.jetty.http.HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
            return h.getCode();
        }
        return 500;
    }

    /** The JSON error for the API's paths, the HTML page for the others. */
    static Body body(String path, int status) {
        return body(path != null && (path.equals("/hub/api") || path.startsWith("/hub/api/")), status);
    }

    private static Body body(boolean json, int status) {
        String reason = HttpStatus.getMessage(status);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", status);
            m.put("message", reason);
            return new Body("application/json", Json.bytes(m));
        }
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + status + " " + Web.html(reason)
                + "</title></head><body><h1>" + status + " " + Web.html(reason) + "</h1><p><a href=\"/hub/home\">Home</a></p>"
                + "</body></html>";
        return new Body("text/html;charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** For the server: requests that fail before reaching the context (a refused URI, headers too large). */
    public static final class ServerErrors extends org.eclipse.jetty.server.handler.ErrorHandler {
        public ServerErrors() {
            setShowStacks(false);
            setShowCauses(false);
            setShowMessageInTitle(false);
        }

        /** Every method gets a body: an API client sending DELETE or PATCH reads the error too. */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            // Before routing nothing is known of the request (Jetty hands over an empty stand-in
            // whose path is "/badURI"), so not whether it was for the API: JSON, short and plain.
            Body b = body(true, code);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, b.contentType());
            // Jetty closes the connection after some of these (a NUL in the path) without saying
            // so, and a proxy then sends its next request on a dead connection: say so.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.write(true, ByteBuffer.wrap(b.bytes()), callback);
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            Body b = body(true, status);
            fields.put(HttpHeader.CONTENT_TYPE, b.contentType());
            fields.put(HttpHeader.CONNECTION, "close");
            return ByteBuffer.wrap(b.bytes());
        }
    }

    /** For the servlet context: an exception a servlet let through, a {@code sendError}, a URI the context refuses. */
    public static final class ContextErrors extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
        public ContextErrors() {
            setShowStacks(false);
            setShowServlet(false);
            setShowMessageInTitle(false);
        }

        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateAcceptableResponse(ServletContextRequest baseRequest, HttpServletRequest request,
                                                  HttpServletResponse response, int code, String message) throws IOException {
            Body b = body(request.getRequestURI(), code);
            response.setContentType(b.contentType());
            // As the base class does: into the response's buffer, then one asynchronous completion.
            ByteBuffer buffer = baseRequest.getServletContextResponse().getHttpOutput().getByteBuffer();
            new ByteBufferOutputStream(buffer).write(b.bytes());
            baseRequest.getServletChannel().sendErrorResponseAndComplete();
        }
    }
}
