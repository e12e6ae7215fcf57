package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time of processes from {@code /proc/PID/stat} (user + system, all threads), to tell which
 * process of a run is busy. In clock ticks of 1/100 s (Linux's USER_HZ).
 */
final class ProcCpu {

    static final int TICKS_PER_SECOND = 100;

    private ProcCpu() {
    }

    /**
     * utime + stime from the text of {@code /proc/PID/stat}; -1 if unreadable. The command name
     * (field 2, in parentheses) may hold spaces, so fields are counted after its closing parenthesis.
     */
    static long ticks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // After ")": field 3 (state) is f[0], so field 14 (utime) is f[11] and field 15 (stime) f[12].
        if (f.length < 13) {
            return -1;
        }
        try {
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** CPU ticks used so far by {@code pid}; -1 if it is gone. */
    static long ticks(long pid) {
        try {
            return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The pid of {@code p} and of everything running under it now (nginx's workers). */
    static List<Long> tree(ProcessHandle p) {
        List<Long> pids = new ArrayList<>();
        pids.add(p.pid());
        p.descendants().forEach(d -> pids.add(d.pid()));
        return pids;
    }

    /** A reading of some processes' CPU time, to compare with a later one. */
    record Mark(List<Long> pids, long[] ticks, long nanos) {

        static Mark of(List<Long> pids) {
            long[] t = new long[pids.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = ProcCpu.ticks(pids.get(i));
            }
            return new Mark(pids, t, System.nanoTime());
        }

        /**
         * The CPU used since this mark by the same processes, in percent of one core; -1 if none
         * of them could be read. A process gone since is left out.
         */
        double percentSince() {
            Mark now = of(pids);
            return percent(ticks, now.ticks, now.nanos - nanos);
        }
    }

    /** CPU percent of one core between two readings of the same processes ({@code -1} entries left out). */
    static double percent(long[] before, long[] after, long elapsedNanos) {
        long used = 0;
        boolean any = false;
        for (int i = 0; i < before.length; i++) {
            if (before[i] >= 0 && after[i] >= 0) {
                used += after[i] - before[i];
                any = true;
            }
        }
        if (!any || elapsedNanos <= 0) {
            return -1;
        }
        return 100.0 * used / TICKS_PER_SECOND / (elapsedNanos / 1e9);
    }
}
