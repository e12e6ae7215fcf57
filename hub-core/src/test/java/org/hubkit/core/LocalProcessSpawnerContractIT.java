package org.hubkit.core;

import org.hubkit.testkit.RealComponents;
import org.hubkit.api.Spawner;
import org.hubkit.testkit.SpawnerContract;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalProcessSpawner} passes the spawner contract with the real jupyterhub-singleuser, every
 * server as the hub's own user; {@link LocalProcessSpawnerIsolatedContractIT} runs it with an
 * account per user.
 */
class LocalProcessSpawnerContractIT extends SpawnerContract {
    @TempDir
    static java.nio.file.Path logs;

    @Override
    protected Spawner createSpawner() {
        return LocalProcessSpawner.builder().cmd(java.util.List.of(RealComponents.singleuserCommand()))
                .args(RealComponents.singleuserArgs()).logDirectory(logs)
                .isolation(LocalProcessSpawner.Isolation.NONE).build();
    }
}
