package org.hubkit.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The tables that close a {@link ProxyBenchmark} run. */
final class ProxyReport {

    /** The goals for our proxy. */
    static final double CHP_GOAL = 4.0;
    static final double NGINX_GOAL = 0.9;
    static final double P99_SLACK_MILLIS = 1.0;

    /** The four ways to reach the backend. */
    enum Target {
        DIRECT("direct", "the backend itself, no proxy"),
        NGINX("nginx", "nginx reverse proxy"),
        CHP("chp", "configurable-http-proxy (Node)"),
        OURS("ours", "proxy-netty (NettyProxy)");

        final String key;
        final String description;

        Target(String key, String description) {
            this.key = key;
            this.description = description;
        }

        static Target of(String key) {
            for (Target t : values()) {
                if (t.key.equalsIgnoreCase(key.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown target '" + key + "' (direct, nginx, chp, ours)");
        }
    }

    /**
     * One target's figure: the medians over its rounds. {@code problems} lists failed answers
     * (non-2xx, socket errors, bad echoes) when there were any; {@code error} says why there is
     * no figure at all.
     */
    record Figure(Target target, int rounds, double rate, double p50Millis, double p99Millis, String problems, String error) {

        static Figure failed(Target t, String error) {
            return new Figure(t, 0, -1, -1, -1, null, error);
        }

        boolean ok() {
            return error == null && rate > 0;
        }

        static Figure ofWrk(Target t, List<Wrk.Result> runs) {
            long non2xx = runs.stream().mapToLong(Wrk.Result::non2xx3xx).sum();
            long socket = runs.stream().mapToLong(Wrk.Result::socketErrors).sum();
            long requests = runs.stream().mapToLong(Wrk.Result::requests).sum();
            String problems = non2xx == 0 && socket == 0 ? null
                    : String.format(Locale.ROOT, "%d non-2xx/3xx and %d socket errors in %d requests", non2xx, socket, requests);
            return new Figure(t, runs.size(), median(runs.stream().mapToDouble(Wrk.Result::requestsPerSecond).toArray()),
                    median(runs.stream().mapToDouble(Wrk.Result::p50Millis).toArray()),
                    median(runs.stream().mapToDouble(Wrk.Result::p99Millis).toArray()), problems, null);
        }

        static Figure ofWs(Target t, List<WsLoad.Result> runs) {
            List<String> bad = new ArrayList<>();
            for (WsLoad.Result r : runs) {
                if (!r.clean()) {
                    bad.add(r.errorSummary());
                }
            }
            return new Figure(t, runs.size(), median(runs.stream().mapToDouble(WsLoad.Result::rate).toArray()),
                    median(runs.stream().mapToDouble(WsLoad.Result::p50Millis).toArray()),
                    median(runs.stream().mapToDouble(WsLoad.Result::p99Millis).toArray()),
                    bad.isEmpty() ? null : String.join("; ", bad), null);
        }
    }

    private ProxyReport() {
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return -1;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * A table: target, rate, p50, p99, ratio to nginx and to CHP; then the goals for ours.
     *
     * @param unit "req/s" or "msg/s"
     */
    static String table(String title, String unit, Map<Target, Figure> figures) {
        StringBuilder b = new StringBuilder();
        b.append(title).append('\n');
        String row = "  %-7s %12s %10s %10s %9s %9s   %s%n";
        b.append(String.format(Locale.ROOT, row, "target", unit, "p50 ms", "p99 ms", "vs nginx", "vs CHP", "notes"));
        Figure nginx = figures.get(Target.NGINX);
        Figure chp = figures.get(Target.CHP);
        for (Target t : Target.values()) {
            Figure f = figures.get(t);
            if (f == null) {
                continue;
            }
            if (!f.ok()) {
                b.append(String.format(Locale.ROOT, row, t.key, "failed", "-", "-", "-", "-", f.error() == null ? "" : f.error()));
                continue;
            }
            String notes = (f.rounds() > 1 ? "median of " + f.rounds() + " rounds" : "")
                    + (f.problems() == null ? "" : (f.rounds() > 1 ? "; " : "") + "ERRORS: " + f.problems());
            b.append(String.format(Locale.ROOT, row, t.key, num("%.1f", f.rate()), num("%.2f", f.p50Millis()),
                    num("%.2f", f.p99Millis()), ratio(f, nginx), ratio(f, chp), notes));
        }
        Figure ours = figures.get(Target.OURS);
        if (ours != null) {
            b.append("  goals for ours (from the issue):\n");
            b.append(goal(">= 4x CHP " + unit, ours, chp, () -> ours.rate() / chp.rate(),
                    r -> fmt("%.2fx", r), r -> r >= CHP_GOAL));
            if (nginx != null && nginx.ok() && chp != null && chp.ok() && nginx.rate() / chp.rate() < CHP_GOAL) {
                // context: a goal no proxy reaches on this run's cores (e.g. WebSockets, which CHP only copies)
                b.append(String.format(Locale.ROOT, "      (nginx itself: %.2fx CHP in this run)%n",
                        nginx.rate() / chp.rate()));
            }
            b.append(goal(">= 0.9x nginx " + unit, ours, nginx, () -> ours.rate() / nginx.rate(),
                    r -> fmt("%.2fx", r), r -> r >= NGINX_GOAL));
            b.append(goal("p99 <= nginx p99 + 1 ms", ours, nginx, () -> ours.p99Millis() - nginx.p99Millis(),
                    d -> fmt("%.2f", ours.p99Millis()) + " ms vs " + fmt("%.2f", nginx.p99Millis()) + " ms ("
                            + (d >= 0 ? "+" : "") + fmt("%.2f", d) + " ms)",
                    d -> d <= P99_SLACK_MILLIS));
        }
        return b.toString();
    }

    private static String goal(String name, Figure ours, Figure other, java.util.function.DoubleSupplier value,
                               java.util.function.DoubleFunction<String> show, java.util.function.DoublePredicate met) {
        String line = "    %-26s %s%n";
        if (!ours.ok() || other == null || !other.ok()) {
            return String.format(Locale.ROOT, line, name, "not measured (needs both targets)");
        }
        double v = value.getAsDouble();
        boolean clean = ours.problems() == null;
        return String.format(Locale.ROOT, line, name, show.apply(v) + ": " + (met.test(v) && clean ? "met" : "NOT met")
                + (clean ? "" : " (ours had failed answers)"));
    }

    private static String ratio(Figure f, Figure base) {
        if (base == null || !base.ok()) {
            return "-";
        }
        return fmt("%.2fx", f.rate() / base.rate());
    }

    /** A figure; "-" for the -1 of "not measured". */
    private static String num(String format, double v) {
        return v < 0 ? "-" : fmt(format, v);
    }

    private static String fmt(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }

    /** The soak's memory series and its first/last/max. */
    static String soak(List<String> labels, List<ProcMemory.Sample> samples, String heapSource) {
        StringBuilder b = new StringBuilder();
        String row = "  %-18s %8s %10s %11s %10s %9s %8s %6s%n";
        b.append(String.format(Locale.ROOT, row, "when", "t s", "RSS MiB", "heap MiB", "old MiB", "heap cap", "threads", "fds"));
        for (int i = 0; i < samples.size(); i++) {
            ProcMemory.Sample s = samples.get(i);
            b.append(String.format(Locale.ROOT, row, labels.get(i), String.format(Locale.ROOT, "%.0f", s.millis() / 1000.0),
                    mib(s.rssKb()), mib(s.heapUsedKb()), mib(s.oldUsedKb()), mib(s.heapCommittedKb()),
                    s.threads() < 0 ? "-" : Integer.toString(s.threads()), s.fds() < 0 ? "-" : Integer.toString(s.fds())));
        }
        b.append("  (heap from ").append(heapSource).append("; heap = used incl. garbage not yet collected, old = old"
                + " generation used, heap cap = committed)\n");
        return b.toString();
    }

    static String mib(long kb) {
        return kb < 0 ? "-" : String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }

    /** "first X, last Y, max Z MiB" over the given samples' figure. */
    static String firstLastMax(List<ProcMemory.Sample> samples, java.util.function.ToLongFunction<ProcMemory.Sample> f) {
        long[] v = samples.stream().mapToLong(f).filter(x -> x >= 0).toArray();
        if (v.length == 0) {
            return "not read";
        }
        long max = Arrays.stream(v).max().orElse(-1);
        return "first " + mib(v[0]) + ", last " + mib(v[v.length - 1]) + ", max " + mib(max) + " MiB";
    }
}
