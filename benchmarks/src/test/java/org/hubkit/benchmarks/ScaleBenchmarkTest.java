package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.hubkit.benchmarks.ScaleBenchmark.Options;
import org.junit.jupiter.api.Test;

/** The restart-at-scale benchmark's options and which users get a running server. */
class ScaleBenchmarkTest {

    @Test
    void theDefaultsAreTheIssuesFigures() {
        Options o = Options.parse(new String[0]);
        assertEquals(50_000, o.users);
        assertEquals(5_000, o.servers);
        assertEquals(Integer.MAX_VALUE, o.tokens);
        assertEquals(List.of(), o.hubJavaOpts);
        assertEquals(2000, o.settleMillis);
    }

    @Test
    void readsItsOptionsAndRefusesNonsense() {
        Options o = Options.parse(new String[] {"--users", "100", "--servers", "10", "--tokens", "0", "--restarts", "3",
                "--hub-java-opts", " -Xmx512m  -XX:+UseSerialGC ", "--settle-ms", "0", "--poll-delay-ms", "20"});
        assertEquals(100, o.users);
        assertEquals(10, o.servers);
        assertEquals(0, o.tokens);
        assertEquals(3, o.restarts);
        assertEquals(List.of("-Xmx512m", "-XX:+UseSerialGC"), o.hubJavaOpts);
        assertEquals(0, o.settleMillis);
        assertEquals(20, o.pollDelayMillis);
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--users", "10", "--servers", "11"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--users", "0"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--restarts", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"--what"}));
    }

    @Test
    void runningServersAreSpreadOverTheWholeListOnePerUser() {
        List<String> users = IntStream.rangeClosed(1, 50_000).mapToObj(i -> String.format("u%05d", i)).toList();
        List<String> running = ScaleBenchmark.serverUsers(users, 5_000);
        assertEquals(5_000, running.size());
        assertEquals(5_000, new HashSet<>(running).size());
        assertEquals("u00010", running.get(0));
        assertEquals("u50000", running.get(running.size() - 1));
        assertEquals(List.of("a", "b", "c"), ScaleBenchmark.serverUsers(List.of("a", "b", "c"), 3));
        assertEquals(List.of(), ScaleBenchmark.serverUsers(List.of("a"), 0));
        assertEquals(List.of("b", "d"), ScaleBenchmark.serverUsers(List.of("a", "b", "c", "d"), 2));
    }
}
