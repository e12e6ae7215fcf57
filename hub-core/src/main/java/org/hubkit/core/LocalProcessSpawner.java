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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.hubkit.core.internal.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each single-user server as a local process of the hub's own OS user, as JupyterHub's
 * {@code SimpleLocalProcessSpawner} does: {@code cmd + args} (default
 * {@code jupyterhub-singleuser}) on a free port of {@code ip}, in the user's home directory (the
 * first read-write {@link Mount.Kind#DIRECTORY} mount of the {@link org.hubkit.api.VolumePolicy}).
 *
 * <p>The saved state is the pid, its start time and the port, so a restarted hub finds the
 * process again (and never mistakes a reused pid for it). Output goes to one log file per
 * server under {@code logDirectory}. Stop sends SIGTERM, then SIGKILL to the process and its
 * descendants after {@code stopTimeout}.
 *
 * <p>Thread-safe. Processes outlive {@link #close()} and the hub.
 *
 * @since 0.1
 */
public final class LocalProcessSpawner implements Spawner {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessSpawner.class);
    /** Variables passed through from the hub's environment, as JupyterHub's {@code env_keep}. */
    public static final List<String> DEFAULT_ENV_KEEP = List.of("PATH", "PYTHONPATH", "CONDA_ROOT", "CONDA_DEFAULT_ENV",
            "VIRTUAL_ENV", "LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP");

    private final List<String> command;
    private final String ip;
    private final Path logDirectory;
    private final List<String> envKeep;
    private final Map<String, String> environment;
    private final Duration stopTimeout;
    private final ExecutorService executor;
    private final Map<Integer, Long> recentPorts = new java.util.concurrent.ConcurrentHashMap<>();

    private LocalProcessSpawner(Builder b) {
        List<String> cmd = new ArrayList<>(b.cmd);
        cmd.addAll(b.args);
        this.command = List.copyOf(cmd);
        this.ip = b.ip;
        this.logDirectory = b.logDirectory.toAbsolutePath();
        this.envKeep = List.copyOf(b.envKeep);
        this.environment = Map.copyOf(b.environment);
        this.stopTimeout = b.stopTimeout;
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

    @Override
    public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
        return CompletableFuture.supplyAsync(() -> launch(request, context), executor);
    }

    private SpawnResult launch(SpawnRequest request, SpawnContext context) {
        ServerId id = request.server();
        Path home = request.mounts().stream()
                .filter(m -> m.kind() == Mount.Kind.DIRECTORY && !m.readOnly())
                .map(m -> Path.of(m.source())).findFirst()
                .orElseThrow(() -> new SpawnException("LocalProcessSpawner needs a read-write DIRECTORY mount for "
                        + id + "'s home; configure a VolumePolicy such as VolumePolicy.perUserDirectory"));
        for (Mount m : request.mounts()) {
            if (m.kind() != Mount.Kind.DIRECTORY) {
                throw new SpawnException("LocalProcessSpawner cannot mount a " + m.kind() + " (" + m.source() + ")");
            }
        }
        int port;
        try {
            Files.createDirectories(home);
            Files.createDirectories(logDirectory);
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
        env.put("USER", id.user());
        env.put("HOME", home.toString());
        env.put("SHELL", "/bin/bash");
        env.putAll(environment);
        Path log = logDirectory.resolve(Usernames.escape(id.user())
                + (id.isDefault() ? "" : "--" + Usernames.escape(id.serverName())) + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new SpawnException("Cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        long pid = process.pid();
        SpawnerState state = new SpawnerState(Map.of("pid", Long.toString(pid), "port", Integer.toString(port), "ip", ip,
                "start_time", startTime(process.toHandle()).map(Instant::toString).orElse("")));
        context.saveState(state);
        LOG.info("Started {} for {} as pid {} on {}:{} (log {})", command.get(0), LogSafe.value(id), pid, ip, port, log);
        context.progress(30, "Process started (pid " + pid + "), waiting for port " + port);
        long deadline = System.nanoTime() + request.startTimeout().toNanos();
        while (System.nanoTime() < deadline) {
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
        private Path logDirectory = Path.of("hubkit-data", "logs");
        private List<String> envKeep = DEFAULT_ENV_KEEP;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Duration stopTimeout = Duration.ofSeconds(5);

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

        /** @param dir where each server's output is written @return this */
        public Builder logDirectory(Path dir) {
            this.logDirectory = dir;
            return this;
        }

        /** @param keys variables passed through from the hub's environment @return this */
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

        /** @return the spawner @throws ConfigException naming every bad field */
        public LocalProcessSpawner build() {
            List<String> problems = new ArrayList<>();
            if (cmd == null || cmd.isEmpty() || cmd.get(0).isBlank()) {
                problems.add("spawner.cmd: must name a command");
            }
            if (args == null) {
                problems.add("spawner.args: must be a list");
            }
            if (ip == null || ip.isBlank()) {
                problems.add("spawner.ip: required");
            }
            if (logDirectory == null) {
                problems.add("spawner.logDirectory: required");
            }
            if (envKeep == null) {
                problems.add("spawner.envKeep: must be a list");
            }
            if (stopTimeout == null || stopTimeout.isNegative() || stopTimeout.isZero()) {
                problems.add("spawner.stopTimeout: must be positive");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new LocalProcessSpawner(this);
        }
    }
}
