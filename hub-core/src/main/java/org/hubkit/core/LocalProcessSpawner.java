package org.hubkit.core;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Mount;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.Usernames;
import org.hubkit.core.internal.PrivateFiles;
import org.hubkit.core.internal.SystemUserTemplate;
import org.hubkit.core.internal.SystemUsers;
import org.hubkit.core.internal.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each single-user server as a local process: {@code cmd + args} (default
 * {@code jupyterhub-singleuser}) on a free port of {@code ip}, in the user's home directory (the
 * first read-write {@link Mount.Kind#DIRECTORY} mount of the {@link org.hubkit.api.VolumePolicy}).
 *
 * <p><b>Isolation.</b> When the hub runs as root (and {@link Isolation#AUTO}, the default, or
 * {@link Isolation#SYSTEM_USERS}), each server runs as its own Linux account, as with JupyterHub's
 * {@code LocalProcessSpawner} and The Littlest JupyterHub: the account named by
 * {@link Builder#systemUserTemplate} (default {@code jupyter-{username}}, the user name escaped
 * into a valid account name, see {@link #systemUsername}), created on its first spawn unless
 * {@link Builder#createSystemUsers} is off. The process is started through {@code setpriv} with
 * the account's uid, gid and supplementary groups and {@code no_new_privs}; its home is created if
 * needed, given to the account and set to {@code 0700}; {@code USER} is the account's name. So one
 * user's code cannot read another server's environment ({@code JUPYTERHUB_API_TOKEN}) in
 * {@code /proc}, another home, the hub's database or its logs. Without root (or with
 * {@link Isolation#NONE}) every server runs as the hub's own OS user, as JupyterHub's
 * {@code SimpleLocalProcessSpawner} does, and can read every other server's token: the spawner
 * says so in one warning when it is built. When that user is root ({@link Isolation#NONE} in a hub
 * running as root), {@code --allow-root} is added to a Jupyter command (one whose file name starts
 * with {@code jupyter}) that lacks it, since the notebook server refuses to run as root otherwise.
 *
 * <p><b>Environment.</b> A server gets only the variables of {@code envKeep} taken from the hub's
 * environment (nothing else of it, such as the hub's own secrets), the request's environment,
 * {@code JUPYTERHUB_SERVICE_URL}, {@code USER}, {@code HOME}, {@code SHELL=/bin/bash} and the
 * spawner's {@link Builder#environment}.
 *
 * <p><b>Files.</b> Output goes to one log file per server under {@link #logDirectory()}
 * ({@code logs/} of the {@linkplain Hub.Builder#dataDirectory hub's data directory} unless
 * {@link Builder#logDirectory} says otherwise); the directory is kept {@code 0700} and each log
 * file {@code 0600}, owned by the hub, whatever the umask (a server writes its log through the
 * descriptor it inherits, and cannot read it back).
 * Directories the spawner creates above a home are {@code 0711}: others may pass through to
 * their own home but list nothing.
 *
 * <p>The saved state is the pid, its start time and the port (and the account's name and uid
 * when isolated), so a restarted hub finds the process again (and never mistakes a reused pid for
 * it). Stop sends SIGTERM, then SIGKILL to the process and its descendants after
 * {@code stopTimeout}.
 *
 * <p>Thread-safe: the only mutable state is the set of recently handed-out ports (a concurrent
 * map) and the hub's log directory (set once, when the hub is built); account creation and home
 * preparation are serialised per account, {@code useradd} runs one at a time. Processes outlive
 * {@link #close()} and the hub.
 *
 * @since 0.1
 */
public final class LocalProcessSpawner implements Spawner {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessSpawner.class);
    /** Variables passed through from the hub's environment, as JupyterHub's {@code env_keep}. */
    public static final List<String> DEFAULT_ENV_KEEP = List.of("PATH", "PYTHONPATH", "CONDA_ROOT", "CONDA_DEFAULT_ENV",
            "VIRTUAL_ENV", "LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP");
    private static final String ALLOW_ROOT = "--allow-root";

    private final List<String> command;
    private final String ip;
    /** The builder's log directory, or {@code null}: then the hub's ({@link #useHubDataDirectory}). */
    private final Path explicitLogDirectory;
    /** {@code logs/} of the data directory of the hub this spawner was given to; set once, before any spawn. */
    private final AtomicReference<Path> hubLogDirectory = new AtomicReference<>();
    private final List<String> envKeep;
    private final Map<String, String> environment;
    private final Duration stopTimeout;
    private final ExecutorService executor;
    private final Map<Integer, Long> recentPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private final long hubUid;
    /** The accounts servers run as; {@code null} when they run as the hub's own user. */
    private final SystemUsers accounts;
    private final SystemUserTemplate systemUserTemplate;
    private final boolean createSystemUsers;

    /**
     * Whether each server runs as its own OS account.
     *
     * @since 0.1
     */
    public enum Isolation {
        /**
         * Its own account when the hub runs as root, as {@link #SYSTEM_USERS} (with the same tools:
         * a root hub without them fails to build rather than run every server as root); otherwise
         * the hub's own user, as {@link #NONE}, with a warning when the spawner is built. The default.
         */
        AUTO,
        /**
         * Each server as its own account; {@link Builder#build()} fails unless the hub runs as
         * root and {@code setpriv} (util-linux), {@code getent}, {@code id} and, with
         * {@link Builder#createSystemUsers}, {@code useradd} are installed.
         */
        SYSTEM_USERS,
        /**
         * Every server as the hub's own OS user, as JupyterHub's {@code SimpleLocalProcessSpawner}:
         * any user's code can read every other server's API token and everything the hub's user can
         * read. For a hub with one user, or tests. Warned about when the spawner is built.
         */
        NONE
    }

    private LocalProcessSpawner(Builder b, SystemUsers accounts) {
        List<String> cmd = new ArrayList<>(b.cmd);
        cmd.addAll(b.args);
        // Root without accounts (isolation NONE as root): the notebook server refuses root without the flag.
        if (accounts == null && b.hubUid == 0 && isJupyter(b.cmd.get(0)) && !cmd.contains(ALLOW_ROOT)) {
            cmd.add(ALLOW_ROOT);
            LOG.info("Servers run as root (isolation NONE): added {} to the single-user command, as the notebook server"
                    + " refuses root without it", ALLOW_ROOT);
        }
        this.command = List.copyOf(cmd);
        this.ip = b.ip;
        this.explicitLogDirectory = b.logDirectory == null ? null : b.logDirectory.toAbsolutePath().normalize();
        this.envKeep = List.copyOf(b.envKeep);
        this.environment = Map.copyOf(b.environment);
        this.stopTimeout = b.stopTimeout;
        this.hubUid = b.hubUid;
        this.accounts = accounts;
        this.systemUserTemplate = SystemUserTemplate.parse(b.systemUserTemplate);
        this.createSystemUsers = b.createSystemUsers;
        if (accounts == null) {
            String who = b.hubUid == 0 ? "root (uid 0)" : System.getProperty("user.name") + " (uid " + b.hubUid + ")";
            LOG.warn("Single-user servers are NOT isolated from each other: every server runs as OS user {} and can read"
                    + " the others' tokens; {}", who, b.isolation == Isolation.NONE
                    ? "set isolation AUTO or SYSTEM_USERS and run the hub as root to give each server its own account"
                    : "run the hub as root to give each server its own account");
        } else {
            LOG.info("Each single-user server runs as its own OS account ({}, {})", b.systemUserTemplate,
                    b.createSystemUsers ? "created on its first spawn" : "which must exist: createSystemUsers is off");
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-spawner-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** @return a builder with JupyterHub's defaults */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "LocalProcessSpawner";
    }

    /** @return the command and arguments each server runs */
    public List<String> command() {
        return command;
    }

    /**
     * @return the directory each server's log is written to: the builder's
     *         {@link Builder#logDirectory}, else {@code logs/} of the data directory of the
     *         {@link Hub} this spawner was given to, else {@code ./hubkit-data/logs} (a spawner
     *         used without a hub); absolute
     */
    public Path logDirectory() {
        if (explicitLogDirectory != null) {
            return explicitLogDirectory;
        }
        Path fromHub = hubLogDirectory.get();
        return fromHub != null ? fromHub : Path.of("hubkit-data", "logs").toAbsolutePath();
    }

    /**
     * Called by {@link Hub.Builder#build()}: without a {@link Builder#logDirectory}, logs go to
     * {@code logs/} of the hub's data directory. The first hub built with this spawner wins.
     */
    void useHubDataDirectory(Path dataDirectory) {
        hubLogDirectory.compareAndSet(null, dataDirectory.toAbsolutePath().normalize().resolve("logs"));
    }

    private static boolean isJupyter(String command) {
        String name = command.substring(command.lastIndexOf('/') + 1);
        return name.toLowerCase(Locale.ROOT).startsWith("jupyter");
    }

    /** @return whether each server runs as its own OS account (else as the hub's own user) */
    public boolean isolated() {
        return accounts != null;
    }

    /**
     * The OS account a hub user's servers run as when {@link #isolated()}: the
     * {@link Builder#systemUserTemplate} filled with the user name. A name of {@code [a-z0-9_-]}
     * that fits stays as it is ({@code jupyter-alice}); any other (upper case, other
     * characters, longer than 32 with the template, or ending like a hash suffix) is escaped,
     * shortened if need be, and given {@code -} and 8 hex digits of the SHA-256 of the user name
     * ({@code Alice} becomes {@code jupyter-alice-3bc51062}), so that two hub users never share
     * an account. The result is at most 32 characters of {@code [a-z0-9_-]}, starting with a letter.
     *
     * @param username a hub user name
     * @return the account name
     */
    public String systemUsername(String username) {
        return systemUserTemplate.apply(username);
    }

    @Override
    public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
        return CompletableFuture.supplyAsync(() -> launch(request, context), executor);
    }

    private SpawnResult launch(SpawnRequest request, SpawnContext context) {
        ServerId id = request.server();
        Path home = request.mounts().stream()
                .filter(m -> m.kind() == Mount.Kind.DIRECTORY && !m.readOnly())
                .map(m -> Path.of(m.source()).toAbsolutePath().normalize()).findFirst()
                .orElseThrow(() -> new SpawnException("LocalProcessSpawner needs a read-write DIRECTORY mount for "
                        + id + "'s home; configure a VolumePolicy such as VolumePolicy.perUserDirectory"));
        for (Mount m : request.mounts()) {
            if (m.kind() != Mount.Kind.DIRECTORY) {
                throw new SpawnException("LocalProcessSpawner cannot mount a " + m.kind() + " (" + m.source() + ")");
            }
        }
        Path logDirectory = logDirectory();
        Path log = logDirectory.resolve(Usernames.escape(id.user())
                + (id.isDefault() ? "" : "--" + Usernames.escape(id.serverName())) + ".log");
        SystemUsers.Account account = null;
        int port;
        try {
            if (accounts != null) {
                account = accounts.ensure(systemUsername(id.user()), id.user(), home, createSystemUsers);
                accounts.prepareHome(home, account, hubUid);
                accounts.checkReachable(home, account);
                context.progress(20, "Running as OS account " + account.name());
            } else if (!PrivateFiles.createDirectories(home, PrivateFiles.PRIVATE_DIRECTORY)) {
                restrict(home, 0077);
            }
            PrivateFiles.createDirectories(logDirectory, PrivateFiles.PRIVATE_DIRECTORY);
            restrict(logDirectory, 0077);
            PrivateFiles.privateFile(log);
            port = freePort();
        } catch (IOException e) {
            throw new SpawnException("Cannot prepare " + id + "'s directory " + home + ": " + e.getMessage(), e);
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String key : envKeep) {
            String v = System.getenv(key);
            if (v != null) {
                env.put(key, v);
            }
        }
        env.putAll(request.environment());
        env.put("JUPYTERHUB_SERVICE_URL", "http://" + hostForUrl(ip) + ":" + port + request.servicePrefix());
        env.put("USER", account == null ? id.user() : account.name());
        env.put("HOME", home.toString());
        env.put("SHELL", "/bin/bash");
        env.putAll(environment);
        List<String> argv = account == null ? command : accounts.asAccount(account, command);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new SpawnException("Cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        long pid = process.pid();
        Map<String, String> saved = new LinkedHashMap<>(Map.of("pid", Long.toString(pid), "port", Integer.toString(port),
                "ip", ip, "start_time", startTime(process.toHandle()).map(Instant::toString).orElse("")));
        if (account != null) {
            saved.put("system_user", account.name());
            saved.put("uid", Integer.toString(account.uid()));
        }
        SpawnerState state = new SpawnerState(saved);
        context.saveState(state);
        LOG.info("Started {} for {} as pid {} on {}:{} as OS user {} (log {})", command.get(0), LogSafe.value(id), pid, ip, port,
                account == null ? System.getProperty("user.name") : account.name() + " (uid " + account.uid() + ")", log);
        context.progress(30, "Process started (pid " + pid + "), waiting for port " + port);
        long deadline = System.nanoTime() + request.startTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            if (context.isCancelled()) {
                LOG.info("Spawn of {} cancelled; killing pid {}", id, pid);
                process.destroyForcibly();
                throw new SpawnException("Spawn of " + id + " cancelled");
            }
            if (!process.isAlive()) {
                throw new SpawnException("The server process exited with code " + process.exitValue()
                        + " before listening; last output:\n" + tail(log));
            }
            if (listening(port)) {
                context.progress(60, "Server process is listening on port " + port);
                return new SpawnResult(URI.create("http://" + hostForUrl(ip) + ":" + port), state);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new SpawnException("The server process did not listen on port " + port + " within "
                + request.startTimeout().toSeconds() + " s; last output:\n" + tail(log));
    }

    /** Takes bits away from a directory the spawner keeps; one it cannot change is only warned about. */
    private static void restrict(Path dir, int bits) {
        try {
            PrivateFiles.restrict(dir, bits);
        } catch (IOException e) {
            LOG.warn("Cannot make {} private to the hub (mode 0700): {}", dir, e.toString());
        }
    }

    private static String hostForUrl(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }

    /**
     * A port free now and not handed to another spawn in the last minute: between this check
     * and the child's bind, a concurrent spawn must not get the same port.
     */
    private int freePort() throws IOException {
        long now = System.nanoTime();
        recentPorts.values().removeIf(t -> now - t > TimeUnit.MINUTES.toNanos(1));
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(ip, 0));
                int port = s.getLocalPort();
                if (recentPorts.putIfAbsent(port, now) == null) {
                    return port;
                }
            }
        }
        throw new IOException("no free port on " + ip);
    }

    private boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 2000);
            byte[] b = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static Optional<Instant> startTime(ProcessHandle h) {
        return h.info().startInstant();
    }

    /** The process the state names, if it is still the same process (pid and start time match). */
    private static Optional<ProcessHandle> find(SpawnerState state) {
        Optional<String> pid = state.get("pid");
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h;
        try {
            h = ProcessHandle.of(Long.parseLong(pid.get()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String saved = state.get("start_time").orElse("");
        return h.filter(ProcessHandle::isAlive)
                .filter(p -> saved.isEmpty() || startTime(p).map(Instant::toString).orElse("").equals(saved));
    }

    @Override
    public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
        return CompletableFuture.completedFuture(find(state).isPresent() ? PollResult.alive()
                : PollResult.stopped(null, "process " + state.get("pid").orElse("?") + " is gone"));
    }

    @Override
    public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
        return CompletableFuture.runAsync(() -> {
            Optional<ProcessHandle> found = find(state);
            if (found.isEmpty()) {
                return;
            }
            ProcessHandle p = found.get();
            List<ProcessHandle> children = p.descendants().toList();
            LOG.info("Stopping {} (pid {})", LogSafe.value(server), p.pid());
            p.destroy();
            try {
                p.onExit().get(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warn("{} (pid {}) did not exit on SIGTERM within {} s; killing it", LogSafe.value(server), p.pid(),
                        stopTimeout.toSeconds());
                p.destroyForcibly();
                try {
                    p.onExit().get(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e2) {
                    throw new SpawnException("Process " + p.pid() + " of " + server + " did not die");
                }
            }
            for (ProcessHandle child : children) {
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
            }
        }, executor);
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    /** Builds a {@link LocalProcessSpawner}; {@link #build()} validates every field. */
    public static final class Builder {
        private List<String> cmd = List.of("jupyterhub-singleuser");
        private List<String> args = List.of();
        private String ip = "127.0.0.1";
        private Path logDirectory;
        private List<String> envKeep = DEFAULT_ENV_KEEP;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Duration stopTimeout = Duration.ofSeconds(5);
        private Isolation isolation = Isolation.AUTO;
        private String systemUserTemplate = "jupyter-" + SystemUserTemplate.PLACEHOLDER;
        private boolean createSystemUsers = true;
        private long hubUid = SystemUsers.currentUid();

        private Builder() {
        }

        /** @param cmd the command, default {@code [jupyterhub-singleuser]} @return this */
        public Builder cmd(List<String> cmd) {
            this.cmd = cmd == null ? null : List.copyOf(cmd);
            return this;
        }

        /** @param args extra arguments after the command @return this */
        public Builder args(List<String> args) {
            this.args = args == null ? null : List.copyOf(args);
            return this;
        }

        /** @param ip where servers listen, default 127.0.0.1 @return this */
        public Builder ip(String ip) {
            this.ip = ip;
            return this;
        }

        /**
         * @param dir where each server's output is written; kept {@code 0700}, each server's log
         *        {@code 0600}, owned by the hub. Default ({@code null}): {@code logs/} of the
         *        {@linkplain Hub.Builder#dataDirectory data directory} of the hub the spawner is
         *        given to, see {@link LocalProcessSpawner#logDirectory()}
         * @return this
         */
        public Builder logDirectory(Path dir) {
            this.logDirectory = dir;
            return this;
        }

        /**
         * @param keys the variables passed through from the hub's environment (default
         *        {@link #DEFAULT_ENV_KEEP}); no other variable of the hub's environment reaches a server
         * @return this
         */
        public Builder envKeep(List<String> keys) {
            this.envKeep = keys == null ? null : List.copyOf(keys);
            return this;
        }

        /** @param name a variable every server gets @param value its value @return this */
        public Builder environment(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        /** @param timeout how long to wait after SIGTERM before SIGKILL @return this */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * @param isolation whether each server runs as its own OS account: {@link Isolation#AUTO}
         *        (the default: when the hub runs as root), {@link Isolation#SYSTEM_USERS} (always;
         *        the build fails without root) or {@link Isolation#NONE} (never)
         * @return this
         */
        public Builder isolation(Isolation isolation) {
            this.isolation = isolation;
            return this;
        }

        /**
         * @param template the name of the OS account a hub user's servers run as, holding
         *        {@code {username}} once (default {@code jupyter-{username}}, as The Littlest
         *        JupyterHub). Besides the placeholder only {@code a-z 0-9 _ -}, at most 22
         *        characters, starting with a letter or the placeholder; how the user name is
         *        escaped is told at {@link LocalProcessSpawner#systemUsername}. Keep a prefix: an
         *        existing account below {@code UID_MIN} (a system account such as {@code www-data})
         *        that Hubkit did not create is refused, root's always.
         * @return this
         */
        public Builder systemUserTemplate(String template) {
            this.systemUserTemplate = template;
            return this;
        }

        /**
         * @param create whether a missing account is created on the user's first spawn (default
         *        true): {@code useradd --user-group --no-create-home --home-dir HOME --shell /bin/bash},
         *        no password, its comment recording the hub user ({@code Hubkit user alice}). When
         *        false, a spawn for a user without an account fails saying which account to create.
         *        Hubkit never deletes accounts.
         * @return this
         */
        public Builder createSystemUsers(boolean create) {
            this.createSystemUsers = create;
            return this;
        }

        /** For tests: the uid to take the hub as running under, instead of this process's. */
        Builder hubUid(long uid) {
            this.hubUid = uid;
            return this;
        }

        /** @return the spawner @throws ConfigException naming every bad field */
        public LocalProcessSpawner build() {
            List<String> problems = new ArrayList<>();
            if (cmd == null || cmd.isEmpty() || cmd.get(0).isBlank()) {
                problems.add("cmd: must name a command");
            }
            if (args == null) {
                problems.add("args: must be a list");
            }
            if (ip == null || ip.isBlank()) {
                problems.add("ip: required");
            }
            if (envKeep == null) {
                problems.add("envKeep: must be a list");
            }
            if (stopTimeout == null || stopTimeout.isNegative() || stopTimeout.isZero()) {
                problems.add("stopTimeout: must be positive");
            }
            SystemUserTemplate.problems(systemUserTemplate).forEach(p -> problems.add("systemUserTemplate: " + p));
            SystemUsers accounts = null;
            if (isolation == null) {
                problems.add("isolation: required (AUTO, SYSTEM_USERS or NONE)");
            } else if (isolation == Isolation.SYSTEM_USERS && hubUid != 0) {
                problems.add("isolation: SYSTEM_USERS needs the hub to run as root, to start each server as its own"
                        + " OS account; it runs as " + System.getProperty("user.name") + " (uid " + hubUid + ")");
            } else if (isolation != Isolation.NONE && hubUid == 0) {
                accounts = SystemUsers.locate(createSystemUsers, problems).orElse(null);
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new LocalProcessSpawner(this, accounts);
        }
    }
}
