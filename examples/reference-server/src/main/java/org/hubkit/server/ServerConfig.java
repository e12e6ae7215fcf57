package org.hubkit.server;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hubkit.api.ConfigException;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.server.internal.ConfigReader;

/**
 * The reference server's configuration: an immutable tree of records read from one YAML file.
 * Every key, its type, default and meaning is listed in the module's {@code README.md}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.parse(Path.of("hubkit.yaml"));
 * try (Hub hub = ReferenceServer.buildHub(config)) {
 *     hub.start();
 *     hub.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>Parsing checks the whole file before it answers: unknown keys (with a suggestion when one
 * is close), values of the wrong type and values out of range are all reported together in one
 * {@link ConfigException}, each problem starting with the dotted path of its key, such as
 * {@code hub.port} or {@code services[0].apiToken}. Secrets are never echoed in those messages
 * nor in {@link #toString()}.
 *
 * <p>Immutable and thread-safe. Relative paths are kept relative; they resolve against the
 * working directory of the process that uses them.
 *
 * @param hub the hub's own HTTP server, state and limits ({@code hub.*})
 * @param proxy the public proxy ({@code proxy.*})
 * @param auth how people log in and who may ({@code auth.*})
 * @param spawner how single-user servers are started ({@code spawner.*})
 * @param services external services with API tokens ({@code services})
 * @since 0.1
 */
public record ServerConfig(HubSection hub, ProxySection proxy, AuthSection auth, SpawnerSection spawner,
                           List<ServiceEntry> services) {

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

    /** Checks that no part is missing and copies the list. */
    public ServerConfig {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(spawner, "spawner");
        services = List.copyOf(services);
    }

    /**
     * Reads a YAML configuration file.
     *
     * @param file the file
     * @return the configuration
     * @throws ConfigException if the file cannot be read, is not YAML, or has any bad key or
     *         value; lists every problem found, each naming its key
     */
    public static ServerConfig parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigException.of(file.toString(), "cannot read the file ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return ConfigReader.read(text, file.toString());
    }

    /**
     * Reads a YAML configuration text; an empty text gives every default.
     *
     * @param yaml the YAML document
     * @return the configuration
     * @throws ConfigException listing every problem found, each naming its key
     */
    public static ServerConfig parse(String yaml) {
        return ConfigReader.read(yaml, "config");
    }

    /** @return the configuration used when no file is given, {@link #EMBEDDED_DEFAULT} */
    public static ServerConfig defaults() {
        return ConfigReader.read(EMBEDDED_DEFAULT, "embedded default");
    }

    /**
     * @param auth the new {@code auth} section
     * @return a copy with that section
     */
    public ServerConfig withAuth(AuthSection auth) {
        return new ServerConfig(hub, proxy, auth, spawner, services);
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
     * @since 0.1
     */
    public record HubSection(String ip, int port, Path dataDir, String db, URI publicUrl, URI connectUrl,
                             int concurrentSpawnLimit, int activeServerLimit, Duration pollInterval, boolean cleanupServers) {
        @Override
        public String toString() {
            return "HubSection[ip=" + ip + ", port=" + port + ", dataDir=" + dataDir + ", db="
                    + (db == null ? null : db.replaceAll("(?i)(password=)[^&;]*", "$1***")) + ", publicUrl=" + publicUrl
                    + ", connectUrl=" + connectUrl + ", concurrentSpawnLimit=" + concurrentSpawnLimit
                    + ", activeServerLimit=" + activeServerLimit + ", pollInterval=" + pollInterval
                    + ", cleanupServers=" + cleanupServers + "]";
        }
    }

    /**
     * The {@code proxy} section: the public proxy, in-process (Netty) or configurable-http-proxy
     * driven through its REST API.
     *
     * @param ip the listening address ({@code proxy.ip})
     * @param port the listening port ({@code proxy.port})
     * @param type which proxy ({@code proxy.type})
     * @param command for {@code chp}: the command the hub starts and keeps running, or {@code null}
     *        for a proxy started elsewhere ({@code proxy.command})
     * @param apiUrl for {@code chp}: the proxy's REST API ({@code proxy.apiUrl})
     * @param authToken for {@code chp}: {@code CONFIGPROXY_AUTH_TOKEN} ({@code proxy.authToken}); never shown
     * @since 0.1
     */
    public record ProxySection(String ip, int port, ProxyType type, List<String> command, URI apiUrl, String authToken) {
        /**
         * The in-process proxy on an address.
         *
         * @param ip the listening address
         * @param port the listening port
         */
        public ProxySection(String ip, int port) {
            this(ip, port, ProxyType.NETTY, null, null, null);
        }

        @Override
        public String toString() {
            return "ProxySection[ip=" + ip + ", port=" + port + ", type=" + type.key() + ", command=" + command
                    + ", apiUrl=" + apiUrl + ", authToken=" + (authToken == null ? null : "***") + "]";
        }
    }

    /** The proxies the reference server offers ({@code proxy.type}). */
    public enum ProxyType {
        /** Hubkit's in-process Netty proxy ({@code netty}). */
        NETTY("netty"),
        /** configurable-http-proxy, or Hubkit's standalone proxy, through CHP's REST API ({@code chp}). */
        CHP("chp");

        private final String key;

        ProxyType(String key) {
            this.key = key;
        }

        /** @return the value written in the file */
        public String key() {
            return key;
        }
    }

    /**
     * The authenticators the reference server offers ({@code auth.type}).
     *
     * @since 0.1
     */
    public enum AuthType {
        /** One shared password for everybody, an optional admin password ({@code shared-password}). */
        SHARED_PASSWORD("shared-password"),
        /** Any name with any password, or with the one {@code auth.password}; demos only ({@code dummy}). */
        DUMMY("dummy");

        private final String key;

        AuthType(String key) {
            this.key = key;
        }

        /** @return the value written in the file */
        public String key() {
            return key;
        }
    }

    /**
     * The {@code auth} section.
     *
     * @param type the authenticator
     * @param password the shared password (dummy: the one accepted password), or {@code null}
     * @param adminPassword the admin password (shared-password only), or {@code null}
     * @param adminUsers names made admins at login
     * @param allowedUsers names allowed to log in
     * @param blockedUsers names never allowed to log in
     * @param allowAll whether every name the authenticator accepts may log in
     * @since 0.1
     */
    public record AuthSection(AuthType type, String password, String adminPassword, List<String> adminUsers,
                              List<String> allowedUsers, List<String> blockedUsers, boolean allowAll) {
        /** Copies the lists. */
        public AuthSection {
            Objects.requireNonNull(type, "type");
            adminUsers = List.copyOf(adminUsers);
            allowedUsers = List.copyOf(allowedUsers);
            blockedUsers = List.copyOf(blockedUsers);
        }

        /**
         * @param password the new password
         * @return a copy with that password
         */
        public AuthSection withPassword(String password) {
            return new AuthSection(type, password, adminPassword, adminUsers, allowedUsers, blockedUsers, allowAll);
        }

        @Override
        public String toString() {
            return "AuthSection[type=" + type.key() + ", password=" + (password == null ? null : "***") + ", adminPassword="
                    + (adminPassword == null ? null : "***") + ", adminUsers=" + adminUsers + ", allowedUsers=" + allowedUsers
                    + ", blockedUsers=" + blockedUsers + ", allowAll=" + allowAll + "]";
        }
    }

    /**
     * The spawners the reference server offers ({@code spawner.type}).
     *
     * @since 0.1
     */
    public enum SpawnerType {
        /** Each server a local process, as its own OS account when the hub runs as root ({@code local}). */
        LOCAL("local");

        private final String key;

        SpawnerType(String key) {
            this.key = key;
        }

        /** @return the value written in the file */
        public String key() {
            return key;
        }
    }

    /**
     * The {@code spawner} section.
     *
     * @param type the spawner
     * @param cmd the single-user command
     * @param args arguments after the command
     * @param startTimeout how long a server may take to start
     * @param httpTimeout how long a started server may take to answer HTTP
     * @param environment variables every server gets
     * @param isolation whether each server runs as its own OS account ({@code spawner.isolation})
     * @param systemUserTemplate the name of that account ({@code spawner.systemUserTemplate})
     * @param createSystemUsers whether a missing account is created ({@code spawner.createSystemUsers})
     * @since 0.1
     */
    public record SpawnerSection(SpawnerType type, List<String> cmd, List<String> args, Duration startTimeout,
                                 Duration httpTimeout, Map<String, String> environment,
                                 LocalProcessSpawner.Isolation isolation, String systemUserTemplate,
                                 boolean createSystemUsers) {
        /** The template of The Littlest JupyterHub, the default of {@code spawner.systemUserTemplate}. */
        public static final String DEFAULT_SYSTEM_USER_TEMPLATE = "jupyter-{username}";

        /** Copies the lists and the map (keeping the map's order). */
        public SpawnerSection {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(isolation, "isolation");
            Objects.requireNonNull(systemUserTemplate, "systemUserTemplate");
            cmd = List.copyOf(cmd);
            args = List.copyOf(args);
            environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        }

        /**
         * A section with the default isolation: an OS account per user when the hub runs as root,
         * named {@code jupyter-{username}}, created on the first spawn.
         *
         * @param type the spawner
         * @param cmd the single-user command
         * @param args arguments after the command
         * @param startTimeout how long a server may take to start
         * @param httpTimeout how long a started server may take to answer HTTP
         * @param environment variables every server gets
         */
        public SpawnerSection(SpawnerType type, List<String> cmd, List<String> args, Duration startTimeout,
                              Duration httpTimeout, Map<String, String> environment) {
            this(type, cmd, args, startTimeout, httpTimeout, environment, LocalProcessSpawner.Isolation.AUTO,
                    DEFAULT_SYSTEM_USER_TEMPLATE, true);
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
