package org.hubkit.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Defensive copies that keep JSON nulls. {@code Map.copyOf} throws on a null value, but a user's
 * spawn options and an authenticator's auth state are JSON objects, where {@code null} is a
 * normal value (JupyterHub accepts it).
 */
final class Copies {
    private Copies() {
    }

    /** @return an unmodifiable copy in the same order, nulls kept; empty for {@code null} */
    static <V> Map<String, V> jsonObject(Map<String, V> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
