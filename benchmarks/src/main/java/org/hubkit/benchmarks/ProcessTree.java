package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A process this run started and the processes seen running under it, which it ends by pid, and
 * nothing else: SIGTERM, then SIGKILL after a grace period. Shared by {@link RunningHub} and
 * {@link Child}; nothing here throws.
 */
final class ProcessTree {

    /** How long to wait for a process to go after SIGKILL. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private final Process process;
    private final Set<ProcessHandle> descendants = ConcurrentHashMap.newKeySet();

    ProcessTree(Process process) {
        this.process = process;
    }

    /**
     * Records the processes now running under this one, so that they can still be ended when
     * it has died and left them behind.
     */
    void track() {
        try {
            if (process.isAlive()) {
                process.descendants().forEach(descendants::add);
            }
        } catch (RuntimeException ignored) {
            // a process list read racing with exits: the next round catches up
        }
    }

    /** Waits at most {@code timeout} for the process itself to be gone; true when it is. */
    boolean awaitGone(Duration timeout) {
        ProcessHandle h = process.toHandle();
        awaitAllGone(List.of(h), timeout);
        return !running(h);
    }

    /** Ends the process itself: SIGTERM, then SIGKILL after {@code grace}. */
    void endProcess(Duration grace) {
        endAll(List.of(process.toHandle()), grace);
    }

    /** Ends the processes seen running under it that still run, all at once; returns those. */
    List<ProcessHandle> endDescendants(Duration grace) {
        return endAll(descendants, grace);
    }

    /**
     * Ends those of {@code handles} that still run: SIGTERM to all, SIGKILL after {@code grace}
     * to those still running, then waits a little for them to go.
     *
     * @return the ones that were running
     */
    static List<ProcessHandle> endAll(Collection<ProcessHandle> handles, Duration grace) {
        List<ProcessHandle> left = handles.stream().filter(ProcessTree::running).toList();
        if (!left.isEmpty()) {
            left.forEach(ProcessHandle::destroy);
            awaitAllGone(left, grace);
            left.stream().filter(ProcessTree::running).forEach(ProcessHandle::destroyForcibly);
            awaitAllGone(left, AFTER_KILL);
        }
        return left;
    }

    private static void awaitAllGone(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && handles.stream().anyMatch(ProcessTree::running)) {
            try {
                Thread.sleep(50);
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
}
