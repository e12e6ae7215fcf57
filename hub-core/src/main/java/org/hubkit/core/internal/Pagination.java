package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One page of a list endpoint ({@code GET /users}, {@code /groups}, {@code /proxy}), as
 * JupyterHub 2.0 and later page them ({@code APIHandler.get_api_pagination} and
 * {@code paginated_model}):
 *
 * <ul>
 *   <li>a client that sends {@code Accept: application/jupyterhub-pagination+json} gets
 *       {@code {"items": ..., "_pagination": {"offset", "limit", "total", "next"}}}, where
 *       {@code next} is null on the last page, else {@code {"offset", "limit", "url"}} and the URL
 *       is the request's own with {@code offset} and {@code limit} replaced. Any other client gets
 *       the items alone (a list, or for the proxy an object), as before pagination existed;</li>
 *   <li>{@code limit} defaults to the hub's {@code apiPageDefaultLimit} for clients that page and to
 *       {@code apiPageMaxLimit} for those that do not (so that they miss as little as possible);</li>
 *   <li>{@code offset} and {@code limit} are whole numbers whose sign is dropped; a limit above the
 *       maximum is the maximum, below 1 it is 1; an offset past the end is an empty page. Anything
 *       that is not a whole number is a 400.</li>
 * </ul>
 *
 * <p>Where JupyterHub reads {@code Accept} as a comma-separated list of exact media types, this
 * also accepts the type with parameters ({@code ;q=1}). Immutable.
 */
final class Pagination {
    /** The media type a client asks for pages with (JupyterHub's {@code PAGINATION_MEDIA_TYPE}). */
    static final String MEDIA_TYPE = "application/jupyterhub-pagination+json";
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final long offset;
    private final int limit;
    private final boolean paged;

    private Pagination(long offset, int limit, boolean paged) {
        this.offset = offset;
        this.limit = limit;
        this.paged = paged;
    }

    /**
     * @param req the list request
     * @param settings the hub's page limits
     * @throws ApiError 400 when {@code offset} or {@code limit} is not a whole number
     */
    static Pagination of(HttpServletRequest req, Settings settings) {
        boolean paged = accepts(req.getHeader("Accept"));
        int max = settings.apiPageMaxLimit();
        long offset = number(req, "offset", 0);
        long limit = Math.max(1, Math.min(number(req, "limit", paged ? settings.apiPageDefaultLimit() : max), max));
        return new Pagination(offset, (int) limit, paged);
    }

    /** Whether an {@code Accept} header names the pagination media type. */
    static boolean accepts(String accept) {
        if (accept == null) {
            return false;
        }
        for (String type : accept.split(",")) {
            int semicolon = type.indexOf(';');
            String bare = (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
            if (bare.equals(MEDIA_TYPE)) {
                return true;
            }
        }
        return false;
    }

    /** The absolute value of a whole-number parameter (its last value, as Tornado's {@code get_argument}). */
    private static long number(HttpServletRequest req, String name, long dflt) {
        String[] values = req.getParameterValues(name);
        if (values == null || values.length == 0) {
            return dflt;
        }
        String v = values[values.length - 1].strip();
        if (!WHOLE_NUMBER.matcher(v).matches()) {
            throw new ApiError(400, "Invalid argument type, offset and limit must be integers");
        }
        // Any length of digits: past a long it is "further than any list", not an error.
        return new BigInteger(v).abs().min(LONG_MAX).longValueExact();
    }

    long offset() {
        return offset;
    }

    int limit() {
        return limit;
    }

    /** Whether the client asked for pages (and gets the {@code items}/{@code _pagination} shape). */
    boolean paged() {
        return paged;
    }

    /** The elements of {@code all} (in its order) that are on this page. */
    <T> List<T> slice(List<T> all) {
        if (offset >= all.size()) {
            return List.of();
        }
        int from = (int) offset;
        return all.subList(from, (int) Math.min(all.size(), (long) from + limit));
    }

    /**
     * The answer's body.
     *
     * @param req the request, whose URL the next page's is built from
     * @param items this page's items: a list, or an object keyed by name
     * @param total how many items all pages hold together
     */
    Object body(HttpServletRequest req, Object items, long total) {
        if (!paged) {
            return items;
        }
        Map<String, Object> pagination = new LinkedHashMap<>();
        pagination.put("offset", offset);
        pagination.put("limit", limit);
        pagination.put("total", total);
        // offset + limit < total, without overflow for an offset near Long.MAX_VALUE
        if (offset < total - limit) {
            long next = offset + limit;
            Map<String, Object> nextPage = new LinkedHashMap<>();
            nextPage.put("offset", next);
            nextPage.put("limit", limit);
            nextPage.put("url", url(req, next, limit));
            pagination.put("next", nextPage);
        } else {
            pagination.put("next", null);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("_pagination", pagination);
        return body;
    }

    /**
     * The request's URL as the client sent it (its scheme, as the proxy saw it, from
     * {@code X-Forwarded-Proto}; its {@code Host}), with every query parameter kept but blank ones,
     * in order, and {@code offset} and {@code limit} set: JupyterHub's {@code next.url}. A client
     * that reached the hub's own port is sent there again, one that came through the proxy goes
     * back through it.
     */
    static String url(HttpServletRequest req, long offset, int limit) {
        StringBuilder base = new StringBuilder(req.getRequestURL());
        String proto = req.getHeader("X-Forwarded-Proto");
        if (proto != null) {
            String first = proto.split(",")[0].strip().toLowerCase(Locale.ROOT);
            if ((first.equals("http") || first.equals("https")) && !first.equals(req.getScheme())) {
                base.replace(0, req.getScheme().length(), first);
            }
        }
        Map<String, List<String>> query = new LinkedHashMap<>();
        String raw = req.getQueryString();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (!name.isEmpty() && !value.isEmpty()) {
                    query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
        }
        query.put("offset", List.of(Long.toString(offset)));
        query.put("limit", List.of(Integer.toString(limit)));
        StringBuilder q = new StringBuilder();
        for (var e : query.entrySet()) {
            for (String value : e.getValue()) {
                q.append(q.length() == 0 ? "" : "&").append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
        return base.append('?').append(q).toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return ""; // a bad %-escape: left out of the next URL, as a blank value is
        }
    }
}
