package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every API resource does with a request: read its JSON body, check its method and the
 * caller's scopes, and answer a missing scope as JupyterHub does. Stateless.
 */
final class ApiRequest {
    static final Logger LOG = LoggerFactory.getLogger(ApiRequest.class);

    private ApiRequest() {
    }

    static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "Method not allowed");
        }
    }

    static void requireScope(Caller c, String scope) {
        if (!c.has(scope)) {
            throw new ApiError(403, "Action is not authorized with current scopes; requires any of [" + scope + "]");
        }
    }

    /** Reads JSON bodies whole: {@code {"a": 1} trailing} is malformed, not {@code {"a": 1}}. */
    private static final com.fasterxml.jackson.databind.ObjectReader BODY_READER = Json.MAPPER.readerFor(Object.class)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The JSON object of the body, which {@link BodyReader} has read already (at most its limit). */
    static Map<String, Object> body(HttpServletRequest req) throws IOException {
        byte[] bytes = req.getInputStream().readAllBytes();
        if (bytes.length == 0) {
            return Map.of();
        }
        Object parsed = BODY_READER.readValue(bytes);
        if (parsed == null) {
            return Map.of();
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new ApiError(400, "Request body must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
    }

    /**
     * JupyterHub's answer to a missing per-resource scope: 404 when the caller holds the scope
     * for other resources only (so existence does not leak), 403 when it does not hold it at all.
     */
    static ApiError forbidden(Caller c, String scope) {
        if (c.scopes().stream().anyMatch(s -> s.startsWith(scope + "!"))) {
            return new ApiError(404, "No access to resources or resources not found");
        }
        return new ApiError(403, "Action is not authorized with current scopes; requires any of [" + scope + "]");
    }

    static UserState needUser(HubEngine engine, UserState u, String name, Caller c, String scope) {
        if (!c.hasForUser(scope, name, engine)) {
            throw forbidden(c, scope);
        }
        if (u == null) {
            throw new ApiError(404, "No such user: " + name);
        }
        return u;
    }

    /** JupyterHub's warning for a client that does not page and gets less than everything. */
    static void warnIfTruncated(Pagination page, int shown, int total, String what) {
        if (!page.paged() && page.offset() == 0 && shown < total) {
            LOG.warn("Truncated {} list in a request that does not ask for pages: {} of {} (Accept: {} pages through all)",
                    what, shown, total, Pagination.MEDIA_TYPE);
        }
    }
}
