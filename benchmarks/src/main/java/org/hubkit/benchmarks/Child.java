package org.hubkit.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process {@link ProxyBenchmark} started: its output (standard output and error together)
 * goes to a log file and is watched line by line. {@link #close()} ends it and then whatever was
 * seen running under it (nginx's workers), by pid, and nothing else. Idempotent; safe from a
 * shutdown hook.
 */
final class Child implements AutoCloseable {

    private final String label;
    private final Process process;
    private final Path log;
    private final ProcessTree tree;
    private final Deque<String> lines = new ArrayDeque<>();
    private final List<Consumer<String>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread pump;

    private Child(String label, Process process, Path log) throws IOException {
        this.label = label;
        this.process = process;
        this.log = log;
        this.tree = new ProcessTree(process);
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        this.pump = new Thread(() -> pump(out), "out-" + label);
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@code command}. With {@code stdinPipe} its standard input stays an open pipe to this
     * JVM (our own mains exit when it closes); else it reads {@code /dev/null}.
     */
    static Child start(String label, List<String> command, Path log, Map<String, String> env, boolean stdinPipe)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (!stdinPipe) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        pb.environment().putAll(env);
        return new Child(label, pb.start(), log);
    }

    String label() {
        return label;
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** Null while it runs, else how it ended. */
    String exitDescription() {
        return process.isAlive() ? null : label + " (pid " + process.pid() + ") exited with " + process.exitValue();
    }

    private void pump(Writer out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             out) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                synchronized (lines) {
                    lines.addLast(line);
                    if (lines.size() > 2000) {
                        lines.removeFirst();
                    }
                    lines.notifyAll();
                }
                for (Consumer<String> l : listeners) {
                    l.accept(line);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        } finally {
            synchronized (lines) {
                lines.notifyAll();
            }
        }
    }

    /** Calls {@code listener} with every later line of output (on the pump thread). */
    void onLine(Consumer<String> listener) {
        listeners.add(listener);
    }

    /**
     * Waits for a line of output matching {@code pattern} (searched in all kept lines).
     *
     * @throws IOException when the process exits first or the time runs out
     */
    Matcher awaitLine(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    Matcher m = pattern.matcher(l);
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException(label + " printed no line matching /" + pattern + "/ within "
                            + timeout.toSeconds() + " s; output:\n" + tail(30));
                }
                if (!process.isAlive() && !pump.isAlive()) {
                    throw new IOException(exitDescription() + " before printing /" + pattern + "/; output:\n" + tail(30));
                }
                lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /**
     * Waits for the process to end by itself, for at most {@code timeout}; then ends it.
     *
     * @return its exit code, or -1 if it had to be ended
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            try {
                pump.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return process.exitValue();
        }
        close();
        return -1;
    }

    /** All output kept (the last 2,000 lines). */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** The last lines of output. */
    String tail(int n) {
        synchronized (lines) {
            List<String> all = new ArrayList<>(lines);
            return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
        }
    }

    /** Every line of the whole log file that matches {@code pattern}. */
    List<String> grepLog(Pattern pattern) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> pattern.matcher(l).find()).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Records the processes now running under this one, so that they can be ended later. */
    void track() {
        tree.track();
    }

    /** SIGTERM, then SIGKILL after 10 s; then the same for the descendants still running, all at once. Never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tree.track();
        tree.endProcess(Duration.ofSeconds(10));
        int left = tree.endDescendants(Duration.ofSeconds(10)).size();
        if (left > 0) {
            System.err.println("[" + label + "] ended " + left + " process(es) left under pid " + process.pid());
        }
        try {
            pump.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
