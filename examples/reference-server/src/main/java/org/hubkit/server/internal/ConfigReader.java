package org.hubkit.server.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.hubkit.api.ConfigException;
import org.hubkit.api.InvalidUsernameException;
import org.hubkit.api.Usernames;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.server.ServerConfig;
import org.hubkit.server.ServerConfig.AuthSection;
import org.hubkit.server.ServerConfig.AuthType;
import org.hubkit.server.ServerConfig.HubSection;
import org.hubkit.server.ServerConfig.ProxySection;
import org.hubkit.server.ServerConfig.ServiceEntry;
import org.hubkit.server.ServerConfig.SpawnerSection;
import org.hubkit.server.ServerConfig.SpawnerType;

/**
 * Turns a YAML document into a {@link ServerConfig}, checking every key and value and collecting
 * every problem (each starting with its dotted key path) before it throws one
 * {@link ConfigException}. One reader per document; not thread-safe.
 */
public final class ConfigReader {
    /** The keys of each mapping, in the order the README lists them. */
    static final List<String> ROOT_KEYS = List.of("hub", "proxy", "auth", "spawner", "services");
    static final List<String> HUB_KEYS = List.of("ip", "port", "dataDir", "db", "publicUrl", "connectUrl",
            "concurrentSpawnLimit", "activeServerLimit", "pollInterval", "cleanupServers");
    static final List<String> PROXY_KEYS = List.of("ip", "port", "type", "command", "apiUrl", "authToken");
    static final List<String> AUTH_KEYS = List.of("type", "password", "adminPassword", "adminUsers", "allowedUsers",
            "blockedUsers", "allowAll");
    static final List<String> SPAWNER_KEYS = List.of("type", "cmd", "args", "startTimeout", "httpTimeout", "environment",
            "isolation", "systemUserTemplate", "createSystemUsers");
    static final List<String> SERVICE_KEYS = List.of("name", "apiToken", "admin");
    private static final Map<String, List<String>> SECTIONS = sections();

    /** A day's worth of seconds times 365: longer durations are surely a mistake (and would overflow). */
    private static final double MAX_SECONDS = 365 * 24 * 3600.0;

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final List<String> problems = new ArrayList<>();

    private ConfigReader() {
    }

    private static Map<String, List<String>> sections() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("hub", HUB_KEYS);
        m.put("proxy", PROXY_KEYS);
        m.put("auth", AUTH_KEYS);
        m.put("spawner", SPAWNER_KEYS);
        m.put("services[]", SERVICE_KEYS);
        return m;
    }

    /** @return every key a file may hold, dotted ({@code hub.port}; {@code services[].name} for list entries) */
    public static List<String> allKeys() {
        List<String> all = new ArrayList<>();
        SECTIONS.forEach((section, keys) -> keys.forEach(k -> all.add(section + "." + k)));
        return all;
    }

    /**
     * @param text the YAML document
     * @param source what to call the document in messages (its file name)
     * @return the configuration
     * @throws ConfigException listing every problem
     */
    public static ServerConfig read(String text, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw ConfigException.of(source, "not valid YAML" + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        }
        ConfigReader reader = new ConfigReader();
        ServerConfig config = reader.config(root == null ? MissingNode.getInstance() : root, source);
        if (!reader.problems.isEmpty()) {
            throw new ConfigException(reader.problems);
        }
        return config;
    }

    private static String where(JsonLocation at) {
        if (at == null || at.getLineNr() < 1) {
            return "";
        }
        return " at line " + at.getLineNr() + (at.getColumnNr() > 0 ? ", column " + at.getColumnNr() : "");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        String line = message.strip().lines().findFirst().orElse("unreadable");
        return line.replace("Duplicate field", "duplicate key");
    }

    private ServerConfig config(JsonNode root, String source) {
        if (!root.isMissingNode() && !root.isNull() && !root.isObject()) {
            problems.add(source + ": must be a mapping with the sections " + String.join(", ", ROOT_KEYS) + "; got "
                    + describe(root, false));
            root = MissingNode.getInstance();
        }
        Mapping top = new Mapping("", root, ROOT_KEYS);
        top.rejectUnknown();

        Mapping p = top.section("proxy", PROXY_KEYS);
        String proxyIp = p.host("ip", "127.0.0.1");
        int proxyPort = p.integer("port", 8000, 1, 65535);
        ProxySection proxy = proxy(p, proxyIp, proxyPort);

        Mapping h = top.section("hub", HUB_KEYS);
        String hubIp = h.host("ip", "127.0.0.1");
        int hubPort = h.integer("port", 8081, 0, 65535);
        Path dataDir = h.path("dataDir", Path.of("hubkit-data"));
        String db = h.jdbcUrl("db");
        String proxyHost = isWildcard(proxyIp) ? "127.0.0.1" : proxyIp;
        URI defaultPublic = URI.create("http://" + (proxyHost.contains(":") ? "[" + proxyHost + "]" : proxyHost) + ":" + proxyPort);
        URI publicUrl = h.url("publicUrl", defaultPublic);
        URI connectUrl = h.url("connectUrl", null);
        int spawnLimit = h.integer("concurrentSpawnLimit", 100, 0, Integer.MAX_VALUE);
        int activeLimit = h.integer("activeServerLimit", 0, 0, Integer.MAX_VALUE);
        Duration pollInterval = h.seconds("pollInterval", Duration.ofSeconds(30));
        // Unlike JupyterHub's default: restarting or upgrading the hub should not kill users' kernels.
        boolean cleanupServers = h.bool("cleanupServers", false);
        h.rejectUnknown();
        if (hubPort != 0 && hubPort == proxyPort && (hubIp.equals(proxyIp) || isWildcard(hubIp) || isWildcard(proxyIp))) {
            problems.add(h.key("port") + ": must differ from proxy.port (both are " + hubPort + ")");
        }
        if (proxy.apiUrl() != null && proxy.command() != null && hubPort != 0 && proxy.apiUrl().getPort() == hubPort) {
            problems.add("proxy.apiUrl: port " + hubPort + " is also hub.port; the proxy started by the hub could not bind it"
                    + " (its default is proxy.port + 1)");
        }
        HubSection hub = new HubSection(hubIp, hubPort, dataDir, db, publicUrl, connectUrl, spawnLimit, activeLimit, pollInterval,
                cleanupServers);

        AuthSection auth = auth(top.section("auth", AUTH_KEYS));
        SpawnerSection spawner = spawner(top.section("spawner", SPAWNER_KEYS));
        List<ServiceEntry> services = services(top);
        return new ServerConfig(hub, proxy, auth, spawner, services);
    }

    private static boolean isWildcard(String ip) {
        return ip.equals("0.0.0.0") || ip.equals("::") || ip.equals("[::]");
    }

    private ProxySection proxy(Mapping p, String ip, int port) {
        ServerConfig.ProxyType type = p.choice("type", ServerConfig.ProxyType.values(), ServerConfig.ProxyType::key,
                ServerConfig.ProxyType.NETTY);
        List<String> command = p.command("command", null);
        URI apiUrl = p.url("apiUrl", null);
        String token = p.string("authToken", null, true);
        if (type == ServerConfig.ProxyType.NETTY) {
            for (String k : List.of("command", "apiUrl", "authToken")) {
                if (p.value(k) != null) {
                    problems.add(p.key(k) + ": only used with proxy.type chp");
                }
            }
            p.rejectUnknown();
            return new ProxySection(ip, port);
        }
        if (apiUrl == null) {
            apiUrl = URI.create("http://127.0.0.1:" + (port == 65535 ? 65534 : port + 1));
        }
        if (token == null) {
            token = System.getenv("CONFIGPROXY_AUTH_TOKEN");
        }
        if (token == null && command != null) {
            token = SharedPassword.generate();
        }
        if (token == null) {
            problems.add(p.key("authToken") + ": required for a proxy started elsewhere (or set CONFIGPROXY_AUTH_TOKEN)");
        }
        p.rejectUnknown();
        return new ProxySection(ip, port, type, command, apiUrl, token);
    }

    private AuthSection auth(Mapping a) {
        AuthType type = a.choice("type", AuthType.values(), AuthType::key, AuthType.SHARED_PASSWORD);
        String password = a.string("password", null, true);
        String adminPassword = a.string("adminPassword", null, true);
        if (password != null) {
            if (type == AuthType.SHARED_PASSWORD && password.length() < 8) {
                problems.add(a.key("password") + ": must be at least 8 characters");
            } else if (password.isEmpty()) {
                problems.add(a.key("password") + ": must not be empty (leave it out to accept any password)");
            }
        }
        if (adminPassword != null) {
            if (type != AuthType.SHARED_PASSWORD) {
                problems.add(a.key("adminPassword") + ": only used with auth.type shared-password");
            } else if (adminPassword.length() < 32) {
                problems.add(a.key("adminPassword") + ": must be at least 32 characters");
            } else if (adminPassword.equals(password)) {
                problems.add(a.key("adminPassword") + ": must differ from auth.password");
            }
        }
        List<String> admins = a.usernames("adminUsers");
        List<String> allowed = a.usernames("allowedUsers");
        List<String> blocked = a.usernames("blockedUsers");
        boolean allowAll = a.bool("allowAll", type == AuthType.DUMMY && allowed.isEmpty() && admins.isEmpty());
        a.rejectUnknown();
        return new AuthSection(type, password, adminPassword, admins, allowed, blocked, allowAll);
    }

    private SpawnerSection spawner(Mapping s) {
        SpawnerType type = s.choice("type", SpawnerType.values(), SpawnerType::key, SpawnerType.LOCAL);
        List<String> cmd = s.command("cmd", List.of("jupyterhub-singleuser"));
        List<String> args = s.strings("args");
        Duration startTimeout = s.seconds("startTimeout", Duration.ofSeconds(60));
        Duration httpTimeout = s.seconds("httpTimeout", Duration.ofSeconds(30));
        Map<String, String> environment = s.environment("environment");
        LocalProcessSpawner.Isolation isolation = s.choice("isolation", LocalProcessSpawner.Isolation.values(),
                ConfigReader::isolationKey, LocalProcessSpawner.Isolation.AUTO);
        String template = s.string("systemUserTemplate", SpawnerSection.DEFAULT_SYSTEM_USER_TEMPLATE, false);
        if (template == null) {
            template = SpawnerSection.DEFAULT_SYSTEM_USER_TEMPLATE; // wrong type, reported
        }
        boolean createSystemUsers = s.bool("createSystemUsers", true);
        s.rejectUnknown();
        return new SpawnerSection(type, cmd, args, startTimeout, httpTimeout, environment, isolation, template,
                createSystemUsers);
    }

    /** {@code auto}, {@code system-users}, {@code none}: how the file names each isolation. */
    static String isolationKey(LocalProcessSpawner.Isolation isolation) {
        return isolation.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private List<ServiceEntry> services(Mapping top) {
        JsonNode list = top.value("services");
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            problems.add("services: must be a list of mappings with name, apiToken and admin; got " + describe(list, false));
            return List.of();
        }
        List<ServiceEntry> out = new ArrayList<>();
        Map<String, String> byName = new HashMap<>();
        Map<String, String> byToken = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "services[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                problems.add(path + ": must be a mapping with name, apiToken and admin; got " + describe(entry, false));
                continue;
            }
            Mapping m = new Mapping(path, entry, SERVICE_KEYS);
            String name = m.string("name", null, false);
            String token = m.string("apiToken", null, true);
            boolean admin = m.bool("admin", false);
            m.rejectUnknown();
            if (name == null && !m.has("name")) {
                problems.add(m.key("name") + ": required");
            } else if (name != null && !name.matches("[A-Za-z0-9._-]{1,64}")) {
                problems.add(m.key("name") + ": must be 1-64 of the characters A-Z a-z 0-9 . _ -; got '" + name + "'");
            } else if (name != null && byName.putIfAbsent(name, path) != null) {
                problems.add(m.key("name") + ": '" + name + "' is already the name of " + byName.get(name));
            }
            if (token == null && !m.has("apiToken")) {
                problems.add(m.key("apiToken") + ": required");
            } else if (token != null && token.length() < 8) {
                problems.add(m.key("apiToken") + ": must be at least 8 characters");
            } else if (token != null && byToken.putIfAbsent(token, path) != null) {
                problems.add(m.key("apiToken") + ": the same token as " + byToken.get(token) + "'s; each service needs its own");
            }
            out.add(new ServiceEntry(name, token, admin));
        }
        return out;
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

    /** One YAML mapping at a dotted path, with the keys it may hold. */
    private final class Mapping {
        private final String path;
        private final JsonNode node;
        private final List<String> keys;

        Mapping(String path, JsonNode node, List<String> keys) {
            this.path = path;
            this.node = node == null || !node.isObject() ? MissingNode.getInstance() : node;
            this.keys = keys;
        }

        String key(String k) {
            return path.isEmpty() ? k : path + "." + k;
        }

        Mapping section(String k, List<String> sectionKeys) {
            JsonNode v = value(k);
            if (v != null && !v.isObject()) {
                problems.add(key(k) + ": must be a mapping of " + String.join(", ", sectionKeys) + "; got " + describe(v, false));
                v = null;
            }
            return new Mapping(key(k), v, sectionKeys);
        }

        boolean has(String k) {
            return node.has(k) && !node.get(k).isNull();
        }

        /** @return the value, or {@code null} when absent or written as YAML null (then the default applies) */
        JsonNode value(String k) {
            if (!keys.contains(k)) {
                throw new IllegalArgumentException("undeclared key " + key(k));
            }
            JsonNode v = node.get(k);
            return v == null || v.isNull() ? null : v;
        }

        private void wrongType(String k, String expected, JsonNode v, boolean secret) {
            String hint = expected.equals("a string") && (v.isNumber() || v.isBoolean()) ? " (put it in quotes)" : "";
            problems.add(key(k) + ": must be " + expected + hint + "; got " + describe(v, secret));
        }

        String string(String k, String dflt, boolean secret) {
            JsonNode v = value(k);
            if (v == null) {
                return dflt;
            }
            if (!v.isTextual()) {
                wrongType(k, "a string", v, secret);
                return null;
            }
            return v.textValue();
        }

        String host(String k, String dflt) {
            String s = string(k, dflt, false);
            if (s == null) {
                return dflt;
            }
            if (s.isBlank() || s.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/')) {
                problems.add(key(k) + ": must be an IP address or host name, such as 127.0.0.1 or 0.0.0.0; got '" + s + "'");
                return dflt;
            }
            return s;
        }

        int integer(String k, int dflt, int min, int max) {
            JsonNode v = value(k);
            if (v == null) {
                return dflt;
            }
            String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
            if (!v.isIntegralNumber()) {
                wrongType(k, "an integer " + range, v, false);
                return dflt;
            }
            if (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
                problems.add(key(k) + ": must be " + range + "; got " + v.asText());
                return dflt;
            }
            return v.intValue();
        }

        Duration seconds(String k, Duration dflt) {
            JsonNode v = value(k);
            if (v == null) {
                return dflt;
            }
            if (!v.isNumber()) {
                wrongType(k, "a number of seconds", v, false);
                return dflt;
            }
            double s = v.doubleValue();
            long millis = Math.round(s * 1000);
            if (!(s > 0) || millis < 1 || s > MAX_SECONDS) {
                problems.add(key(k) + ": must be a positive number of seconds (at most " + (long) MAX_SECONDS + "); got "
                        + v.asText());
                return dflt;
            }
            return Duration.ofMillis(millis);
        }

        boolean bool(String k, boolean dflt) {
            JsonNode v = value(k);
            if (v == null) {
                return dflt;
            }
            if (!v.isBoolean()) {
                wrongType(k, "true or false", v, false);
                return dflt;
            }
            return v.booleanValue();
        }

        <E extends Enum<E>> E choice(String k, E[] values, Function<E, String> name, E dflt) {
            String s = string(k, null, false);
            if (s == null) {
                return dflt;
            }
            List<String> names = new ArrayList<>();
            for (E e : values) {
                if (name.apply(e).equals(s)) {
                    return e;
                }
                names.add(name.apply(e));
            }
            problems.add(key(k) + ": must be " + (names.size() == 1 ? names.get(0) : String.join(", ", names.subList(0,
                    names.size() - 1)) + " or " + names.get(names.size() - 1)) + "; got '" + s + "'");
            return dflt;
        }

        Path path(String k, Path dflt) {
            String s = string(k, null, false);
            if (s == null) {
                return dflt;
            }
            if (s.isBlank()) {
                problems.add(key(k) + ": must be a directory path; got an empty string");
                return dflt;
            }
            try {
                return Path.of(s);
            } catch (InvalidPathException e) {
                problems.add(key(k) + ": not a valid path (" + e.getReason() + ")");
                return dflt;
            }
        }

        URI url(String k, URI dflt) {
            String s = string(k, null, false);
            if (s == null) {
                return dflt;
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
                problems.add(key(k) + ": " + problem + "; got '" + s + "'");
                return dflt;
            }
            return u;
        }

        String jdbcUrl(String k) {
            String s = string(k, null, true);
            if (s != null && !s.startsWith("jdbc:h2:") && !s.startsWith("jdbc:postgresql:")) {
                // Not echoed: a JDBC URL may carry a password.
                problems.add(key(k) + ": must be a jdbc:h2: or jdbc:postgresql: URL");
                return null;
            }
            return s;
        }

        List<String> strings(String k) {
            JsonNode v = value(k);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                wrongType(k, "a list of strings", v, false);
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                JsonNode e = v.get(i);
                if (!e.isTextual()) {
                    String hint = e.isNumber() || e.isBoolean() ? " (put it in quotes)" : "";
                    problems.add(key(k) + "[" + i + "]: must be a string" + hint + "; got " + describe(e, false));
                } else {
                    out.add(e.textValue());
                }
            }
            return out;
        }

        List<String> usernames(String k) {
            List<String> names = strings(k);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                try {
                    out.add(Usernames.validate(names.get(i)));
                } catch (InvalidUsernameException e) {
                    problems.add(key(k) + "[" + i + "]: " + e.getMessage());
                }
            }
            return out;
        }

        List<String> command(String k, List<String> dflt) {
            JsonNode v = value(k);
            if (v == null) {
                return dflt;
            }
            List<String> cmd;
            if (v.isTextual()) {
                try {
                    cmd = ShellWords.split(v.textValue());
                } catch (IllegalArgumentException e) {
                    problems.add(key(k) + ": " + e.getMessage());
                    return dflt;
                }
            } else if (v.isArray()) {
                int before = problems.size();
                cmd = strings(k);
                if (problems.size() > before) {
                    return dflt;
                }
            } else {
                wrongType(k, "a string or a list of strings", v, false);
                return dflt;
            }
            if (cmd.isEmpty() || cmd.get(0).isBlank()) {
                problems.add(key(k) + ": must name a command");
                return dflt;
            }
            return cmd;
        }

        Map<String, String> environment(String k) {
            JsonNode v = value(k);
            if (v == null) {
                return Map.of();
            }
            if (!v.isObject()) {
                wrongType(k, "a mapping of variable names to strings", v, false);
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                    problems.add(key(k) + ": '" + name + "' is not a valid variable name");
                    continue;
                }
                JsonNode value = e.getValue();
                if (!value.isTextual()) {
                    String hint = value.isNumber() || value.isBoolean() ? " (put it in quotes)" : "";
                    problems.add(key(k) + "." + name + ": must be a string" + hint + "; got " + describe(value, false));
                    continue;
                }
                out.put(name, value.textValue());
            }
            return out;
        }

        void rejectUnknown() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!keys.contains(k)) {
                    problems.add(key(k) + ": unknown key" + suggestion(k));
                }
            }
        }

        private String suggestion(String unknown) {
            if (path.isEmpty() && unknown.contains(".")) {
                String section = unknown.substring(0, unknown.indexOf('.'));
                String leaf = unknown.substring(unknown.indexOf('.') + 1);
                if (SECTIONS.containsKey(section) && SECTIONS.get(section).contains(leaf)) {
                    return " (keys nest: write " + leaf + " indented under " + section + ":)";
                }
            }
            Map<String, String> candidates = new LinkedHashMap<>();
            keys.forEach(k -> candidates.put(key(k), k));
            if (path.isEmpty()) {
                SECTIONS.forEach((section, sectionKeys) -> {
                    if (!section.endsWith("[]")) {
                        sectionKeys.forEach(k -> candidates.put(section + "." + k, k));
                    }
                });
            }
            List<String> best = KeySuggestion.closest(unknown, candidates);
            return best.isEmpty() ? "" : " (did you mean " + String.join(" or ", best) + "?)";
        }
    }

    /** Picks the known keys a misspelt key most likely meant. */
    static final class KeySuggestion {
        private KeySuggestion() {
        }

        /**
         * @param unknown the key found
         * @param candidates full path to leaf name of every key allowed there
         * @return the full paths of the closest leaves, at most three, or none if nothing is close
         */
        static List<String> closest(String unknown, Map<String, String> candidates) {
            String u = unknown.toLowerCase(Locale.ROOT);
            String squashed = u.replace("_", "").replace("-", "");
            int limit = u.length() <= 3 ? 1 : u.length() <= 6 ? 2 : 3;
            int bestDistance = Integer.MAX_VALUE;
            List<String> best = new ArrayList<>();
            for (Map.Entry<String, String> c : candidates.entrySet()) {
                String leaf = c.getValue().toLowerCase(Locale.ROOT);
                int d = squashed.equals(leaf) ? 0 : distance(u, leaf);
                if (d > limit || d > bestDistance) {
                    continue;
                }
                if (d < bestDistance) {
                    best.clear();
                    bestDistance = d;
                }
                best.add(c.getKey());
            }
            return best.size() > 3 ? best.subList(0, 3) : best;
        }

        /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
        static int distance(String a, String b) {
            int[][] d = new int[a.length() + 1][b.length() + 1];
            for (int i = 0; i <= a.length(); i++) {
                d[i][0] = i;
            }
            for (int j = 0; j <= b.length(); j++) {
                d[0][j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                    if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                    }
                }
            }
            return d[a.length()][b.length()];
        }
    }
}
