package org.hubkit.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.DummyAuthenticator;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.api.Proxy;
import org.hubkit.core.ConfigurableHttpProxy;
import org.hubkit.proxy.netty.NettyProxy;
import org.hubkit.server.ServerConfig.AuthSection;
import org.hubkit.server.ServerConfig.AuthType;
import org.hubkit.server.ServerConfig.ServiceEntry;
import org.hubkit.server.ServerConfig.SpawnerSection;
import org.hubkit.server.internal.Arguments;
import org.hubkit.server.internal.SharedPassword;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server: a {@link Hub} with the in-process {@link NettyProxy}, the
 * {@link LocalProcessSpawner} and a shared-password or dummy authenticator, configured by one
 * YAML file ({@link ServerConfig}) and run with {@code java -jar hubkit-server.jar [--config FILE]}.
 *
 * <p>The process runs until the hub is shut down: {@code POST /hub/api/shutdown} makes it exit
 * with status 0; SIGTERM or SIGINT closes the hub from a shutdown hook. Either way single-user
 * servers keep running, and the next start on the same data directory finds them again. A bad
 * command line or configuration exits with status 2 after listing every problem (running as root,
 * so does a configuration file that group or others may read or write: it holds the admin
 * tokens); a hub that cannot start (a port in use, a database that cannot be opened) exits with
 * status 1.
 *
 * <p>{@link #buildHub(ServerConfig)} is the same assembly without the process around it, for
 * tests and for programs that embed the reference setup.
 *
 * @since 0.1
 */
public final class ReferenceServer {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceServer.class);
    /** The environment variable that sets the shared password when the configuration does not. */
    public static final String PASSWORD_VARIABLE = "HUBKIT_PASSWORD";

    private ReferenceServer() {
    }

    /**
     * Runs the server; see the class description for the arguments and exit statuses.
     *
     * @param args {@code --config FILE}, {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** The whole life of the process; returns the exit status. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("hubkit-server: " + e.getMessage());
            err.println(Arguments.USAGE);
            return 2;
        }
        if (arguments.help()) {
            out.println(Arguments.USAGE);
            return 0;
        }
        ServerConfig config;
        String generated = null;
        Hub hub;
        try {
            config = arguments.config() == null ? ServerConfig.defaults() : ServerConfig.parse(arguments.config());
            if (arguments.config() != null) {
                String exposed = exposedConfigFile(arguments.config());
                if (exposed != null && runningAsRoot()) {
                    err.println("hubkit-server: " + exposed + "; running as root, the hub does not start with it. Run: chmod 600 "
                            + arguments.config());
                    return 2;
                } else if (exposed != null) {
                    LOG.warn("{}; make it private: chmod 600 {}", exposed, arguments.config());
                }
            }
            AuthSection auth = config.auth();
            if (auth.type() == AuthType.SHARED_PASSWORD && auth.password() == null) {
                String fromEnv = env.get(PASSWORD_VARIABLE);
                if (fromEnv != null && !fromEnv.isEmpty()) {
                    if (fromEnv.length() < 8) {
                        throw ConfigException.of(PASSWORD_VARIABLE, "must be at least 8 characters");
                    }
                    config = config.withAuth(auth.withPassword(fromEnv));
                } else if (auth.adminPassword() == null) {
                    generated = SharedPassword.generate();
                    config = config.withAuth(auth.withPassword(generated));
                }
            }
            hub = buildHub(config);
        } catch (ConfigException e) {
            err.println("hubkit-server: invalid configuration"
                    + (arguments.config() == null ? "" : " in " + arguments.config()) + ":");
            e.problems().forEach(p -> err.println("  " + p));
            return 2;
        }
        Path dataDir = config.hub().dataDir().toAbsolutePath().normalize();
        try {
            secureDataDir(dataDir);
        } catch (IOException e) {
            hub.close();
            err.println("hubkit-server: cannot create hub.dataDir " + dataDir + ": " + e);
            return 1;
        }
        // SIGTERM and SIGINT: close the hub (servers keep running) before the JVM goes.
        Runtime.getRuntime().addShutdownHook(new Thread(hub::close, "hubkit-shutdown-hook"));
        try {
            hub.start();
        } catch (HubException e) {
            LOG.error("The hub could not start: {}", e.getMessage());
            LOG.debug("Start-up failure", e);
            err.println("hubkit-server: the hub could not start: " + e.getMessage());
            return 1;
        }
        if (generated != null) {
            out.println(SharedPassword.banner(generated, hub.publicUrl(), config.auth().allowAll()));
            out.flush();
        }
        try {
            hub.awaitShutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hub.close();
        }
        LOG.info("Hub shut down; exiting");
        return 0;
    }

    /**
     * Assembles the hub a configuration describes, without starting it: the Netty proxy on
     * {@code proxy.ip:proxy.port}, the local-process spawner (each server as its own OS account
     * when the server runs as root, unless {@code spawner.isolation: none}; then
     * {@code --allow-root} is added to a Jupyter command, as notebook refuses root otherwise), the
     * authenticator with its access rules, the database (H2 in {@code hub.dataDir} unless
     * {@code hub.db} is set), home directories under {@code hub.dataDir/users} and server logs
     * under {@code hub.dataDir/logs}, and the services.
     *
     * <p>With {@code auth.type: shared-password} the configuration must hold
     * {@code auth.password} or {@code auth.adminPassword}: the password from
     * {@code HUBKIT_PASSWORD} or a generated one is added by {@link #main(String[])} only.
     *
     * @param config the configuration
     * @return the hub, not started; {@link Hub#close()} it when not needed
     * @throws ConfigException listing every problem the hub's builders found, each named by its
     *         configuration key
     */
    public static Hub buildHub(ServerConfig config) {
        List<String> problems = new ArrayList<>();
        ServerConfig.HubSection h = config.hub();
        Path dataDir = h.dataDir().toAbsolutePath().normalize();
        Database database = collect(problems, null, () -> h.db() == null ? Database.h2(dataDir) : Database.of(h.db()));
        Authenticator authenticator = collect(problems, null, () -> authenticator(config.auth()));
        LocalProcessSpawner spawner = collect(problems, null, () -> spawner(config.spawner(), dataDir));
        Proxy proxy = config.proxy().type() == ServerConfig.ProxyType.CHP
                ? collect(problems, null, () -> chp(config.proxy(), h, dataDir))
                : collect(problems, "proxy.", () -> NettyProxy.builder().ip(config.proxy().ip()).port(config.proxy().port()).build());
        List<Service> services = new ArrayList<>();
        for (int i = 0; i < config.services().size(); i++) {
            ServiceEntry s = config.services().get(i);
            String path = "services[" + i + "].";
            Service service = collect(problems, null, () -> {
                try {
                    return new Service(s.name(), s.apiToken(), s.admin());
                } catch (ConfigException e) {
                    // Service names its fields services.name / services.<name>.apiToken: point at the entry instead.
                    throw new ConfigException(e.problems().stream()
                            .map(p -> path + p.substring(p.lastIndexOf('.', p.indexOf(':')) + 1)).toList());
                } catch (NullPointerException e) {
                    throw ConfigException.of(path + "apiToken", "required");
                }
            });
            if (service != null) {
                services.add(service);
            }
        }
        if (problems.isEmpty()) {
            Hub.Builder b = Hub.builder()
                    .database(database)
                    .authenticator(authenticator)
                    .spawner(spawner)
                    .proxy(proxy)
                    .volumePolicy(VolumePolicy.perUserDirectory(dataDir.resolve("users"), "/home/jovyan/work"))
                    .bindIp(h.ip())
                    .port(h.port())
                    .publicUrl(h.publicUrl())
                    .hubConnectUrl(h.connectUrl())
                    .concurrentSpawnLimit(h.concurrentSpawnLimit())
                    .activeServerLimit(h.activeServerLimit())
                    .pollInterval(h.pollInterval())
                    .cleanupServers(h.cleanupServers())
                    .startTimeout(config.spawner().startTimeout())
                    .httpTimeout(config.spawner().httpTimeout());
            services.forEach(b::addService);
            try {
                return b.build();
            } catch (ConfigException e) {
                e.problems().forEach(p -> problems.add(hubKey(p)));
            }
        }
        closeQuietly(authenticator, spawner, proxy);
        throw new ConfigException(problems);
    }

    /** Runs one builder, adding its problems (prefixed if asked) to the list instead of throwing them. */
    /** configurable-http-proxy (or hubkit-proxy) through its REST API; started and kept running when a command is given. */
    private static Proxy chp(ServerConfig.ProxySection p, ServerConfig.HubSection h, Path dataDir) {
        String hubHost = h.ip().equals("0.0.0.0") ? "127.0.0.1" : h.ip();
        return ConfigurableHttpProxy.builder()
                .command(p.command())
                .publicAddress(p.ip(), p.port())
                .apiUrl(p.apiUrl())
                .authToken(p.authToken())
                .errorTarget(URI.create("http://" + hubHost + ":" + h.port() + "/hub/error"))
                .logFile(dataDir.resolve("proxy.log"))
                .build();
    }

    private static <T> T collect(List<String> problems, String prefix, Supplier<T> builder) {
        try {
            return builder.get();
        } catch (ConfigException e) {
            e.problems().forEach(p -> problems.add(prefix == null ? p : prefix + p));
            return null;
        }
    }

    /** The Hub builder names its fields; the file names them by key. */
    private static String hubKey(String problem) {
        int colon = problem.indexOf(':');
        if (colon < 0) {
            return problem;
        }
        String key = switch (problem.substring(0, colon)) {
            case "publicUrl" -> "hub.publicUrl";
            case "port" -> "hub.port";
            case "bindIp" -> "hub.ip";
            case "hubConnectUrl" -> "hub.connectUrl";
            case "pollInterval" -> "hub.pollInterval";
            case "concurrentSpawnLimit" -> "hub.concurrentSpawnLimit";
            case "activeServerLimit" -> "hub.activeServerLimit";
            case "startTimeout" -> "spawner.startTimeout";
            case "httpTimeout" -> "spawner.httpTimeout";
            default -> problem.substring(0, colon);
        };
        return key + problem.substring(colon);
    }

    private static Authenticator authenticator(AuthSection auth) {
        AccessRules rules = new AccessRules(new HashSet<>(auth.allowedUsers()), new HashSet<>(auth.blockedUsers()),
                new HashSet<>(auth.adminUsers()), auth.allowAll(), true);
        return switch (auth.type()) {
            case SHARED_PASSWORD -> SharedPasswordAuthenticator.builder().password(auth.password())
                    .adminPassword(auth.adminPassword()).accessRules(rules).build();
            case DUMMY -> new DummyAuthenticator(auth.password(), rules);
        };
    }

    /** The spawner adds {@code --allow-root} itself when its servers run as root ({@code spawner.isolation: none}). */
    private static LocalProcessSpawner spawner(SpawnerSection s, Path dataDir) {
        LocalProcessSpawner.Builder b = LocalProcessSpawner.builder().cmd(s.cmd()).args(s.args())
                .logDirectory(dataDir.resolve("logs")).isolation(s.isolation())
                .systemUserTemplate(s.systemUserTemplate()).createSystemUsers(s.createSystemUsers());
        s.environment().forEach(b::environment);
        return b.build();
    }

    /**
     * @param file the configuration file
     * @return what is wrong with its mode (group or others may read or change it), or {@code null}
     */
    static String exposedConfigFile(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            boolean read = p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
            boolean write = p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
            if (!read && !write) {
                return null;
            }
            return "the configuration file " + file + " is " + (read && write ? "readable and writable" : read ? "readable"
                    : "writable") + " by other users (" + PosixFilePermissions.toString(p) + "), and it holds the hub's"
                    + " secrets (service API tokens, passwords)";
        } catch (IOException | UnsupportedOperationException e) {
            return null; // unreadable: parsing reported it; no POSIX modes: nothing to check
        }
    }

    /**
     * Creates {@code hub.dataDir} and keeps it and {@code users/} below it passable but not
     * listable by others ({@code 0711}: the accounts reach their homes, nobody lists the users);
     * the database and the spawner secure their own files and {@code logs/}.
     */
    private static void secureDataDir(Path dataDir) throws IOException {
        boolean created = !Files.isDirectory(dataDir);
        Files.createDirectories(dataDir);
        if (!dataDir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        if (created) {
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
        }
        for (Path dir : List.of(dataDir, dataDir.resolve("users"))) {
            if (Files.isDirectory(dir)) {
                Set<PosixFilePermission> p = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
                if (p.removeAll(List.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE))) {
                    Files.setPosixFilePermissions(dir, p);
                }
            }
        }
    }

    private static boolean runningAsRoot() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (RuntimeException | LinkageError e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void closeQuietly(AutoCloseable... parts) {
        for (AutoCloseable c : parts) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Closing {} failed: {}", c, e.toString());
            }
        }
    }
}
