package org.hubkit.proxy.netty.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.api.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * configurable-http-proxy's REST API over a {@link RouteTable}, as its {@code lib/configproxy.js}
 * answers: {@code GET /api/routes[?inactive_since=]}, {@code GET|POST|DELETE /api/routes/{path}},
 * token authentication, its status codes, bodies and messages. One instance serves every
 * connection of a {@link ServiceListener}; thread-safe.
 *
 * <p>One deliberate difference: the token is checked before a POST body is parsed, so an
 * unauthenticated client gets 403 whatever it sends (configurable-http-proxy answers 400 to
 * invalid JSON first).
 */
@ChannelHandler.Sharable
public final class ChpApiServer extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(ChpApiServer.class);
    private static final String PREFIX = "/api/routes";
    private static final Pattern TOKEN = Pattern.compile("token\\s+(\\S+)");
    private static final String JSON = "application/json";

    private final RouteTable routes;
    private final byte[] authToken;
    private final boolean hostRouting;
    private final ProxyMetrics metrics;
    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * @param routes the table to serve and change
     * @param authToken the token clients must send, or {@code null} for an open API
     * @param hostRouting whether routes are {@code /host/path} (POST then adds {@code host} to the data)
     * @param metrics what to count
     */
    public ChpApiServer(RouteTable routes, String authToken, boolean hostRouting, ProxyMetrics metrics) {
        this.routes = routes;
        this.authToken = authToken == null || authToken.isEmpty() ? null : authToken.getBytes(StandardCharsets.UTF_8);
        this.hostRouting = hostRouting;
        this.metrics = metrics;
    }

    /** A response before it is sent: status, optional content type, body, and why (for the log). */
    private record Answer(HttpResponseStatus status, String contentType, String body, String logMessage) {
        static Answer empty(HttpResponseStatus status) {
            return new Answer(status, null, "", "");
        }

        static Answer text(HttpResponseStatus status, String message) {
            return new Answer(status, null, message, message);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        Answer answer;
        try {
            answer = handle(req);
        } catch (RuntimeException e) {
            log.error("Error in handler for {} {}", req.method(), logUrl(req.uri()), e);
            answer = Answer.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
        metrics.requestApi(answer.status().code());
        int code = answer.status().code();
        String line = "{} {} {} {}";
        if (code < 400) {
            log.info(line, code, req.method(), logUrl(req.uri()), answer.logMessage());
        } else if (code < 500) {
            log.warn(line, code, req.method(), logUrl(req.uri()), answer.logMessage());
        } else {
            log.error(line, code, req.method(), logUrl(req.uri()), answer.logMessage());
        }
        ServiceListener.respond(ctx, req, answer.status(), answer.contentType(), answer.body());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("API connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private Answer handle(FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            return Answer.text(HttpResponseStatus.BAD_REQUEST, "Bad Request");
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = RequestTarget.removeDotSegments(query.rawPath().isEmpty() ? "/" : query.rawPath());
        if (!path.startsWith(PREFIX) || (path.length() > PREFIX.length() && path.charAt(PREFIX.length()) != '/')) {
            return Answer.text(HttpResponseStatus.NOT_FOUND, "Not Found");
        }
        HttpMethod method = req.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.POST) && !method.equals(HttpMethod.DELETE)) {
            return Answer.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not supported");
        }
        if (!authorized(req)) {
            log.debug("Rejecting API request {} {}", method, logUrl(req.uri()));
            return Answer.empty(HttpResponseStatus.FORBIDDEN);
        }
        String capture = null;
        if (path.length() > PREFIX.length()) {
            capture = RequestTarget.percentDecode(path.substring(PREFIX.length()));
            if (capture == null) {
                return Answer.text(HttpResponseStatus.BAD_REQUEST, "URI malformed");
            }
        }
        if (method.equals(HttpMethod.GET)) {
            if (capture != null && !capture.equals("/")) {
                return getRoute(Route.normalizeSpec(capture));
            }
            return getRoutes(query);
        }
        String spec = capture == null ? "/" : Route.normalizeSpec(capture);
        if (method.equals(HttpMethod.POST)) {
            return postRoute(spec, req.content().toString(StandardCharsets.UTF_8));
        }
        return deleteRoute(spec);
    }

    private boolean authorized(FullHttpRequest req) {
        if (authToken == null) {
            return true;
        }
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null) {
            return false;
        }
        Matcher m = TOKEN.matcher(header);
        return m.find() && MessageDigest.isEqual(authToken, m.group(1).getBytes(StandardCharsets.UTF_8));
    }

    private Answer getRoute(String spec) {
        RouteEntry entry = routes.get(spec);
        if (entry == null) {
            return Answer.empty(HttpResponseStatus.NOT_FOUND);
        }
        return json(entry.toChpJson());
    }

    private Answer getRoutes(QueryStringDecoder query) {
        String since = first(query, "inactiveSince");
        if (since == null || since.isEmpty()) {
            since = first(query, "inactive_since");
        }
        Long sinceMillis = null;
        if (since != null && !since.isEmpty()) {
            Instant parsed = parseDate(since);
            if (parsed == null) {
                return Answer.text(HttpResponseStatus.BAD_REQUEST, "Invalid datestamp '" + since + "' must be ISO8601.");
            }
            sinceMillis = parsed.toEpochMilli();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (RouteEntry entry : routes.entries()) {
            if (sinceMillis == null || entry.lastActivityMillis() < sinceMillis) {
                out.put(entry.spec(), entry.toChpJson());
            }
        }
        Answer answer = json(out);
        metrics.apiRouteGet();
        return answer;
    }

    private Answer postRoute(String spec, String body) {
        JsonNode node;
        if (body.isBlank()) {
            return Answer.text(HttpResponseStatus.BAD_REQUEST, "Body not valid JSON: Unexpected end of JSON input");
        }
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            return Answer.text(HttpResponseStatus.BAD_REQUEST, "Body not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode target = node == null ? null : node.get("target");
        if (node == null || !node.isObject() || target == null || !target.isTextual()) {
            log.warn("Bad POST data: {}", node == null ? "" : node.toString());
            return Answer.text(HttpResponseStatus.BAD_REQUEST, "Must specify 'target' as string");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data = mapper.convertValue(node, LinkedHashMap.class);
        if (hostRouting && !spec.equals("/")) {
            data.put("host", spec.split("/")[1]);
        }
        log.info("Adding route {} -> {}", spec, target.asText());
        long start = System.nanoTime();
        routes.put(RouteEntry.fromChp(spec, data, System.currentTimeMillis()));
        metrics.lastActivityUpdate(System.nanoTime() - start);
        log.info("Route added {} -> {}", spec, target.asText());
        metrics.apiRouteAdd();
        return Answer.empty(HttpResponseStatus.CREATED);
    }

    private Answer deleteRoute(String spec) {
        HttpResponseStatus status;
        if (routes.get(spec) != null) {
            log.info("Removing route {}", spec);
            routes.remove(spec);
            status = HttpResponseStatus.NO_CONTENT;
        } else {
            status = HttpResponseStatus.NOT_FOUND;
        }
        metrics.apiRouteDelete();
        return Answer.empty(status);
    }

    private Answer json(Object value) {
        try {
            return new Answer(HttpResponseStatus.OK, JSON, mapper.writeValueAsString(value), "");
        } catch (IOException e) {
            throw new IllegalStateException("route data cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private static String first(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The URL as logged: without the query, which may hold secrets. */
    static String logUrl(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /**
     * Parses a date the way JavaScript's {@code Date.parse} reads the forms clients send: ISO 8601
     * with an offset, a local date-time (local time zone), a date (UTC), or RFC 1123.
     *
     * @param text the parameter
     * @return the instant, or {@code null} if unparseable
     */
    static Instant parseDate(String text) {
        String s = text.trim();
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeException ignored) {
            // next form
        }
        try {
            return LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeException ignored) {
            // next form
        }
        try {
            return ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeException ignored) {
            return null;
        }
    }
}
