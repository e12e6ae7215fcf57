package org.hubkit.core;

import java.nio.file.Path;

/** The end-to-end scenario on the default store: an embedded H2 file. */
class EndToEndH2IT extends EndToEndScenario {
    @Override
    Database database(Path dir) {
        return Database.h2(dir.resolve("db"));
    }
}
