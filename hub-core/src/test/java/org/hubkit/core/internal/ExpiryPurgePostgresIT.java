package org.hubkit.core.internal;

import java.nio.file.Path;
import org.hubkit.core.Components;
import org.hubkit.core.Database;

/** {@link ExpiryPurgeScenario} on a real PostgreSQL server ($HUBKIT_PG_URL, a fresh schema per test). */
class ExpiryPurgePostgresIT extends ExpiryPurgeScenario {
    @Override
    Database database(Path dir) {
        return Components.freshPostgres();
    }
}
