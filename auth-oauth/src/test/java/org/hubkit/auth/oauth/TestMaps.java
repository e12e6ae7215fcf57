package org.hubkit.auth.oauth;

import java.util.Map;

/** Casts for JSON-like values in assertions. */
final class TestMaps {
    private TestMaps() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
