package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hub process this benchmark started, with its own temporary folder, log and API client.
 *
 * <p>{@link #close()} ends it and everything it started, and nothing else: it asks the hub to
 * shut down ({@code POST /hub/api/shutdown}), then ends the hub's own pid, then those of the
 * processes seen running under it (a proxy, single-user servers). Those are recorded every
 * second while the hub runs, so that children the hub leaves behind when it dies are still
 * known. Close is idempotent and safe to call from a shutdown hook.
 */
final class RunningHub implements AutoCloseable {

    private final String label;
    private final Process process;
    private final Path workDir;
    private final Path log;
    private final HubApi api;
    private final boolean keepWorkDir;
    private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService tracker;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningHub(String label, Process process, Path workDir, Path log, HubApi api, boolean keepWorkDir) {
        this.label = label;
        this.process = process;
        this.workDir = workDir;
        this.log = log;
        this.api = api;
        this.keepWorkDir = keepWorkDir;
        this.tracker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "track-" + label);
            t.setDaemon(true);
            return t;
        });
        tracker.scheduleWithFixedDelay(this::track, 0, 1, TimeUnit.SECONDS);
    }

    /** Starts {@code command} in {@code workDir}, its output going to {@code workDir/hub.log}. */
    static RunningHub start(String label, List<String> command, Path workDir, Map<String, String> env,
                            HubApi api, boolean keepWorkDir) throws IOException {
        Path log = workDir.resolve("hub.log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        return new RunningHub(label, p, workDir, log, api, keepWorkDir);
    }

    String label() {
        return label;
    }

    HubApi api() {
        return api;
    }

    Path workDir() {
        return workDir;
    }

    long pid() {
        return process.pid();
    }

    /** Null while the hub runs, else how it ended. */
    String exitDescription() {
        return process.isAlive() ? null : label + " exited with " + process.exitValue();
    }

    /**
     * Waits until {@code GET /hub/api/} answers 200, and returns the version it names.
     *
     * @throws IOException when the hub exits first or the time runs out
     */
    String awaitUp(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(label + " exited with " + process.exitValue() + " before answering; log:\n" + logTail(40));
            }
            try {
                HubApi.Answer a = api.version();
                if (a.status() == 200) {
                    return a.json() != null && a.json().hasNonNull("version") ? a.json().get("version").asText() : "?";
                }
                last = "HTTP " + a.status();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IOException(label + " did not answer " + api.base() + "/ within " + timeout.toSeconds()
                + " s (" + last + "); log:\n" + logTail(40));
    }

    /** The last lines of the hub's log, for error messages. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    private void track() {
        try {
            if (process.isAlive()) {
                process.descendants().forEach(seen::add);
            }
        } catch (RuntimeException ignored) {
            // a process list read racing with exits: the next round catches up
        }
    }

    /**
     * Asks the hub to stop its servers and proxy and exit, then ends whatever is left.
     * Prints what it had to force. Never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        track();
        try {
            if (process.isAlive()) {
                try {
                    HubApi.Answer a = api.shutdown();
                    if (!a.is(200, 202, 204)) {
                        System.err.println("[" + label + "] POST /hub/api/shutdown answered " + a.status() + ": " + a.body());
                    }
                } catch (IOException e) {
                    System.err.println("[" + label + "] POST /hub/api/shutdown failed: " + e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (!waitExit(process.toHandle(), Duration.ofSeconds(30))) {
                    System.err.println("[" + label + "] still running 30 s after shutdown: SIGTERM to pid " + process.pid());
                    track();
                    end(process.toHandle());
                }
            }
            List<ProcessHandle> left = new ArrayList<>();
            for (ProcessHandle h : seen) {
                if (running(h)) {
                    left.add(h);
                }
            }
            if (!left.isEmpty()) {
                left.forEach(ProcessHandle::destroy);
                awaitAllGone(left, Duration.ofSeconds(10));
                left.stream().filter(RunningHub::running).forEach(ProcessHandle::destroyForcibly);
                awaitAllGone(left, Duration.ofSeconds(5));
                System.err.println("[" + label + "] ended " + left.size() + " process(es) the hub left behind");
            }
        } finally {
            tracker.shutdownNow();
            if (keepWorkDir) {
                System.err.println("[" + label + "] kept " + workDir);
            } else {
                deleteTree(workDir);
            }
        }
    }

    private static void end(ProcessHandle h) {
        h.destroy();
        if (!waitExit(h, Duration.ofSeconds(15))) {
            h.destroyForcibly();
            waitExit(h, Duration.ofSeconds(5));
        }
    }

    private static boolean waitExit(ProcessHandle h, Duration timeout) {
        awaitAllGone(List.of(h), timeout);
        return !running(h);
    }

    private static void awaitAllGone(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && handles.stream().anyMatch(RunningHub::running)) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Alive and not a zombie. An orphan that exited stays a zombie until init reaps it, and
     * some sandboxes' init never does: such a process holds no port or file any more.
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return h.isAlive();
        }
    }

    /** Deletes a folder and everything in it; best effort. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete all of " + dir + ": " + e);
        }
    }
}
