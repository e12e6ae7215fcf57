package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads one JVM's memory from outside: resident set size, threads and open files from
 * {@code /proc/<pid>}, and its Java heap from {@code jstat -gc <pid>} (else
 * {@code jcmd <pid> GC.heap_info}). Sizes in KiB; -1 where a figure could not be read.
 */
final class ProcMemory {

    /** One reading. */
    record Sample(long millis, long rssKb, int threads, int fds, long heapUsedKb, long heapCommittedKb, long oldUsedKb) {
    }

    private static final Pattern VM_RSS = Pattern.compile("^VmRSS:\\s+(\\d+)\\s+kB", Pattern.MULTILINE);
    private static final Pattern THREADS = Pattern.compile("^Threads:\\s+(\\d+)", Pattern.MULTILINE);
    /**
     * jcmd GC.heap_info, one line per space: " def new generation   total 116160K, used 22767K [...",
     * " tenured generation ...", " PSYoungGen ...", " garbage-first heap ...".
     */
    private static final Pattern HEAP_INFO = Pattern.compile("(?m)^\\s*([A-Za-z][A-Za-z -]*?)\\s+total (\\d+)K, used (\\d+)K");

    private final String jstat;
    private final String jcmd;

    ProcMemory(String javaHome) {
        this.jstat = tool(javaHome, "jstat");
        this.jcmd = tool(javaHome, "jcmd");
    }

    private static String tool(String javaHome, String name) {
        Path p = Path.of(javaHome, "bin", name);
        if (Files.isExecutable(p)) {
            return p.toString();
        }
        Path usr = Path.of("/usr/bin", name);
        return Files.isExecutable(usr) ? usr.toString() : null;
    }

    /** Where heap figures come from, for the report. */
    String heapSource() {
        return jstat != null ? "jstat -gc" : jcmd != null ? "jcmd GC.heap_info" : "none (no jstat or jcmd)";
    }

    Sample sample(long pid, long t0Millis) {
        long rss = -1;
        int threads = -1;
        int fds = -1;
        try {
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8);
            rss = firstLong(VM_RSS, status);
            threads = (int) firstLong(THREADS, status);
        } catch (IOException | RuntimeException ignored) {
            // gone
        }
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = (int) s.count();
        } catch (IOException | RuntimeException ignored) {
            // gone
        }
        long[] heap = {-1, -1, -1};
        try {
            if (jstat != null) {
                heap = parseJstatGc(run(jstat, "-gc", Long.toString(pid)));
            } else if (jcmd != null) {
                heap = parseHeapInfo(run(jcmd, Long.toString(pid), "GC.heap_info"));
            }
        } catch (IOException | RuntimeException ignored) {
            // leave -1
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Sample(System.currentTimeMillis() - t0Millis, rss, threads, fds, heap[0], heap[1], heap[2]);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd[0] + " did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static long firstLong(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * {@code jstat -gc} prints a header line and a value line (KiB, decimals); used heap is
     * S0U+S1U+EU+OU, committed S0C+S1C+EC+OC, old OU.
     *
     * @return {used, committed, old used} in KiB
     */
    static long[] parseJstatGc(String out) throws IOException {
        String[] lines = out.strip().split("\\R");
        if (lines.length < 2) {
            throw new IOException("unexpected jstat output: " + out);
        }
        String[] names = lines[0].trim().split("\\s+");
        String[] values = lines[1].trim().split("\\s+");
        if (names.length != values.length) {
            throw new IOException("unexpected jstat output: " + out);
        }
        Map<String, Double> v = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            try {
                v.put(names[i], Double.parseDouble(values[i]));
            } catch (NumberFormatException e) {
                v.put(names[i], 0.0); // "-" for spaces a collector does not have
            }
        }
        if (!v.containsKey("EU") || !v.containsKey("OU")) {
            throw new IOException("unexpected jstat output: " + out);
        }
        double used = v.getOrDefault("S0U", 0.0) + v.getOrDefault("S1U", 0.0) + v.get("EU") + v.get("OU");
        double committed = v.getOrDefault("S0C", 0.0) + v.getOrDefault("S1C", 0.0) + v.getOrDefault("EC", 0.0)
                + v.getOrDefault("OC", 0.0);
        return new long[] {Math.round(used), Math.round(committed), Math.round(v.get("OU"))};
    }

    /**
     * {@code jcmd GC.heap_info}: the sum of its spaces' "total NK, used MK"; the old generation's
     * used where it has one ("tenured", "...Old..."), else -1 (G1 names no generations).
     *
     * @return {used, committed, old used} in KiB
     */
    static long[] parseHeapInfo(String out) throws IOException {
        Matcher m = HEAP_INFO.matcher(out);
        long used = 0;
        long total = 0;
        long old = -1;
        boolean any = false;
        while (m.find()) {
            any = true;
            total += Long.parseLong(m.group(2));
            used += Long.parseLong(m.group(3));
            if (m.group(1).toLowerCase(java.util.Locale.ROOT).matches(".*(tenured|old).*")) {
                old = Long.parseLong(m.group(3));
            }
        }
        if (!any) {
            throw new IOException("unexpected GC.heap_info output: " + out);
        }
        return new long[] {used, total, old};
    }
}
