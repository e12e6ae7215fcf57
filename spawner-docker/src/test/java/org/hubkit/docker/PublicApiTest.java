package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hubkit.testkit.PublicApi;
import org.junit.jupiter.api.Test;

/** No docker-java or Jackson type shows in the public API: a consumer can swap neither by accident. */
class PublicApiTest {
    @Test
    void publicSignaturesNameOnlyJdkAndHubkitTypes() {
        List<String> leaks = PublicApi.signaturesNaming(List.of(DockerSpawner.class, DockerSpawner.Builder.class,
                DockerSpawner.PullPolicy.class, DockerVolumes.class, DockerVolumes.Builder.class),
                List.of("com.github.dockerjava", "com.fasterxml", "org.apache"));
        assertThat(leaks).isEmpty();
    }
}
