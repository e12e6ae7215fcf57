package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading CPU time from /proc/PID/stat. */
class ProcCpuTest {

    @Test
    void readsUserPlusSystemTicksEvenWithSpacesInTheName() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (nginx: worker) S 4241 4241 4241 0 -1 4194624 120 0 0 0 731 269 0 0 20 0 1 0 5000 1000 200";
        assertEquals(1000, ProcCpu.ticks(stat));
        assertEquals(-1, ProcCpu.ticks("garbage"));
        assertEquals(-1, ProcCpu.ticks("1 (x) S 1 2"));
    }

    @Test
    void percentOfOneCore() {
        // 150 ticks = 1.5 s of CPU in 1 s: 150% of a core; a process not read is left out.
        assertEquals(150.0, ProcCpu.percent(new long[] {100, 0, -1}, new long[] {200, 50, 70}, 1_000_000_000L), 1e-9);
        assertEquals(-1.0, ProcCpu.percent(new long[] {-1}, new long[] {5}, 1_000_000_000L));
        assertEquals(-1.0, ProcCpu.percent(new long[] {1}, new long[] {5}, 0));
    }

    @Test
    void readsThisJvm() {
        long pid = ProcessHandle.current().pid();
        assertTrue(ProcCpu.ticks(pid) >= 0);
        assertEquals(-1, ProcCpu.ticks(Long.MAX_VALUE));
        assertTrue(ProcCpu.Mark.of(List.of(pid)).percentSince() >= 0);
    }
}
