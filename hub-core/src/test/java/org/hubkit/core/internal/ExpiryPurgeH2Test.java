package org.hubkit.core.internal;

import java.nio.file.Path;
import org.hubkit.core.Database;

/** {@link ExpiryPurgeScenario} on H2. */
class ExpiryPurgeH2Test extends ExpiryPurgeScenario {
    @Override
    Database database(Path dir) {
        return Database.h2(dir.resolve("db"));
    }
}
