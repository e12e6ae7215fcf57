package org.hubkit.docker;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.ConfigNode;

/**
 * A {@link ConfigNode} over maps and lists, as a YAML parser gives them, for the factory's
 * tests: type checks, problems under dotted keys, and unknown keys ({@link #unknownKeys()}).
 * Only what the Docker factory reads is implemented faithfully; {@link #url} and {@link #path}
 * are not used by it.
 */
final class MapConfigNode implements ConfigNode {
    private final String path;
    private final Map<String, Object> values;
    private final List<String> problems;
    private final Set<String> read = new LinkedHashSet<>();
    private final List<MapConfigNode> children = new ArrayList<>();

    MapConfigNode(Map<String, ?> values) {
        this("", values, new ArrayList<>());
    }

    private MapConfigNode(String path, Map<String, ?> values, List<String> problems) {
        this.path = path;
        this.values = new LinkedHashMap<>(values);
        this.problems = problems;
    }

    /** @return every problem, {@code key: message}, with unknown keys last */
    List<String> problems() {
        List<String> all = new ArrayList<>(problems);
        all.addAll(unknownKeys().stream().map(k -> k + ": unknown key").toList());
        return all;
    }

    /** @return the keys of this mapping that were read */
    Set<String> readKeys() {
        return read;
    }

    List<String> unknownKeys() {
        List<String> out = new ArrayList<>();
        values.keySet().stream().filter(k -> !read.contains(k)).map(this::key).forEach(out::add);
        children.forEach(c -> out.addAll(c.unknownKeys()));
        return out;
    }

    @Override
    public String key() {
        return path;
    }

    @Override
    public String key(String name) {
        return path.isEmpty() ? name : name.startsWith("[") ? path + name : path + "." + name;
    }

    @Override
    public boolean has(String name) {
        return get(name) != null;
    }

    private Object get(String name) {
        read.add(name);
        return values.get(name);
    }

    private <T> T typed(String name, Class<T> type, String expected, T defaultValue) {
        Object v = get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!type.isInstance(v)) {
            problem(name, "must be " + expected + "; got " + v.getClass().getSimpleName());
            return defaultValue;
        }
        return type.cast(v);
    }

    @Override
    public String string(String name, String defaultValue) {
        return typed(name, String.class, "a string", defaultValue);
    }

    @Override
    public String secret(String name, String defaultValue) {
        return string(name, defaultValue);
    }

    @Override
    public int integer(String name, int defaultValue, int min, int max) {
        Integer v = typed(name, Integer.class, "an integer", null);
        if (v != null && (v < min || v > max)) {
            problem(name, "must be from " + min + " to " + max);
            return defaultValue;
        }
        return v == null ? defaultValue : v;
    }

    @Override
    public boolean bool(String name, boolean defaultValue) {
        return typed(name, Boolean.class, "true or false", defaultValue);
    }

    @Override
    public Duration seconds(String name, Duration defaultValue) {
        Number n = typed(name, Number.class, "a number of seconds", null);
        return n == null ? defaultValue : Duration.ofMillis(Math.round(n.doubleValue() * 1000));
    }

    @Override
    public List<String> strings(String name) {
        List<?> list = typed(name, List.class, "a list of strings", List.of());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof String s) {
                out.add(s);
            } else {
                problem(name + "[" + i + "]", "must be a string");
            }
        }
        return out;
    }

    @Override
    public List<String> command(String name, List<String> defaultValue) {
        Object v = values.get(name);
        if (v instanceof String s) {
            read.add(name);
            return List.of(s.split(" "));
        }
        return has(name) ? strings(name) : defaultValue;
    }

    @Override
    public Map<String, String> stringMap(String name) {
        Map<?, ?> map = typed(name, Map.class, "a mapping of names to strings", Map.of());
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (v instanceof String s) {
                out.put((String) k, s);
            } else {
                problem(name + "." + k, "must be a string");
            }
        });
        return out;
    }

    @Override
    public Path path(String name, Path defaultValue) {
        String s = string(name, null);
        return s == null ? defaultValue : Path.of(s);
    }

    @Override
    public URI url(String name, URI defaultValue) {
        String s = string(name, null);
        return s == null ? defaultValue : URI.create(s);
    }

    @Override
    public String oneOf(String name, String defaultValue, List<String> allowed) {
        String s = string(name, null);
        if (s != null && !allowed.contains(s)) {
            problem(name, "must be one of " + allowed + "; got '" + s + "'");
            return defaultValue;
        }
        return s == null ? defaultValue : s;
    }

    @Override
    public Object value(String name) {
        return plain(get(name));
    }

    /** What the reference server's reader gives: Long for every integer, Double for other numbers, unmodifiable lists and mappings. */
    private static Object plain(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        } else if (v instanceof Number n && !(v instanceof BigInteger)) {
            return n.doubleValue();
        } else if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(e -> out.add(plain(e)));
            return Collections.unmodifiableList(out);
        } else if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, e) -> out.put(String.valueOf(k), plain(e)));
            return Collections.unmodifiableMap(out);
        }
        return v;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ConfigNode node(String name) {
        Map<String, ?> map = typed(name, Map.class, "a mapping", Map.of());
        MapConfigNode child = new MapConfigNode(key(name), map, problems);
        children.add(child);
        return child;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<ConfigNode> nodes(String name) {
        List<?> list = typed(name, List.class, "a list of mappings", List.of());
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof Map<?, ?> m) {
                MapConfigNode child = new MapConfigNode(key(name + "[" + i + "]"), (Map<String, ?>) m, problems);
                children.add(child);
                out.add(child);
            } else {
                problem(name + "[" + i + "]", "must be a mapping");
            }
        }
        return out;
    }

    @Override
    public void problem(String name, String message) {
        problems.add((name.isEmpty() ? path : key(name)) + ": " + message);
    }
}
