package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.hubkit.benchmarks.ProxyReport.Figure;
import org.hubkit.benchmarks.ProxyReport.Target;
import org.junit.jupiter.api.Test;

/** The proxy benchmark's table, goals, options and nginx configuration. */
class ProxyReportTest {

    private static Figure fig(Target t, double rate, double p99) {
        return new Figure(t, 1, rate, p99 / 2, p99, null, null);
    }

    @Test
    void ratiosAndGoalsMet() {
        Map<Target, Figure> m = new EnumMap<>(Target.class);
        m.put(Target.DIRECT, fig(Target.DIRECT, 100_000, 1.0));
        m.put(Target.NGINX, fig(Target.NGINX, 50_000, 2.0));
        m.put(Target.CHP, fig(Target.CHP, 10_000, 20.0));
        m.put(Target.OURS, fig(Target.OURS, 46_000, 2.9));
        String t = ProxyReport.table("HTTP", "req/s", m);
        assertTrue(t.contains("ours         46000.0       1.45       2.90     0.92x     4.60x"), t);
        assertTrue(t.contains(">= 4x CHP req/s            4.60x: met"), t);
        assertTrue(t.contains(">= 0.9x nginx req/s        0.92x: met"), t);
        assertTrue(t.contains("p99 <= nginx p99 + 1 ms    2.90 ms vs 2.00 ms (+0.90 ms): met"), t);
    }

    @Test
    void saysWhenNginxItselfIsUnder4xChp() {
        Map<Target, Figure> m = new EnumMap<>(Target.class);
        m.put(Target.NGINX, fig(Target.NGINX, 60_000, 2.0));
        m.put(Target.CHP, fig(Target.CHP, 45_000, 2.4));
        m.put(Target.OURS, fig(Target.OURS, 63_000, 2.2));
        String t = ProxyReport.table("WebSocket", "msg/s", m);
        assertTrue(t.contains(">= 4x CHP msg/s            1.40x: NOT met"), t);
        assertTrue(t.contains("(nginx itself: 1.33x CHP in this run)"), t);
        assertFalse(ProxyReport.table("HTTP", "req/s", Map.of(Target.NGINX, fig(Target.NGINX, 50_000, 2.0),
                Target.CHP, fig(Target.CHP, 10_000, 20.0), Target.OURS, fig(Target.OURS, 46_000, 2.9)))
                .contains("nginx itself"));
    }

    @Test
    void goalsNotMetAndFailures() {
        Map<Target, Figure> m = new EnumMap<>(Target.class);
        m.put(Target.NGINX, fig(Target.NGINX, 50_000, 2.0));
        m.put(Target.CHP, Figure.failed(Target.CHP, "chp exited with 1"));
        m.put(Target.OURS, new Figure(Target.OURS, 1, 40_000, 1.0, 3.5, "3 non-2xx/3xx and 0 socket errors in 10 requests", null));
        String t = ProxyReport.table("HTTP", "req/s", m);
        assertTrue(t.contains("chp           failed"), t);
        assertTrue(t.contains("ERRORS: 3 non-2xx"), t);
        assertTrue(t.contains(">= 4x CHP req/s            not measured"), t);
        assertTrue(t.contains("0.80x: NOT met (ours had failed answers)"), t);
        assertTrue(t.contains("(+1.50 ms): NOT met"), t);
    }

    @Test
    void medianOfRounds() {
        assertEquals(2.0, ProxyReport.median(new double[] {3, 1, 2}));
        assertEquals(2.5, ProxyReport.median(new double[] {4, 1, 2, 3}));
        Figure f = Figure.ofWrk(Target.OURS, List.of(
                new Wrk.Result(100, 1000, 0, 0, 1, 1, 5, ""),
                new Wrk.Result(300, 3000, 0, 0, 1, 1, 1, ""),
                new Wrk.Result(200, 2000, 0, 0, 1, 1, 3, "")));
        assertEquals(200, f.rate());
        assertEquals(3, f.p99Millis());
        assertEquals(null, f.problems());
    }

    @Test
    void onlyTargets() {
        ProxyBenchmark.Options o = ProxyBenchmark.Options.parse(new String[] {"--only", "ours,nginx", "--soak", "2"});
        assertEquals(EnumSet.of(Target.NGINX, Target.OURS), o.targets);
        assertEquals(2, o.soakMinutes);
        assertThrows(IllegalArgumentException.class, () -> ProxyBenchmark.Options.parse(new String[] {"--only", "haproxy"}));
        assertThrows(IllegalArgumentException.class, () -> ProxyBenchmark.Options.parse(new String[] {"--soak", "0"}));
    }

    @Test
    void nginxConfigAsAskedFor() {
        String c = ProxyBenchmark.nginxConfig(Path.of("/tmp/x"), 2, 1001, 1002, 1003);
        for (String s : List.of("worker_processes 2;", "daemon off;", "pid /tmp/x/nginx.pid;", "keepalive 64;",
                "proxy_http_version 1.1;", "proxy_set_header Connection \"\";", "listen 127.0.0.1:1002",
                "listen 127.0.0.1:1001", "return 200 \"hello\\n\";", "server 127.0.0.1:1003;",
                "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection \"upgrade\";")) {
            assertTrue(c.contains(s), s + " missing in\n" + c);
        }
        assertTrue(!ProxyBenchmark.nginxConfig(Path.of("/tmp/x"), 2, 1001, 1002, 0).contains("ws_backend"));
    }
}
