package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    private final ProcessTree tree;
    private final ScheduledExecutorService tracker;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RunningHub(String label, Process process, Path workDir, Path log, HubApi api, boolean keepWorkDir) {
        this.label = label;
        this.process = process;
        this.workDir = workDir;
        this.log = log;
        this.api = api;
        this.keepWorkDir = keepWorkDir;
        this.tree = new ProcessTree(process);
        this.tracker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "track-" + label);
            t.setDaemon(true);
            return t;
        });
        tracker.scheduleWithFixedDelay(tree::track, 0, 1, TimeUnit.SECONDS);
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

    /**
     * Asks the hub to stop its servers and proxy and exit, then ends whatever is left.
     * Prints what it had to force. Never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tree.track();
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
                if (!tree.awaitGone(Duration.ofSeconds(30))) {
                    System.err.println("[" + label + "] still running 30 s after shutdown: SIGTERM to pid " + process.pid());
                    tree.track();
                    tree.endProcess(Duration.ofSeconds(15));
                }
            }
            int left = tree.endDescendants(Duration.ofSeconds(10)).size();
            if (left > 0) {
                System.err.println("[" + label + "] ended " + left + " process(es) the hub left behind");
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
