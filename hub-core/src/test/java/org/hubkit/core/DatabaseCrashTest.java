package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.hubkit.core.internal.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub on H2 killed with SIGKILL keeps every transaction it committed: a server it started just
 * before the crash is still known when it starts again (H2's default keeps commits in memory for
 * up to a second, which lost the last servers of the scale benchmark). A child JVM writes users
 * through the {@link Store}, one transaction each, and prints each one once its commit returned;
 * it is killed in the middle, and every user it reported must be in the store afterwards.
 */
@Timeout(120)
class DatabaseCrashTest {
    @TempDir
    Path dir;

    /** The child: commits users until it is killed (or for 60 s at most). */
    public static void main(String[] args) throws Exception {
        Store store = new Store(Database.h2(Path.of(args[0])));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; System.nanoTime() < deadline; i++) {
            store.insertUser("crash" + i, false, java.time.Instant.now());
            System.out.println("committed " + i);
            System.out.flush();
        }
        Runtime.getRuntime().halt(0);
    }

    @Test
    void everyCommitReportedBeforeAKillIsThereAfterwards() throws Exception {
        Path data = dir.resolve("db");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DatabaseCrashTest.class.getName(), data.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int last = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("committed ")) {
                    last = Integer.parseInt(line.substring("committed ".length()));
                    if (last >= 200) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hook, H2 not closed
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(last).as("the child committed users before it was killed").isGreaterThanOrEqualTo(200);

        Store store = new Store(Database.h2(data));
        try {
            Set<String> kept = store.loadUsers().stream().map(Store.UserRow::name).collect(Collectors.toSet());
            for (int i = 0; i <= last; i++) {
                assertThat(kept).as("user crash%d, committed before the kill", i).contains("crash" + i);
            }
        } finally {
            store.close();
        }
    }
}
