package org.hubkit.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DockerSpawnBenchmarkTest {
    @Test
    void optionsHaveTheIssuesDefaultsAndTakeALevelList() {
        DockerSpawnBenchmark.Options d = DockerSpawnBenchmark.Options.parse(new String[0]);
        assertEquals(List.of(1, 10), d.concurrency);
        assertEquals("hubkit/singleuser:test", d.image);
        assertTrue(d.hubkitJar.endsWith("examples/reference-server/target/hubkit-server.jar"));
        assertEquals(List.of(1, 5, 10), DockerSpawnBenchmark.Options.parse(new String[] {"--concurrency", "1, 5,10"}).concurrency);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerSpawnBenchmark.Options.parse(new String[] {"--concurrency", "1,0"}));
        assertTrue(e.getMessage().contains("--concurrency"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DockerSpawnBenchmark.Options.parse(new String[] {"--concurrency", "51"}));
    }

    @Test
    void theTableGivesRatioOverheadAndGoalPerLevel() {
        String t = DockerSpawnBenchmark.table(List.of(
                new DockerSpawnBenchmark.Level(1, 1.000, 1.000, 1.040, 1.040, List.of(1.0), List.of(1.04)),
                new DockerSpawnBenchmark.Level(10, 5.000, 5.500, 5.250, 5.600, List.of(5.0), List.of(5.25))));
        assertTrue(t.contains("1.040 (last 1.040)") && t.contains("1.04x") && t.contains("+40") && t.contains(": met"), t);
        assertTrue(t.contains("1.05x") && t.contains("+250") && t.contains("NOT met"), t);
    }
}
