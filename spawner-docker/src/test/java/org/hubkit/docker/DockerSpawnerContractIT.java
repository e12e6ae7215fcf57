package org.hubkit.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.hubkit.api.Spawner;
import org.hubkit.testkit.SpawnerContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * hub-testkit's {@link SpawnerContract} against the real engine. The contract's hub API stub binds
 * loopback; the spawner points containers at the bridge's gateway on the same port, where a relay
 * forwards to the stub.
 */
class DockerSpawnerContractIT extends SpawnerContract {
    private static final String HUB = TestEngine.uniqueHubId();
    private TcpRelay relay;

    @BeforeAll
    static void engine() {
        TestEngine.require();
    }

    @AfterAll
    static void removeContainers() {
        TestEngine.removeAll(HUB);
    }

    @Override
    protected Spawner createSpawner() {
        return DockerSpawner.builder().image(TestEngine.IMAGE).hubId(HUB).nameTemplate(HUB + "-{username}")
                .pullPolicy(DockerSpawner.PullPolicy.NEVER).volumes(DockerVolumes.none()).stopTimeout(java.time.Duration.ofSeconds(2))
                .build();
    }

    @Override
    protected URI hubApiUrl() {
        URI stub = super.hubApiUrl();
        if (relay == null) {
            try {
                relay = new TcpRelay(TestEngine.gateway("bridge"), stub.getPort(), stub.getPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return stub;
    }

    @AfterEach
    void closeRelay() throws IOException {
        if (relay != null) {
            relay.close();
            relay = null;
        }
    }
}
