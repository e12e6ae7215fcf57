package org.hubkit.benchmarks;

import java.util.Locale;

/** The side-by-side table that closes a run. */
final class Report {

    /** Hubkit must serve at least this many times JupyterHub's API rate. */
    static final double API_GOAL = 20.0;
    /** Hubkit's spawn storm must not be slower: JupyterHub's time over Hubkit's at least this. */
    static final double SPAWN_GOAL = 1.0;

    private Report() {
    }

    static String table(HubBenchmark.Options o, HubBenchmark.Figures jupyterhub, HubBenchmark.Figures hubkit) {
        Double jhRps = jupyterhub != null && jupyterhub.api() != null && jupyterhub.api().clean()
                ? jupyterhub.api().requestsPerSecond() : null;
        Double hkRps = hubkit != null && hubkit.api() != null && hubkit.api().clean()
                ? hubkit.api().requestsPerSecond() : null;
        Double jhSpawn = jupyterhub != null && jupyterhub.storm() != null ? jupyterhub.storm().wallSeconds() : null;
        Double hkSpawn = hubkit != null && hubkit.storm() != null ? hubkit.storm().wallSeconds() : null;
        Double rpsRatio = jhRps != null && hkRps != null && jhRps > 0 ? hkRps / jhRps : null;
        Double spawnRatio = jhSpawn != null && hkSpawn != null && hkSpawn > 0 ? jhSpawn / hkSpawn : null;

        String jhHead = "JupyterHub " + (jupyterhub != null && jupyterhub.version() != null ? jupyterhub.version() : "3.0");
        String hkHead = "Hubkit" + (hubkit != null && hubkit.version() != null ? " " + hubkit.version() : "");
        StringBuilder b = new StringBuilder();
        String row = "%-44s %18s %18s %9s   %s%n";
        b.append(String.format(Locale.ROOT, row, "figure", jhHead, hkHead, "ratio", "goal"));
        b.append(String.format(Locale.ROOT, row,
                "API GET /hub/api/users/{name}, req/s",
                num(jhRps, "%.1f", jupyterhub), num(hkRps, "%.1f", hubkit), num(rpsRatio, "%.2fx", null),
                goal(rpsRatio, API_GOAL, ">= 20x (Hubkit/JupyterHub)")));
        b.append(String.format(Locale.ROOT, row,
                "spawn storm, " + o.users + " servers all ready, s",
                num(jhSpawn, "%.2f", jupyterhub), num(hkSpawn, "%.2f", hubkit), num(spawnRatio, "%.2fx", null),
                goal(spawnRatio, SPAWN_GOAL, "not slower (JupyterHub/Hubkit >= 1)")));
        b.append(String.format(Locale.ROOT, "%nratio: Hubkit/JupyterHub for req/s, JupyterHub/Hubkit for spawn time: above 1 means Hubkit is better.%n"));
        for (HubBenchmark.Figures f : new HubBenchmark.Figures[] {jupyterhub, hubkit}) {
            if (f == null) {
                continue;
            }
            if (f.api() != null) {
                Wrk.Result a = f.api();
                b.append(String.format(Locale.ROOT,
                        "%s API: %d requests in %ds, latency mean %.2f ms, p50 %.2f ms, p99 %.2f ms, non-2xx %d, socket errors %d%n",
                        f.hub(), a.requests(), o.duration, a.latencyMillis(), a.p50Millis(), a.p99Millis(),
                        a.non2xx3xx(), a.socketErrors()));
            }
            if (f.storm() != null) {
                SpawnStorm.Result s = f.storm();
                b.append(String.format(Locale.ROOT,
                        "%s spawn storm: median ready %.2f s, last ready %.2f s, POST answers %s, all stopped in %.2f s%n",
                        f.hub(), s.medianReadySeconds(), s.wallSeconds(), s.postStatuses(), s.stopSeconds()));
            }
            if (f.error() != null) {
                b.append(f.hub()).append(" FAILED: ").append(f.error()).append('\n');
            }
        }
        return b.toString();
    }

    private static String num(Double v, String format, HubBenchmark.Figures f) {
        if (v != null) {
            return String.format(Locale.ROOT, format, v);
        }
        if (f != null && f.error() != null) {
            return "failed";
        }
        if (f == null && !format.endsWith("x")) {
            return "not run";
        }
        return f == null ? "n/a" : "-";
    }

    private static String goal(Double ratio, double goal, String text) {
        if (ratio == null) {
            return text;
        }
        return text + (ratio >= goal ? ": met" : ": NOT met");
    }
}
