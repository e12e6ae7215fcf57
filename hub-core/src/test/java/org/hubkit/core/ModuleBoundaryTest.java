package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * hub-core's public classes are written against public API, as a module's would be: none but
 * the composition root imports an {@code internal} package. {@code Hub} wires the engine
 * together, so it may; {@code LocalProcessSpawner} still uses the internal file-mode and
 * system-account helpers (to be made public API or moved with it into a module of its own).
 */
class ModuleBoundaryTest {
    private static final Path SOURCES = Path.of("src/main/java/org/hubkit/core");
    private static final Set<String> ALLOWED = Set.of("Hub.java", "LocalProcessSpawner.java");

    @Test
    void noPublicClassOfTheCoreButTheCompositionRootImportsAnInternalPackage() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.list(SOURCES)) {
            offenders = files.filter(p -> p.toString().endsWith(".java") && !ALLOWED.contains(p.getFileName().toString()))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("import org.hubkit.core.internal");
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }).map(p -> p.getFileName().toString()).toList();
        }
        assertThat(offenders).as("public classes importing org.hubkit.core.internal").isEmpty();
    }

    @Test
    void theInternalPackageDoesNotDependOnTheHubClass() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES.resolve("internal"))) {
            List<String> offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String text = Files.readString(p);
                    return text.contains("import org.hubkit.core.Hub;") || text.contains("org.hubkit.core.Hub.");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).map(p -> p.getFileName().toString()).toList();
            assertThat(offenders).as("internal classes using Hub (a cycle)").isEmpty();
        }
    }
}
