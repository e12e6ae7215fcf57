package org.hubkit.core.api;

import java.nio.file.Path;
import org.hubkit.core.Components;

/** {@link FailoverScenario} on a real PostgreSQL ($HUBKIT_PG_URL, a fresh schema): the lock is an advisory lock. */
class FailoverPostgresIT extends FailoverScenario {
    @Override
    String database(Path tmp) {
        return Components.freshPostgres().jdbcUrl();
    }
}
