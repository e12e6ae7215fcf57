package org.hubkit.docker.internal.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigNode;

/**
 * Shape checks for values read with {@link ConfigNode#value}: each takes the value and the key
 * (a path below the node, {@code volumes./data}) it came from, reports a wrong shape there and
 * returns {@code null} for it, so that the factory reads on.
 */
final class Shapes {
    private Shapes() {
    }

    /** What a value is, for messages: {@code a string ('x')}, {@code an integer (2)}, {@code a list}. */
    static String describe(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof List) {
            return "a list";
        } else if (v instanceof Map) {
            return "a mapping";
        }
        String kind = v instanceof String ? "a string" : v instanceof Long || v instanceof BigInteger ? "an integer"
                : v instanceof Number ? "a number" : v instanceof Boolean ? "a boolean" : "a value";
        String text = v.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return kind + " (" + (v instanceof String ? "'" + text + "'" : text) + ")";
    }

    /**
     * @return the mapping, or {@code null} (a problem unless {@code v} is null)
     */
    static Map<String, Object> mapping(ConfigNode node, String key, Object v, String expected) {
        if (v instanceof Map<?, ?> m) {
            return cast(m);
        }
        if (v != null) {
            node.problem(key, "must be " + expected + "; got " + describe(v));
        }
        return null;
    }

    /** @return a mapping {@link ConfigNode#value} gave, whose keys are strings */
    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /**
     * @return the strings of a list, not blank, each wrong entry a problem at {@code key[i]}; empty for null;
     *         {@code null} when anything is wrong
     */
    static List<String> strings(ConfigNode node, String key, Object v, String expected) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            node.problem(key, "must be " + expected + "; got " + describe(v));
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof String s && !s.isBlank()) {
                out.add(s);
            } else {
                node.problem(key + "[" + i + "]", "must be a non-empty string; got " + describe(list.get(i)));
                ok = false;
            }
        }
        return ok ? List.copyOf(out) : null;
    }

    /**
     * A string, or a number written as one ({@code 2}, {@code 1.5}: {@code cpuLimit: 1.5} means {@code "1.5"}).
     *
     * @return the text, {@code null} for null or (a problem) any other value
     */
    static String text(ConfigNode node, String key, Object v, String expected) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return v.toString();
        }
        if (v instanceof Double d && Double.isFinite(d)) {
            return BigDecimal.valueOf(d).toPlainString();
        }
        node.problem(key, "must be " + expected + "; got " + describe(v));
        return null;
    }

    /** Reports every key of {@code m} that is not one of {@code allowed}, at {@code key.name}. */
    static void unknownKeys(ConfigNode node, String key, Map<String, Object> m, List<String> allowed) {
        m.keySet().stream().filter(k -> !allowed.contains(k))
                .forEach(k -> node.problem(key + "." + k, "unknown key; expected " + orList(allowed)));
    }

    /** @return {@code a}, {@code a or b}, {@code a, b or c} */
    static String orList(List<String> words) {
        return words.size() <= 1 ? String.join("", words)
                : String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }
}
