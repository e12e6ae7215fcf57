package org.hubkit.core.api;

import java.nio.file.Path;
import org.hubkit.core.Components;
import org.hubkit.core.Database;

/** {@link AuthStateScenario} on a real PostgreSQL server ($HUBKIT_PG_URL, a fresh schema per test). */
class AuthStatePostgresIT extends AuthStateScenario {
    @Override
    Database database(Path dir) {
        return Components.freshPostgres();
    }
}
