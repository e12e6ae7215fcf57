package org.hubkit.auth.oauth.internal;

import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reading claims by name or dotted path ({@code realm_access.roles}), and making them plain JSON for the auth state. */
final class Claims {
    private Claims() {
    }

    /** @return the value at a claim name, else at its dotted path */
    static Object at(Map<String, Object> claims, String path) {
        if (claims.containsKey(path)) {
            return claims.get(path);
        }
        Object at = claims;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> m)) {
                return null;
            }
            at = m.get(part);
        }
        return at;
    }

    static Optional<String> string(Map<String, Object> claims, String path) {
        return at(claims, path) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** @return a list of strings, or one string, as a set; anything else is no groups */
    static Set<String> strings(Map<String, Object> claims, String path) {
        Object v = at(claims, path);
        Set<String> out = new LinkedHashSet<>();
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof Collection<?> c) {
            c.stream().filter(String.class::isInstance).map(String.class::cast).forEach(out::add);
        }
        return out;
    }

    /** Dates (Nimbus's exp, iat) become epoch seconds; lists and maps are copied through. */
    static Map<String, Object> json(Map<String, Object> claims) {
        Map<String, Object> out = new LinkedHashMap<>();
        claims.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object value(Object v) {
        if (v instanceof Date d) {
            return d.getTime() / 1000;
        }
        if (v instanceof Map<?, ?> m) {
            return json((Map<String, Object>) m);
        }
        if (v instanceof Collection<?> c) {
            return c.stream().map(Claims::value).toList();
        }
        return v instanceof String || v instanceof Number || v instanceof Boolean || v == null ? v : String.valueOf(v);
    }

    static List<String> list(Object o) {
        return o instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : List.of();
    }
}
