package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@link FailoverScenario} on one embedded H2 file: the lock is H2's own lock on the file. */
class FailoverH2IT extends FailoverScenario {
    @Override
    String database(Path tmp) {
        return "h2:" + tmp.resolve("db");
    }

    /** A refused open every standby poll must not grow H2's trace file. */
    @Override
    void afterStandbyPolls(Path tmp) throws Exception {
        Path trace = tmp.resolve("db").resolve("hubkit.trace.db");
        assertThat(Files.exists(trace) ? Files.readString(trace) : "").doesNotContain("locked").doesNotContain("in use");
        assertThat(tmp.resolve("db").resolve("hubkit.active")).exists();
    }
}
