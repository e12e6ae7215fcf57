package org.hubkit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the {@code wrk} load generator against one URL and reads its summary.
 * Every run is bounded: wrk stops itself after its duration, and is killed if it overruns.
 */
final class Wrk {

    /** What one wrk run measured. {@code latencyMillis} is the mean; negative when wrk printed none. */
    record Result(double requestsPerSecond, long requests, long non2xx3xx, long socketErrors,
                  double latencyMillis, double p50Millis, double p99Millis, String output) {

        /** True when every answer was a success, so the rate measures real work. */
        boolean clean() {
            return non2xx3xx == 0 && socketErrors == 0 && requests > 0;
        }
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+([0-9.]+)(us|ms|s)\\b", Pattern.MULTILINE);
    private static final Pattern P50 = Pattern.compile("^\\s*50%\\s+([0-9.]+)(us|ms|s)\\b", Pattern.MULTILINE);
    private static final Pattern P99 = Pattern.compile("^\\s*99%\\s+([0-9.]+)(us|ms|s)\\b", Pattern.MULTILINE);

    private final String command;

    Wrk(String command) {
        this.command = command;
    }

    /**
     * Runs {@code wrk --latency -t threads -c connections -d seconds} with one header.
     *
     * @throws IOException when wrk cannot start, overruns, or prints no rate
     */
    Result run(String url, String header, int threads, int connections, int seconds, Path workDir)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command, "--latency",
                "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "10s"));
        if (header != null) {
            cmd.add("-H");
            cmd.add(header);
        }
        cmd.add(url);
        Path out = Files.createTempFile(workDir, "wrk-", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Duration limit = Duration.ofSeconds(seconds + 30L);
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new IOException("wrk did not finish within " + limit.toSeconds() + " s");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("wrk exited with " + p.exitValue() + ":\n" + text);
        }
        return parse(text);
    }

    /** Reads wrk's text summary. */
    static Result parse(String text) throws IOException {
        Matcher rps = RPS.matcher(text);
        if (!rps.find()) {
            throw new IOException("no Requests/sec in wrk output:\n" + text);
        }
        long requests = find(REQUESTS, text);
        long non2xx = find(NON_2XX, text);
        long socketErrors = 0;
        Matcher se = SOCKET_ERRORS.matcher(text);
        if (se.find()) {
            for (int i = 1; i <= 4; i++) {
                socketErrors += Long.parseLong(se.group(i));
            }
        }
        return new Result(Double.parseDouble(rps.group(1)), requests, non2xx, socketErrors,
                millis(LATENCY, text), millis(P50, text), millis(P99, text), text);
    }

    private static long find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double millis(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return -1;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000.0;
            case "s" -> v * 1000.0;
            default -> v;
        };
    }
}
