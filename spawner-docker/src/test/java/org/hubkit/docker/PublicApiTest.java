package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No docker-java or Jackson type shows in the public API: a consumer can swap neither by accident. */
class PublicApiTest {
    @Test
    void publicSignaturesNameOnlyJdkAndHubkitTypes() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : List.of(DockerSpawner.class, DockerSpawner.Builder.class, DockerSpawner.PullPolicy.class,
                DockerVolumes.class, DockerVolumes.Builder.class)) {
            Stream.<Executable>concat(Stream.of(type.getDeclaredMethods()), Stream.<Constructor<?>>of(type.getDeclaredConstructors()))
                    .filter(e -> Modifier.isPublic(e.getModifiers()) || Modifier.isProtected(e.getModifiers()))
                    .forEach(e -> {
                        String signature = e.toGenericString();
                        if (Stream.of("com.github.dockerjava", "com.fasterxml", "org.apache").anyMatch(signature::contains)) {
                            leaks.add(type.getSimpleName() + ": " + signature);
                        }
                    });
        }
        assertThat(leaks).isEmpty();
    }
}
