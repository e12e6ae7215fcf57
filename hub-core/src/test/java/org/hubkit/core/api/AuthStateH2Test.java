package org.hubkit.core.api;

import java.nio.file.Path;
import org.hubkit.core.Database;

/** {@link AuthStateScenario} on H2. */
class AuthStateH2Test extends AuthStateScenario {
    @Override
    Database database(Path dir) {
        return Database.h2(dir.resolve("db"));
    }
}
