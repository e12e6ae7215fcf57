package org.hubkit.core;

import java.nio.file.Path;

/** The end-to-end scenario on a real PostgreSQL server ($HUBKIT_PG_URL, a fresh schema per run). */
class EndToEndPostgresIT extends EndToEndScenario {
    @Override
    Database database(Path dir) {
        return Components.freshPostgres();
    }
}
