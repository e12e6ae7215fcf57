package org.hubkit.core.internal;

import java.nio.file.Path;
import org.hubkit.core.Database;

/** {@link StoreIndexesScenario} on H2. */
class StoreIndexesH2Test extends StoreIndexesScenario {
    @Override
    Database database(Path dir) {
        return Database.h2(dir.resolve("db"));
    }
}
