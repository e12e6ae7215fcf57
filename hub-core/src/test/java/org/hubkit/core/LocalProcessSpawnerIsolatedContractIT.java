package org.hubkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.hubkit.api.Spawner;
import org.hubkit.core.LocalProcessSpawner.Isolation;
import org.hubkit.core.internal.SystemUserTemplate;
import org.hubkit.testkit.RealComponents;
import org.hubkit.testkit.SpawnerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalProcessSpawner} passes the spawner contract with the real jupyterhub-singleuser
 * running as an OS account of its own (created on the first spawn, with a name unique to the run,
 * deleted at the end): poll, stop and a spawner made anew from the saved state work for a process
 * of another uid. The contract creates each home as root before the spawn, so the hand-over of a
 * home the hub made is exercised too. Skipped unless root (a failure under {@code CI=true}).
 */
class LocalProcessSpawnerIsolatedContractIT extends SpawnerContract {
    private static final String TEMPLATE = TestAccounts.uniqueTemplate("hkc");
    @TempDir
    static Path logs;

    @BeforeAll
    static void requireRoot() {
        TestAccounts.requireRootAndTools();
    }

    @AfterAll
    static void deleteTheAccount() {
        TestAccounts.delete(SystemUserTemplate.parse(TEMPLATE).apply("contract-user"));
    }

    @Override
    protected Spawner createSpawner() {
        try {
            // The contract's storage root is a fresh 0700 directory: let the account pass to its home, as an operator would.
            Files.setPosixFilePermissions(storageRoot(), PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return LocalProcessSpawner.builder().cmd(List.of(RealComponents.singleuserCommand())).logDirectory(logs)
                .isolation(Isolation.SYSTEM_USERS).systemUserTemplate(TEMPLATE).build();
    }
}
