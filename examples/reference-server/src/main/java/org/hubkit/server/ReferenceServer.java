package org.hubkit.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.ConfigException.Problem;
import org.hubkit.api.HubException;
import org.hubkit.api.Proxy;
import org.hubkit.api.Spawner;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.Service;
import org.hubkit.server.ServerConfig.Component;
import org.hubkit.server.ServerConfig.ServiceEntry;
import org.hubkit.server.internal.Arguments;
import org.hubkit.server.internal.SharedPassword;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server: a {@link Hub} configured by one YAML file ({@link ServerConfig}) and run
 * with {@code java -jar hubkit-server.jar [--config FILE]}. By default the in-process Netty
 * proxy, the local-process spawner and a shared-password authenticator; any spawner,
 * authenticator or proxy type whose module is on the class path can be chosen with the
 * section's {@code type}, and the log says which implementation each type came from.
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
    /** The hub builder's fields that are keys of the file under another name. */
    private static final Map<String, String> HUB_FIELDS = Map.of("publicUrl", "hub.publicUrl", "port", "hub.port",
            "bindIp", "hub.ip", "hubConnectUrl", "hub.connectUrl", "pollInterval", "hub.pollInterval",
            "concurrentSpawnLimit", "hub.concurrentSpawnLimit", "activeServerLimit", "hub.activeServerLimit",
            "startTimeout", "spawner.startTimeout", "httpTimeout", "spawner.httpTimeout", "authenticators", "auth");

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
            config = arguments.config() == null ? ServerConfig.defaults(ServerConfig.defaultLoader(), env)
                    : ServerConfig.read(arguments.config(), ServerConfig.defaultLoader(), env);
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
            Component<Authenticator> auth = config.auth();
            if (auth.type().equals("shared-password") && auth.value("password") == null) {
                String fromEnv = env.get(PASSWORD_VARIABLE);
                if (fromEnv != null && !fromEnv.isEmpty()) {
                    if (fromEnv.length() < 8) {
                        throw ConfigException.of(PASSWORD_VARIABLE, "must be at least 8 characters");
                    }
                    config = config.withValue("auth.password", fromEnv);
                } else if (auth.value("adminPassword") == null) {
                    generated = SharedPassword.generate();
                    config = config.withValue("auth.password", generated);
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
            out.println(SharedPassword.banner(generated, hub.publicUrl(), Boolean.TRUE.equals(config.auth().value("allowAll"))));
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
     * Assembles the hub a configuration describes, without starting it: the proxy, authenticator
     * and spawner each built by the factory of its section's type (by default the Netty proxy on
     * {@code proxy.ip:proxy.port}, the shared-password authenticator and the local-process
     * spawner, see their modules' READMEs), the database (H2 in {@code hub.dataDir} unless
     * {@code hub.db} is set), home directories under {@code hub.dataDir/users}, and the services.
     * Logs which implementation each type came from.
     *
     * <p>With {@code auth.type: shared-password} the configuration must hold
     * {@code auth.password} or {@code auth.adminPassword}: the password from
     * {@code HUBKIT_PASSWORD} or a generated one is added by {@link #main(String[])} only.
     *
     * @param config the configuration
     * @return the hub, not started; {@link Hub#close()} it when not needed
     * @throws ConfigException listing every problem the builders found, each named by its
     *         configuration key, in the order of the file
     */
    public static Hub buildHub(ServerConfig config) {
        List<Problem> problems = new ArrayList<>();
        ServerConfig.HubSection h = config.hub();
        Path dataDir = h.dataDir().toAbsolutePath().normalize();
        Database database = collect(problems, p -> p.withKey("jdbcUrl".equals(p.key()) ? "hub.db" : p.key()),
                () -> h.db() == null ? Database.h2(dataDir) : Database.of(h.db()));
        List<Authenticator> authenticators = new ArrayList<>();
        for (Component<Authenticator> a : config.auths()) {
            authenticators.add(component(problems, a));
        }
        Spawner spawner = component(problems, config.spawner());
        Proxy proxy = component(problems, config.proxy());
        List<Service> services = new ArrayList<>();
        for (int i = 0; i < config.services().size(); i++) {
            ServiceEntry s = config.services().get(i);
            String path = "services[" + i + "]";
            Service service = collect(problems, p -> p.under(path), () -> {
                if (s.apiToken() == null) {
                    throw ConfigException.of("apiToken", "required");
                }
                return new Service(s.name(), s.apiToken(), s.admin());
            });
            if (service != null) {
                services.add(service);
            }
        }
        if (problems.isEmpty()) {
            Hub.Builder b = Hub.builder()
                    .database(database)
                    .spawner(spawner)
                    .proxy(proxy)
                    .dataDirectory(dataDir)
                    // A home under the data directory is the local spawner's storage; another type (a
                    // container's) mounts its own (spawner-docker's volumes), not a path of this machine.
                    .volumePolicy(config.spawner().type().equals("local")
                            ? VolumePolicy.perUserDirectory(dataDir.resolve("users"), "/home/jovyan/work") : VolumePolicy.none())
                    .bindIp(h.ip())
                    .port(h.port())
                    .publicUrl(h.publicUrl())
                    .hubConnectUrl(h.connectUrl())
                    .concurrentSpawnLimit(h.concurrentSpawnLimit())
                    .activeServerLimit(h.activeServerLimit())
                    .pollInterval(h.pollInterval())
                    .cleanupServers(h.cleanupServers())
                    .allowNamedServers(h.allowNamedServers())
                    .authRefreshAge(h.authRefreshAge())
                    .refreshPreSpawn(h.refreshPreSpawn())
                    .startTimeout((Duration) config.spawner().value("startTimeout"))
                    .httpTimeout((Duration) config.spawner().value("httpTimeout"));
            services.forEach(b::addService);
            for (int i = 0; i < authenticators.size(); i++) {
                String prefix = config.usernamePrefix(i);
                if (authenticators.size() == 1 && prefix.isEmpty()) {
                    b.authenticator(authenticators.get(i));
                } else {
                    b.addAuthenticator(authenticators.get(i), prefix);
                }
            }
            try {
                Hub hub = b.build();
                List<Component<?>> components = new ArrayList<>(List.of(config.proxy(), config.spawner()));
                components.addAll(1, config.auths());
                for (Component<?> c : components) {
                    LOG.info("{}.type {}: {}", c.kind(), c.type(), c.implementation());
                }
                return hub;
            } catch (ConfigException e) {
                e.details().forEach(p -> problems.add(p.withKey(HUB_FIELDS.getOrDefault(p.key(), p.key()))));
            }
        }
        List<AutoCloseable> built = new ArrayList<>(authenticators);
        built.add(spawner);
        built.add(proxy);
        closeQuietly(built.toArray(AutoCloseable[]::new));
        throw ConfigException.of(config.inFileOrder(problems));
    }

    /** Builds a pluggable section's component; its problems are already named by their keys. */
    private static <T> T component(List<Problem> problems, Component<T> section) {
        return collect(problems, Function.identity(), section::build);
    }

    /** Runs one builder, adding its problems (renamed as asked) to the list instead of throwing them. */
    private static <T> T collect(List<Problem> problems, Function<Problem, Problem> rename, Supplier<T> builder) {
        try {
            return builder.get();
        } catch (ConfigException e) {
            e.details().forEach(p -> problems.add(rename.apply(p)));
            return null;
        }
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
