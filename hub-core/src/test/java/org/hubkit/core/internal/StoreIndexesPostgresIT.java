package org.hubkit.core.internal;

import java.nio.file.Path;
import org.hubkit.core.Components;
import org.hubkit.core.Database;

/** {@link StoreIndexesScenario} on a real PostgreSQL server ($HUBKIT_PG_URL, a fresh schema per test). */
class StoreIndexesPostgresIT extends StoreIndexesScenario {
    @Override
    Database database(Path dir) {
        return Components.freshPostgres();
    }
}
