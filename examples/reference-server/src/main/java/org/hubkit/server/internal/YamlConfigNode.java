package org.hubkit.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.ConfigException.Problem;
import org.hubkit.api.ConfigNode;

/**
 * A {@link ConfigNode} over one mapping of the parsed YAML: every problem goes to the reader's
 * shared list under the key's full path; every key asked for is remembered (to tell unknown keys
 * apart) with the value it gave (for {@link org.hubkit.server.ServerConfig.Component#values()}).
 * One reader, one thread.
 */
public final class YamlConfigNode implements ConfigNode {
    /** A day's worth of seconds times 365: longer durations are surely a mistake (and would overflow). */
    static final double MAX_SECONDS = 365 * 24 * 3600.0;

    private final String path;
    private final JsonNode node;
    private final List<Problem> problems;
    private final Set<String> read = new LinkedHashSet<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Set<String> secrets = new HashSet<>();
    private final Map<String, YamlConfigNode> children = new LinkedHashMap<>();
    /** What was found instead of a mapping, reported once the keys it should have held are known. */
    private String notAMapping;

    /**
     * @param path the node's dotted path, {@code ""} for the root
     * @param node the mapping; anything else (absent, null) is read as an empty one
     * @param problems where problems go
     */
    public YamlConfigNode(String path, JsonNode node, List<Problem> problems) {
        this.path = path;
        this.node = node == null || !node.isObject() ? MissingNode.getInstance() : node;
        this.problems = problems;
    }

    /** @return the mapping read (empty when absent) */
    JsonNode json() {
        return node;
    }

    @Override
    public String key() {
        return path;
    }

    @Override
    public String key(String name) {
        return new Problem(name, "").under(path).key();
    }

    /** @return the keys asked for, in the order they were first asked for */
    public Set<String> read() {
        return Collections.unmodifiableSet(read);
    }

    /** @return the keys present in the file, in file order */
    List<String> present() {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** @return the nested mappings asked for with {@link #node} and {@link #nodes}, by key */
    Map<String, YamlConfigNode> children() {
        return children;
    }

    /** @return what was found where a mapping was expected, or {@code null} */
    String notAMapping() {
        return notAMapping;
    }

    /** @return every value read here and below (dotted keys), defaults applied, in the order read */
    Map<String, Object> values() {
        Map<String, Object> all = new LinkedHashMap<>(values);
        children.forEach((name, child) -> child.values().forEach((k, v) -> all.put(new Problem(k, "").under(name).key(), v)));
        return all;
    }

    /** @return the keys of {@link #values()} that are secrets */
    Set<String> secrets() {
        Set<String> all = new HashSet<>(secrets);
        children.forEach((name, child) -> child.secrets().forEach(k -> all.add(new Problem(k, "").under(name).key())));
        return all;
    }

    @Override
    public void problem(String name, String message) {
        problems.add(new Problem(key(name), message));
    }

    @Override
    public boolean has(String name) {
        read.add(name);
        return json(name) != null;
    }

    /** @return the value, or {@code null} when absent or written as YAML null (then the default applies) */
    JsonNode json(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private <T> T keep(String name, T value) {
        values.put(name, value);
        return value;
    }

    private void wrongType(String name, String expected, JsonNode v, boolean secret) {
        String hint = expected.equals("a string") && (v.isNumber() || v.isBoolean()) ? " (put it in quotes)" : "";
        problem(name, "must be " + expected + hint + "; got " + describe(v, secret));
    }

    @Override
    public String string(String name, String defaultValue) {
        return keep(name, text(name, defaultValue, false));
    }

    @Override
    public String secret(String name, String defaultValue) {
        secrets.add(name);
        return keep(name, text(name, defaultValue, true));
    }

    private String text(String name, String defaultValue, boolean secret) {
        JsonNode v = json(name);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            wrongType(name, "a string", v, secret);
            return defaultValue;
        }
        return v.textValue();
    }

    /**
     * @param name a key
     * @param defaultValue returned when absent or invalid
     * @return an IP address or host name: not blank, no whitespace, no slash
     */
    public String host(String name, String defaultValue) {
        String s = text(name, null, false);
        if (s != null && (s.isBlank() || s.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/'))) {
            problem(name, "must be an IP address or host name, such as 127.0.0.1 or 0.0.0.0; got '" + s + "'");
            s = null;
        }
        return keep(name, s == null ? defaultValue : s);
    }

    /**
     * @param name a key
     * @return a {@code jdbc:h2:} or {@code jdbc:postgresql:} URL, never echoed (it may hold a password); {@code null} when absent
     */
    public String jdbcUrl(String name) {
        String s = text(name, null, true);
        if (s != null && !s.startsWith("jdbc:h2:") && !s.startsWith("jdbc:postgresql:")) {
            problem(name, "must be a jdbc:h2: or jdbc:postgresql: URL");
            s = null;
        }
        return keep(name, s);
    }

    @Override
    public int integer(String name, int defaultValue, int min, int max) {
        JsonNode v = json(name);
        int result = defaultValue;
        String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
        if (v != null && !v.isIntegralNumber()) {
            wrongType(name, "an integer " + range, v, false);
        } else if (v != null && (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max)) {
            problem(name, "must be " + range + "; got " + v.asText());
        } else if (v != null) {
            result = v.intValue();
        }
        return keep(name, result);
    }

    @Override
    public boolean bool(String name, boolean defaultValue) {
        JsonNode v = json(name);
        boolean result = defaultValue;
        if (v != null && !v.isBoolean()) {
            wrongType(name, "true or false", v, false);
        } else if (v != null) {
            result = v.booleanValue();
        }
        return keep(name, result);
    }

    @Override
    public Duration seconds(String name, Duration defaultValue) {
        JsonNode v = json(name);
        Duration result = defaultValue;
        if (v != null && !v.isNumber()) {
            wrongType(name, "a number of seconds", v, false);
        } else if (v != null) {
            double s = v.doubleValue();
            long millis = Math.round(s * 1000);
            if (!(s > 0) || millis < 1 || s > MAX_SECONDS) {
                problem(name, "must be a positive number of seconds (at most " + (long) MAX_SECONDS + "); got " + v.asText());
            } else {
                result = Duration.ofMillis(millis);
            }
        }
        return keep(name, result);
    }

    @Override
    public List<String> strings(String name) {
        return keep(name, stringList(name, json(name)));
    }

    private List<String> stringList(String name, JsonNode v) {
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            wrongType(name, "a list of strings", v, false);
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                String hint = e.isNumber() || e.isBoolean() ? " (put it in quotes)" : "";
                problem(name + "[" + i + "]", "must be a string" + hint + "; got " + describe(e, false));
            } else {
                out.add(e.textValue());
            }
        }
        return List.copyOf(out);
    }

    @Override
    public List<String> command(String name, List<String> defaultValue) {
        JsonNode v = json(name);
        if (v == null) {
            return keep(name, defaultValue);
        }
        List<String> cmd;
        if (v.isTextual()) {
            try {
                cmd = ShellWords.split(v.textValue());
            } catch (IllegalArgumentException e) {
                problem(name, e.getMessage());
                return keep(name, defaultValue);
            }
        } else if (v.isArray()) {
            int before = problems.size();
            cmd = stringList(name, v);
            if (problems.size() > before) {
                return keep(name, defaultValue);
            }
        } else {
            wrongType(name, "a string or a list of strings", v, false);
            return keep(name, defaultValue);
        }
        if (cmd.isEmpty() || cmd.get(0).isBlank()) {
            problem(name, "must name a command");
            return keep(name, defaultValue);
        }
        return keep(name, List.copyOf(cmd));
    }

    @Override
    public Map<String, String> stringMap(String name) {
        JsonNode v = json(name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v != null && !v.isObject()) {
            wrongType(name, "a mapping of names to strings", v, false);
        } else if (v != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode value = e.getValue();
                if (!value.isTextual()) {
                    String hint = value.isNumber() || value.isBoolean() ? " (put it in quotes)" : "";
                    problem(name + "." + e.getKey(), "must be a string" + hint + "; got " + describe(value, false));
                } else {
                    out.put(e.getKey(), value.textValue());
                }
            }
        }
        return keep(name, Collections.unmodifiableMap(out));
    }

    @Override
    public Path path(String name, Path defaultValue) {
        String s = text(name, null, false);
        Path result = defaultValue;
        if (s != null && s.isBlank()) {
            problem(name, "must be a path; got an empty string");
        } else if (s != null) {
            try {
                result = Path.of(s);
            } catch (InvalidPathException e) {
                problem(name, "not a valid path (" + e.getReason() + ")");
            }
        }
        return keep(name, result);
    }

    @Override
    public URI url(String name, URI defaultValue) {
        String s = text(name, null, false);
        if (s == null) {
            return keep(name, defaultValue);
        }
        String problem = null;
        URI u = null;
        try {
            u = new URI(s);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                problem = "must start with http:// or https://";
            } else if (u.getHost() == null) {
                problem = "must name a host";
            } else if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                problem = "must not have a query, fragment or user info";
            }
        } catch (URISyntaxException e) {
            problem = "not a valid URL (" + e.getReason() + ")";
        }
        if (problem != null) {
            problem(name, problem + "; got '" + s + "'");
            return keep(name, defaultValue);
        }
        return keep(name, u);
    }

    @Override
    public String oneOf(String name, String defaultValue, List<String> allowed) {
        String s = text(name, null, false);
        if (s != null && !allowed.contains(s)) {
            problem(name, "must be " + orList(allowed) + "; got '" + s + "'");
            s = null;
        }
        return keep(name, s == null ? defaultValue : s);
    }

    @Override
    public Object value(String name) {
        JsonNode v = json(name);
        return keep(name, v == null ? null : plain(v));
    }

    /** The Java form {@link ConfigNode#value} promises: String, Boolean, Long (BigInteger), Double, lists and mappings of these. */
    static Object plain(JsonNode v) {
        if (v.isNull() || v.isMissingNode()) {
            return null;
        } else if (v.isBoolean()) {
            return v.booleanValue();
        } else if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.longValue() : v.bigIntegerValue();
        } else if (v.isNumber()) {
            return v.doubleValue();
        } else if (v.isArray()) {
            List<Object> out = new ArrayList<>(v.size());
            v.forEach(e -> out.add(plain(e)));
            return Collections.unmodifiableList(out);
        } else if (v.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            v.fields().forEachRemaining(e -> out.put(e.getKey(), plain(e.getValue())));
            return Collections.unmodifiableMap(out);
        }
        return v.asText();
    }

    @Override
    public YamlConfigNode node(String name) {
        JsonNode v = json(name);
        YamlConfigNode child = new YamlConfigNode(key(name), v, problems);
        if (v != null && !v.isObject()) {
            child.notAMapping = describe(v, false);
        }
        children.put(name, child);
        return child;
    }

    @Override
    public List<ConfigNode> nodes(String name) {
        JsonNode v = json(name);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            wrongType(name, "a list of mappings", v, false);
            return List.of();
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String entry = name + "[" + i + "]";
            if (!v.get(i).isObject()) {
                problem(entry, "must be a mapping; got " + describe(v.get(i), false));
                continue;
            }
            YamlConfigNode child = new YamlConfigNode(key(entry), v.get(i), problems);
            children.put(entry, child);
            out.add(child);
        }
        return out;
    }

    /** @return {@code a}, {@code a or b}, {@code a, b or c} */
    static String orList(List<String> words) {
        if (words.size() <= 1) {
            return String.join("", words);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }

    /** What a value is, for messages; the value itself only when it is a short, non-secret scalar. */
    static String describe(JsonNode v, boolean secret) {
        String kind;
        if (v.isTextual()) {
            kind = "a string";
        } else if (v.isIntegralNumber()) {
            kind = "an integer";
        } else if (v.isNumber()) {
            kind = "a number";
        } else if (v.isBoolean()) {
            kind = "a boolean";
        } else if (v.isArray()) {
            return "a list";
        } else if (v.isObject()) {
            return "a mapping";
        } else {
            return "null";
        }
        if (secret) {
            return kind;
        }
        String text = v.asText();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return kind + " (" + (v.isTextual() ? "'" + text + "'" : text) + ")";
    }
}
