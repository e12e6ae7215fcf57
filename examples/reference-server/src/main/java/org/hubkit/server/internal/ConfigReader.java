package org.hubkit.server.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hubkit.api.Authenticator;
import org.hubkit.api.AuthenticatorFactory;
import org.hubkit.api.ComponentFactory;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigException;
import org.hubkit.api.ConfigException.Problem;
import org.hubkit.api.Proxy;
import org.hubkit.api.ProxyFactory;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerFactory;
import org.hubkit.server.ServerConfig.HubSection;
import org.hubkit.server.ServerConfig.ServiceEntry;

/**
 * Turns a YAML document into the reference server's configuration. The server reads its own keys
 * ({@code hub.*}, {@code proxy.ip}, {@code proxy.port}, each section's {@code type},
 * {@code spawner.startTimeout}, {@code spawner.httpTimeout}, {@code services}); the factory the
 * {@code type} of a section names (found with {@link java.util.ServiceLoader}) reads the rest of
 * it. Every problem, the factories' too, is collected with its dotted key, then an unknown key
 * (one neither the server nor the section's factory read) is named with the closest known one or
 * the other type that reads it, and all are thrown at once in file order. One reader per
 * document; not thread-safe.
 */
public final class ConfigReader {
    /** The root's keys, in the order the README lists them. */
    static final List<String> ROOT_KEYS = List.of("hub", "proxy", "auth", "spawner", "services");
    static final List<String> SERVICE_KEYS = List.of("name", "apiToken", "admin");
    /** The keys the server itself reads, by section, in the order it reads (and the README lists) them. */
    static final Map<String, List<String>> OWN_KEYS = declareOwnKeys();

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String source;
    private final Map<String, String> environment;
    private final Map<String, Factories> factories = new LinkedHashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    /**
     * The configuration as read.
     *
     * @param hub the {@code hub} section
     * @param proxy the {@code proxy} section
     * @param auth the {@code auth} section (the first entry when {@code auth} is a list)
     * @param auths every {@code auth} entry: one, or each of the list's ({@code auth[0]}, ...)
     * @param usernamePrefixes each entry's {@code usernamePrefix}, in the same order
     * @param spawner the {@code spawner} section
     * @param services the {@code services} list
     * @param positions where each key is, to order later problems (the builders') the same way
     * @param reread reads the same document again with one more value
     */
    public record Result(HubSection hub, Section<Proxy> proxy, Section<Authenticator> auth, List<Section<Authenticator>> auths,
                         List<String> usernamePrefixes, Section<Spawner> spawner, List<ServiceEntry> services,
                         KeyPositions positions, Reread reread) {
    }

    /** Reads the document again as if it held one more value. */
    @FunctionalInterface
    public interface Reread {
        /**
         * @param key a dotted key ({@code auth.password})
         * @param value its value
         * @return the configuration read again
         * @throws ConfigException listing every problem
         */
        Result with(String key, String value);
    }

    private ConfigReader(String source, ClassLoader loader, Map<String, String> environment) {
        this.source = source;
        this.environment = Map.copyOf(environment);
        factories.put("proxy", Factories.load("proxy", "proxy", ProxyFactory.class, loader));
        factories.put("auth", Factories.load("auth", "authenticator", AuthenticatorFactory.class, loader));
        factories.put("spawner", Factories.load("spawner", "spawner", SpawnerFactory.class, loader));
    }

    private static Map<String, List<String>> declareOwnKeys() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("hub", List.of("ip", "port", "dataDir", "db", "publicUrl", "connectUrl", "concurrentSpawnLimit",
                "activeServerLimit", "pollInterval", "cleanupServers", "allowNamedServers", "authRefreshAge", "refreshPreSpawn"));
        m.put("proxy", List.of("ip", "port", "type"));
        m.put("auth", List.of("type", "usernamePrefix"));
        m.put("spawner", List.of("type", "startTimeout", "httpTimeout"));
        m.put("services[]", SERVICE_KEYS);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** @return every key the server reads itself, dotted ({@code hub.port}; {@code services[].name} for list entries) */
    public static List<String> ownKeys() {
        List<String> all = new ArrayList<>();
        OWN_KEYS.forEach((section, keys) -> keys.forEach(k -> all.add(section + "." + k)));
        return all;
    }

    /**
     * @param loader where to look for factories
     * @return for each type found ({@code spawner.type local}), the dotted keys its factory reads
     *         besides {@code type}, in the order it reads them
     */
    public static Map<String, List<String>> typeKeys(ClassLoader loader) {
        ConfigReader reader = new ConfigReader("keys", loader, Map.of());
        Context context = new Context(Path.of("hubkit-data").toAbsolutePath(), URI.create("http://127.0.0.1:8000"), "127.0.0.1",
                8081, null, "127.0.0.1", 8000, Map.of());
        Map<String, List<String>> out = new LinkedHashMap<>();
        reader.factories.forEach((kind, found) -> found.each().forEach(f -> {
            List<String> keys = new ArrayList<>();
            reader.keysOf(f, new YamlConfigNode(kind, null, new ArrayList<>()), context).forEach(k -> keys.add(kind + "." + k));
            keys.remove(kind + ".type");
            out.put(kind + ".type " + f.type(), List.copyOf(keys));
        }));
        return out;
    }

    /**
     * @param text the YAML document
     * @param source what to call the document in messages (its file name)
     * @param loader where to look for the sections' factories
     * @param environment the process's environment, for the factories
     * @return the configuration
     * @throws ConfigException listing every problem, in file order
     */
    public static Result read(String text, String source, ClassLoader loader, Map<String, String> environment) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw ConfigException.of(source, "not valid YAML" + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        }
        return read(root == null ? MissingNode.getInstance() : root, KeyPositions.of(text), source, loader, environment);
    }

    private static Result read(JsonNode root, KeyPositions positions, String source, ClassLoader loader,
                               Map<String, String> environment) {
        ConfigReader reader = new ConfigReader(source, loader, environment);
        Reread reread = (key, value) -> read(withValue(root, key, value), positions, source, loader, environment);
        Result result = reader.config(root, positions, reread);
        if (!reader.problems.isEmpty()) {
            throw ConfigException.of(positions.inFileOrder(reader.problems));
        }
        return result;
    }

    /** A copy of the tree with {@code a.b} set to a string, creating {@code a} if needed. */
    private static JsonNode withValue(JsonNode root, String key, String value) {
        ObjectNode copy = root.isObject() ? ((ObjectNode) root).deepCopy() : YAML.createObjectNode();
        String[] parts = key.split("\\.");
        ObjectNode at = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = at.get(parts[i]);
            at = next != null && next.isObject() ? (ObjectNode) next : at.putObject(parts[i]);
        }
        at.put(parts[parts.length - 1], value);
        return copy;
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

    private Result config(JsonNode root, KeyPositions positions, Reread reread) {
        if (!root.isMissingNode() && !root.isNull() && !root.isObject()) {
            problems.add(new Problem(source, "must be a mapping with the sections " + String.join(", ", ROOT_KEYS) + "; got "
                    + YamlConfigNode.describe(root, false)));
            root = MissingNode.getInstance();
        }
        YamlConfigNode top = new YamlConfigNode("", root, problems);

        YamlConfigNode p = top.node("proxy");
        String proxyIp = p.host("ip", "127.0.0.1");
        int proxyPort = p.integer("port", 8000, 1, 65535);
        String proxyType = type(p, "netty");

        YamlConfigNode h = top.node("hub");
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
        boolean allowNamedServers = h.bool("allowNamedServers", false);
        Duration authRefreshAge = h.seconds("authRefreshAge", Duration.ofSeconds(300));
        boolean refreshPreSpawn = h.bool("refreshPreSpawn", false);
        if (hubPort != 0 && hubPort == proxyPort && (hubIp.equals(proxyIp) || isWildcard(hubIp) || isWildcard(proxyIp))) {
            h.problem("port", "must differ from " + p.key("port") + " (both are " + hubPort + ")");
        }
        HubSection hub = new HubSection(hubIp, hubPort, dataDir, db, publicUrl, connectUrl, spawnLimit, activeLimit, pollInterval,
                cleanupServers, allowNamedServers, authRefreshAge, refreshPreSpawn);
        Context context = new Context(dataDir.toAbsolutePath().normalize(), publicUrl, hubIp, hubPort, connectUrl, proxyIp,
                proxyPort, environment);

        ComponentFactory.Configured<?> proxy = configure(p, proxyType, context);
        List<YamlConfigNode> authNodes = authEntries(top);
        List<String> authTypes = new ArrayList<>();
        List<ComponentFactory.Configured<?>> authConfigured = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (YamlConfigNode entry : authNodes) {
            String t = type(entry, "shared-password");
            authTypes.add(t);
            authConfigured.add(configure(entry, t, context));
            // Only in a list: a single login needs no prefix, and its values stay as they were.
            String prefix = authNodes.size() > 1 || !entry.key().equals("auth") ? entry.string("usernamePrefix", "") : "";
            if (prefix.contains("/") || !prefix.strip().equals(prefix)) {
                entry.problem("usernamePrefix", "must not contain '/' or start or end with spaces; got '" + prefix + "'");
            }
            prefixes.add(prefix);
        }
        YamlConfigNode a = authNodes.get(0);
        YamlConfigNode s = top.node("spawner");
        String spawnerType = type(s, "local");
        ComponentFactory.Configured<?> spawner = configure(s, spawnerType, context);
        // The hub's own timeouts, kept in the spawner's section as in JupyterHub (Spawner.start_timeout, http_timeout).
        s.seconds("startTimeout", Duration.ofSeconds(60));
        s.seconds("httpTimeout", Duration.ofSeconds(30));

        List<ServiceEntry> services = services(top);

        rejectUnknownRoot(top, Map.of("hub", h, "proxy", p, "auth", a, "spawner", s));
        notAMapping(h, h.read());
        rejectUnknown(h, null);
        checkComponent(p, proxyType, context);
        List<Section<Authenticator>> auths = new ArrayList<>();
        for (int i = 0; i < authNodes.size(); i++) {
            checkComponent(authNodes.get(i), authTypes.get(i), context);
            auths.add(section(authNodes.get(i), authTypes.get(i), authConfigured.get(i)));
        }
        checkComponent(s, spawnerType, context);
        return new Result(hub, section(p, proxyType, proxy), auths.get(0), List.copyOf(auths), List.copyOf(prefixes),
                section(s, spawnerType, spawner), services, positions, reread);
    }

    /**
     * The {@code auth} section, or each entry when it is a list (several logins on one page):
     * {@code auth[0]}, {@code auth[1]}, ... each read like a section of its own.
     */
    private List<YamlConfigNode> authEntries(YamlConfigNode top) {
        JsonNode list = top.json().get("auth");
        if (list == null || !list.isArray()) {
            return List.of(top.node("auth"));
        }
        top.value("auth");
        List<YamlConfigNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            YamlConfigNode entry = new YamlConfigNode("auth[" + i + "]", list.get(i), problems);
            if (!list.get(i).isObject()) {
                problems.add(new Problem("auth[" + i + "]", "must be a mapping with a type; got " + YamlConfigNode.describe(list.get(i), false)));
            }
            out.add(entry);
        }
        if (out.isEmpty()) {
            problems.add(new Problem("auth", "must name at least one authenticator"));
            out.add(new YamlConfigNode("auth", null, problems));
        }
        return out;
    }

    /** The kind of a section's factories: {@code auth} for {@code auth[1]} too. */
    private static String kind(YamlConfigNode node) {
        return node.key().replaceFirst("\\[\\d+]$", "");
    }

    @SuppressWarnings("unchecked")
    private <T> Section<T> section(YamlConfigNode node, String type, ComponentFactory.Configured<?> configured) {
        List<ComponentFactory<?>> found = factories.get(kind(node)).byType().get(type);
        String implementation = found == null || found.size() != 1 ? null : Factories.describe(found.get(0));
        return new Section<>(node.key(), type, implementation, node.values(), node.secrets(),
                (ComponentFactory.Configured<T>) configured);
    }

    private static boolean isWildcard(String ip) {
        return ip.equals("0.0.0.0") || ip.equals("::") || ip.equals("[::]");
    }

    /** Reads a section's {@code type}, checking that exactly one factory on the class path has it. */
    private String type(YamlConfigNode node, String defaultType) {
        String type = node.string("type", defaultType);
        Factories found = factories.get(kind(node));
        List<ComponentFactory<?>> candidates = found.byType().get(type);
        if (candidates == null) {
            node.problem("type", found.byType().isEmpty() ? "no " + found.noun() + " type on the class path; got '" + type + "'"
                    : "must be " + YamlConfigNode.orList(found.types()) + " (the " + found.noun() + " types on the class path); got '"
                    + type + "'");
        } else if (candidates.size() > 1) {
            node.problem("type", "'" + type + "' is the type of more than one " + found.noun() + " factory on the class path: "
                    + String.join(", ", candidates.stream().map(Factories::describe).toList()) + "; keep one");
        }
        return type;
    }

    private ComponentFactory.Configured<?> configure(YamlConfigNode node, String type, ConfigContext context) {
        Factories found = factories.get(kind(node));
        List<ComponentFactory<?>> candidates = found.byType().get(type);
        if (candidates == null || candidates.size() != 1) {
            return null;
        }
        ComponentFactory<?> factory = candidates.get(0);
        try {
            return factory.configure(node, context);
        } catch (ConfigException e) {
            e.details().forEach(d -> problems.add(d.under(node.key())));
        } catch (RuntimeException e) {
            node.problem("type", "the " + type + " " + found.noun() + " type could not read its section (" + e + "), from "
                    + Factories.describe(factory));
        }
        return null;
    }

    /** The keys a factory reads from a section, learnt by letting it read a scratch copy; its problems are dropped. */
    private Set<String> keysOf(ComponentFactory<?> factory, YamlConfigNode section, ConfigContext context) {
        YamlConfigNode scratch = new YamlConfigNode(section.key(), section.json(), new ArrayList<>());
        try {
            factory.configure(scratch, context);
        } catch (RuntimeException e) {
            // A broken factory reads what it read before it failed.
        }
        return scratch.read();
    }

    private void checkComponent(YamlConfigNode node, String type, ConfigContext context) {
        Factories found = factories.get(kind(node));
        Map<String, Set<String>> othersKeys = new LinkedHashMap<>();
        for (ComponentFactory<?> other : found.each()) {
            if (!other.type().equals(type)) {
                othersKeys.put(other.type(), keysOf(other, node, context));
            }
        }
        if (node.notAMapping() != null) {
            Set<String> all = new LinkedHashSet<>(node.read());
            othersKeys.values().forEach(all::addAll);
            notAMapping(node, all);
            return;
        }
        List<ComponentFactory<?>> chosen = found.byType().get(type);
        if (chosen == null || chosen.size() != 1) {
            return; // which keys the type has is unknown: the type's problem says so
        }
        rejectUnknown(node, key -> {
            List<String> users = othersKeys.entrySet().stream().filter(e -> e.getValue().contains(key)).map(Map.Entry::getKey).toList();
            return users.isEmpty() ? null : "only used with " + node.key("type") + " " + YamlConfigNode.orList(users);
        });
    }

    private void notAMapping(YamlConfigNode node, Set<String> keys) {
        if (node.notAMapping() != null) {
            problems.add(new Problem(node.key(), "must be a mapping" + (keys.isEmpty() ? "" : " of " + String.join(", ", keys))
                    + "; got " + node.notAMapping()));
        }
    }

    /**
     * Reports the keys of a mapping (and of the mappings read below it) that nobody read.
     *
     * @param elsewhere for a key nobody read here, who else would have (a message), or {@code null}
     */
    private void rejectUnknown(YamlConfigNode node, java.util.function.Function<String, String> elsewhere) {
        for (String k : node.present()) {
            if (node.read().contains(k)) {
                continue;
            }
            String other = elsewhere == null ? null : elsewhere.apply(k);
            problems.add(new Problem(node.key(k), other != null ? other : "unknown key" + suggestion(node, k)));
        }
        for (YamlConfigNode child : node.children().values()) {
            if (child.notAMapping() != null) {
                notAMapping(child, child.read());
            } else {
                rejectUnknown(child, null);
            }
        }
    }

    private static String suggestion(YamlConfigNode node, String unknown) {
        Map<String, String> candidates = new LinkedHashMap<>();
        node.read().forEach(k -> candidates.put(node.key(k), k));
        return didYouMean(unknown, candidates);
    }

    private static String didYouMean(String unknown, Map<String, String> candidates) {
        List<String> best = KeySuggestion.closest(unknown, candidates);
        return best.isEmpty() ? "" : " (did you mean " + String.join(" or ", best) + "?)";
    }

    private void rejectUnknownRoot(YamlConfigNode top, Map<String, YamlConfigNode> sections) {
        for (String k : top.present()) {
            if (top.read().contains(k)) {
                continue;
            }
            String hint = null;
            if (k.contains(".")) {
                String section = k.substring(0, k.indexOf('.'));
                String leaf = k.substring(k.indexOf('.') + 1);
                if (sections.containsKey(section) && sections.get(section).read().contains(leaf)) {
                    hint = " (keys nest: write " + leaf + " indented under " + section + ":)";
                }
            }
            if (hint == null) {
                Map<String, String> candidates = new LinkedHashMap<>();
                top.read().forEach(r -> candidates.put(r, r));
                for (String section : ROOT_KEYS) {
                    if (sections.containsKey(section)) {
                        sections.get(section).read().forEach(r -> candidates.put(section + "." + r, r));
                    }
                }
                hint = didYouMean(k, candidates);
            }
            problems.add(new Problem(k, "unknown key" + hint));
        }
    }

    private List<ServiceEntry> services(YamlConfigNode top) {
        JsonNode list = top.json("services");
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            problems.add(new Problem("services", "must be a list of mappings with name, apiToken and admin; got "
                    + YamlConfigNode.describe(list, false)));
            return List.of();
        }
        List<ServiceEntry> out = new ArrayList<>();
        Map<String, String> byName = new HashMap<>();
        Map<String, String> byToken = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "services[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                problems.add(new Problem(path, "must be a mapping with name, apiToken and admin; got "
                        + YamlConfigNode.describe(entry, false)));
                continue;
            }
            YamlConfigNode m = new YamlConfigNode(path, entry, problems);
            String name = m.string("name", null);
            String token = m.secret("apiToken", null);
            boolean admin = m.bool("admin", false);
            rejectUnknown(m, null);
            if (name == null && !m.has("name")) {
                m.problem("name", "required");
            } else if (name != null && !name.matches("[A-Za-z0-9._-]{1,64}")) {
                m.problem("name", "must be 1-64 of the characters A-Z a-z 0-9 . _ -; got '" + name + "'");
            } else if (name != null && byName.putIfAbsent(name, path) != null) {
                m.problem("name", "'" + name + "' is already the name of " + byName.get(name));
            }
            if (token == null && !m.has("apiToken")) {
                m.problem("apiToken", "required");
            } else if (token != null && token.length() < 8) {
                m.problem("apiToken", "must be at least 8 characters");
            } else if (token != null && byToken.putIfAbsent(token, path) != null) {
                m.problem("apiToken", "the same token as " + byToken.get(token) + "'s; each service needs its own");
            }
            out.add(new ServiceEntry(name, token, admin));
        }
        return out;
    }

    /** What the factories get from the rest of the file. */
    private record Context(Path dataDirectory, URI publicUrl, String hubIp, int hubPort, URI connectUrl, String proxyIp,
                           int proxyPort, Map<String, String> environment) implements ConfigContext {
        @Override
        public Optional<URI> hubConnectUrl() {
            return Optional.ofNullable(connectUrl);
        }
    }
}
