package org.hubkit.core;

import java.nio.file.Path;
import java.util.List;
import org.hubkit.api.Spawner;
import org.hubkit.testkit.RealComponents;
import org.hubkit.testkit.SpawnerContract;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalProcessSpawner} passes the spawner contract with the real jupyterhub-singleuser, every
 * server as the hub's own user (as root, the spawner adds {@code --allow-root} itself);
 * {@link LocalProcessSpawnerIsolatedContractIT} runs it with an account per user. The class is
 * {@code SpawnerContract}'s Javadoc example (hub-testkit's {@code JavadocExamplesTest}
 * checks that they stay the same).
 */
class LocalProcessSpawnerContractIT extends SpawnerContract {
    @TempDir
    static Path logs;

    @Override
    protected Spawner createSpawner() {
        return LocalProcessSpawner.builder()
                .cmd(List.of(RealComponents.singleuserCommand()))    // jupyterhub-singleuser, skipped if missing
                .logDirectory(logs)
                .isolation(LocalProcessSpawner.Isolation.NONE)
                .build();
    }
}
