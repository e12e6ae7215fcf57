package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ending a started process and what runs under it, by pid (a shell and its sleeps; no load). */
class ProcessTreeTest {

    @Test
    void endsTheProcessThenWhatItLeftBehind() throws Exception {
        Process sh = start("sleep 60 & sleep 60 & wait");
        ProcessTree tree = trackedTree(sh, 2);
        try {
            assertFalse(tree.awaitGone(Duration.ofMillis(100)));
            tree.endProcess(Duration.ofSeconds(10));
            assertTrue(tree.awaitGone(Duration.ZERO));
            List<ProcessHandle> ended = tree.endDescendants(Duration.ofSeconds(10));
            assertEquals(2, ended.size());
            assertTrue(ended.stream().noneMatch(ProcessTree::running));
            assertEquals(List.of(), tree.endDescendants(Duration.ofSeconds(10)));
        } finally {
            sh.descendants().forEach(ProcessHandle::destroyForcibly);
            sh.destroyForcibly();
        }
    }

    @Test
    void killsWhatIgnoresSigterm() throws Exception {
        Process sh = start("trap '' TERM; sleep 60 & wait");
        ProcessTree tree = trackedTree(sh, 1);
        try {
            tree.endProcess(Duration.ofMillis(300));
            assertTrue(tree.awaitGone(Duration.ZERO));
            assertEquals(1, tree.endDescendants(Duration.ofMillis(300)).size());
        } finally {
            sh.descendants().forEach(ProcessHandle::destroyForcibly);
            sh.destroyForcibly();
        }
    }

    private static Process start(String script) throws IOException {
        return new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** A tree of {@code p} once {@code n} processes run under it. */
    private static ProcessTree trackedTree(Process p, int n) throws InterruptedException {
        ProcessTree tree = new ProcessTree(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.descendants().count() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        tree.track();
        return tree;
    }
}
