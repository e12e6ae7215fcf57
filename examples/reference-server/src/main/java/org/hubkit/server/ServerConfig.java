package org.hubkit.server;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Proxy;
import org.hubkit.api.Spawner;
import org.hubkit.server.internal.ConfigReader;
import org.hubkit.server.internal.Section;

/**
 * The reference server's configuration, read from one YAML file: the {@code hub} section and the
 * {@code services}, which the server reads itself, and three pluggable sections, {@code proxy},
 * {@code auth} and {@code spawner}, each read by the factory its {@code type} names
 * ({@link org.hubkit.api.ProxyFactory}, {@link org.hubkit.api.AuthenticatorFactory},
 * {@link org.hubkit.api.SpawnerFactory}, found with {@link java.util.ServiceLoader}: a module on
 * the class path brings its types). The server's own keys are listed in the module's
 * {@code README.md}, each type's in its module's README.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.parse(Path.of("hubkit.yaml"));
 * try (Hub hub = ReferenceServer.buildHub(config)) {
 *     hub.start();
 *     hub.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>Parsing checks the whole file before it answers, without creating anything: unknown keys
 * (with a suggestion when one is close, or the type that would read them), values of the wrong
 * type and values out of range, the factories' problems and the server's, are all reported
 * together in one {@link ConfigException}, in the order of the file, each problem starting with
 * the dotted path of its key, such as {@code hub.port} or {@code services[0].apiToken}. Secrets
 * are never echoed in those messages nor in {@link #toString()}. What only a builder can check is
 * reported by {@link ReferenceServer#buildHub}, the same way.
 *
 * <p>Immutable and thread-safe. Relative paths are kept relative; they resolve against the
 * working directory of the process that uses them.
 *
 * @since 0.1
 */
public final class ServerConfig {
    /**
     * The configuration {@code java -jar hubkit-server.jar} runs with when no {@code --config} is
     * given: every default, with a shared password (generated at start-up unless
     * {@code HUBKIT_PASSWORD} is set) that lets every user name in.
     */
    public static final String EMBEDDED_DEFAULT = String.join("\n",
            "# The embedded default: every other key keeps its default.",
            "auth:",
            "  type: shared-password",
            "  allowAll: true",
            "");

    private final ConfigReader.Result read;
    private final Component<Proxy> proxy;
    private final Component<Authenticator> auth;
    private final List<Component<Authenticator>> auths;
    private final Component<Spawner> spawner;

    private ServerConfig(ConfigReader.Result read) {
        this.read = read;
        this.proxy = new Component<>(read.proxy());
        this.auths = read.auths().stream().map(Component::new).toList();
        this.auth = auths.get(0);
        this.spawner = new Component<>(read.spawner());
    }

    /**
     * Reads a YAML configuration file, with the types on this thread's class path.
     *
     * @param file the file
     * @return the configuration
     * @throws ConfigException if the file cannot be read, is not YAML, or has any bad key or
     *         value; lists every problem found, each naming its key
     */
    public static ServerConfig parse(Path file) {
        return read(file, defaultLoader(), System.getenv());
    }

    /**
     * Reads a YAML configuration text, with the types on this thread's class path; an empty text
     * gives every default.
     *
     * @param yaml the YAML document
     * @return the configuration
     * @throws ConfigException listing every problem found, each naming its key
     */
    public static ServerConfig parse(String yaml) {
        return parse(yaml, defaultLoader());
    }

    /**
     * Reads a YAML configuration text with the spawner, authenticator and proxy types a class
     * loader holds (its {@code META-INF/services}).
     *
     * @param yaml the YAML document
     * @param types where to look for the sections' factories
     * @return the configuration
     * @throws ConfigException listing every problem found, each naming its key
     * @since 0.2
     */
    public static ServerConfig parse(String yaml, ClassLoader types) {
        return new ServerConfig(ConfigReader.read(yaml, "config", types, System.getenv()));
    }

    /** The file, read with the given class path and environment (the factories' {@link org.hubkit.api.ConfigContext#environment()}). */
    static ServerConfig read(Path file, ClassLoader types, Map<String, String> environment) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigException.of(file.toString(), "cannot read the file ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return new ServerConfig(ConfigReader.read(text, file.toString(), types, environment));
    }

    /** @return the configuration used when no file is given, {@link #EMBEDDED_DEFAULT} */
    public static ServerConfig defaults() {
        return defaults(defaultLoader(), System.getenv());
    }

    /** {@link #defaults()} with the given class path and environment. */
    static ServerConfig defaults(ClassLoader types, Map<String, String> environment) {
        return new ServerConfig(ConfigReader.read(EMBEDDED_DEFAULT, "embedded default", types, environment));
    }

    /** Where the types are looked for by default: this thread's context class loader (the class path {@code main} was started with). */
    static ClassLoader defaultLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ServerConfig.class.getClassLoader();
    }

    /**
     * The configuration read again as if the file also held one value, such as a password the
     * process got from its environment ({@code auth.password} from {@code HUBKIT_PASSWORD}).
     *
     * @param key a dotted key ({@code auth.password}); a value the file has is replaced
     * @param value its value
     * @return the new configuration
     * @throws ConfigException if the value is refused, naming the key
     * @since 0.2
     */
    public ServerConfig withValue(String key, String value) {
        return new ServerConfig(read.reread().with(key, value));
    }

    /** @return the hub's own HTTP server, state and limits ({@code hub.*}) */
    public HubSection hub() {
        return read.hub();
    }

    /** @return the public proxy ({@code proxy.*}; {@code ip}, {@code port} and {@code type} are the server's) */
    public Component<Proxy> proxy() {
        return proxy;
    }

    /** @return how people log in and who may ({@code auth.*}); the first entry when {@code auth} is a list */
    public Component<Authenticator> auth() {
        return auth;
    }

    /**
     * @return every login: the one {@code auth} section, or each entry of an {@code auth} list
     *         ({@code auth[0]}, {@code auth[1]}, ...), each with its own {@code type}
     * @since 0.3
     */
    public List<Component<Authenticator>> auths() {
        return auths;
    }

    /**
     * @param index an index into {@link #auths()}
     * @return that entry's {@code usernamePrefix} ({@code ""} for none)
     * @since 0.3
     */
    public String usernamePrefix(int index) {
        return read.usernamePrefixes().get(index);
    }

    /** @return how single-user servers are started ({@code spawner.*}; {@code startTimeout} and {@code httpTimeout} are the hub's) */
    public Component<Spawner> spawner() {
        return spawner;
    }

    /** @return external services with API tokens ({@code services}) */
    public List<ServiceEntry> services() {
        return read.services();
    }

    /** Problems with full keys (a builder's, found later) in the order of this file. */
    List<ConfigException.Problem> inFileOrder(List<ConfigException.Problem> problems) {
        return read.positions().inFileOrder(problems);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig c && hub().equals(c.hub()) && proxy.equals(c.proxy) && auths.equals(c.auths)
                && spawner.equals(c.spawner) && services().equals(c.services());
    }

    @Override
    public int hashCode() {
        return Objects.hash(hub(), proxy, auths, spawner, services());
    }

    @Override
    public String toString() {
        return "ServerConfig[hub=" + hub() + ", proxy=" + proxy + ", auth=" + (auths.size() == 1 ? auth : auths) + ", spawner=" + spawner + ", services="
                + services() + "]";
    }

    /**
     * A pluggable section ({@code proxy}, {@code auth}, {@code spawner}) as read: its type, the
     * factory that read it and every value read, the server's own keys and the factory's, with
     * defaults applied. Immutable; equal when kind, type and values are.
     *
     * @param <T> what it builds
     * @since 0.2
     */
    public static final class Component<T> {
        private final Section<T> section;

        private Component(Section<T> section) {
            this.section = section;
        }

        /** @return the section's key: {@code proxy}, {@code auth} or {@code spawner} */
        public String kind() {
            return section.kind();
        }

        /** @return its type ({@code local}, {@code shared-password}, {@code netty}) */
        public String type() {
            return section.type();
        }

        /** @return the factory's class and where it was loaded from (module, jar or directory) */
        public String implementation() {
            return section.implementation();
        }

        /**
         * @return every key read, with the value used (defaults applied; {@code null} for an
         *         optional key left out), in the order read; nested keys dotted ({@code environment})
         */
        public Map<String, Object> values() {
            return section.values();
        }

        /**
         * @param key a key of the section
         * @return its value as read ({@code List<String>}, {@code Map<String, String>},
         *         {@code Duration}, {@code Integer}, {@code Boolean}, {@code String}, {@code Path},
         *         {@code URI}; for a key read with {@link org.hubkit.api.ConfigNode#value} its plain form:
         *         {@code String}, {@code Boolean}, {@code Long}, {@code Double}, {@code List<Object>},
         *         {@code Map<String, Object>}), or {@code null} when absent without a default or never read
         */
        public Object value(String key) {
            return section.values().get(key);
        }

        /** Builds the component (each call a new one); problems are named by their keys in the file. */
        T build() {
            return section.build();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Component<?> c && kind().equals(c.kind()) && type().equals(c.type()) && values().equals(c.values());
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind(), type(), values());
        }

        /** @return the kind, the type and every value, secrets as {@code ***} */
        @Override
        public String toString() {
            Map<String, Object> shown = new LinkedHashMap<>();
            section.values().forEach((k, v) -> shown.put(k, v != null && section.secrets().contains(k) ? "***" : v));
            return kind() + "[" + type() + ", " + shown + "]";
        }
    }

    /**
     * The {@code hub} section.
     *
     * @param ip the address the hub's own HTTP server binds ({@code hub.ip})
     * @param port its port, 0 for any free one ({@code hub.port})
     * @param dataDir where the H2 database, users' home directories and server logs live ({@code hub.dataDir})
     * @param db a JDBC URL ({@code jdbc:h2:} or {@code jdbc:postgresql:}), or {@code null} for H2 in
     *        {@code dataDir} ({@code hub.db})
     * @param publicUrl the URL users reach the proxy at ({@code hub.publicUrl}; defaults from the proxy address)
     * @param connectUrl how single-user servers reach the hub's API, or {@code null} for
     *        {@code http://ip:port} ({@code hub.connectUrl})
     * @param concurrentSpawnLimit spawns at once before the API answers 429, 0 for no limit
     * @param activeServerLimit running servers before the API answers 429, 0 for no limit
     * @param pollInterval how often running servers are polled
     * @param cleanupServers whether stopping the hub stops every server (default false here)
     * @param allowNamedServers whether users may start named servers besides their default one (default false, as JupyterHub)
     * @since 0.1
     */
    public record HubSection(String ip, int port, Path dataDir, String db, URI publicUrl, URI connectUrl,
                             int concurrentSpawnLimit, int activeServerLimit, Duration pollInterval, boolean cleanupServers,
                             boolean allowNamedServers, Duration authRefreshAge, boolean refreshPreSpawn) {
        /** The section with JupyterHub's {@code auth_refresh_age} (300 s) and no refresh before spawns. */
        public HubSection(String ip, int port, Path dataDir, String db, URI publicUrl, URI connectUrl, int concurrentSpawnLimit,
                          int activeServerLimit, Duration pollInterval, boolean cleanupServers, boolean allowNamedServers) {
            this(ip, port, dataDir, db, publicUrl, connectUrl, concurrentSpawnLimit, activeServerLimit, pollInterval, cleanupServers,
                    allowNamedServers, Duration.ofSeconds(300), false);
        }

        @Override
        public String toString() {
            return "HubSection[ip=" + ip + ", port=" + port + ", dataDir=" + dataDir + ", db="
                    + (db == null ? null : db.replaceAll("(?i)(password=)[^&;]*", "$1***")) + ", publicUrl=" + publicUrl
                    + ", connectUrl=" + connectUrl + ", concurrentSpawnLimit=" + concurrentSpawnLimit
                    + ", activeServerLimit=" + activeServerLimit + ", pollInterval=" + pollInterval
                    + ", cleanupServers=" + cleanupServers + ", allowNamedServers=" + allowNamedServers
                    + ", authRefreshAge=" + authRefreshAge + ", refreshPreSpawn=" + refreshPreSpawn + "]";
        }
    }

    /**
     * One entry of {@code services}.
     *
     * @param name the service name
     * @param apiToken the token it uses against the REST API; never shown
     * @param admin whether it holds the admin role
     * @since 0.1
     */
    public record ServiceEntry(String name, String apiToken, boolean admin) {
        @Override
        public String toString() {
            return "ServiceEntry[name=" + name + ", apiToken=***, admin=" + admin + "]";
        }
    }
}
