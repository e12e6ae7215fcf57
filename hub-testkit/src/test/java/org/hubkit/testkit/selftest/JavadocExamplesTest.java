package org.hubkit.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each contract's "How to use it" example is, word for word, a test class that Hubkit's build
 * compiles and runs against one of its own implementations, so the example cannot stop compiling
 * without the build noticing. The test classes live in the modules whose implementation they test.
 */
class JavadocExamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern EXAMPLE = Pattern.compile("<pre>\\{@code\\n(.*?)\\n \\* }</pre>", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("^class (\\w+) extends (\\w+) \\{", Pattern.MULTILINE);

    @Test
    void spawnerContract() throws IOException {
        assertTheExampleIsACompiledTestClass("SpawnerContract");
    }

    @Test
    void authenticatorContract() throws IOException {
        assertTheExampleIsACompiledTestClass("AuthenticatorContract");
    }

    @Test
    void proxyContract() throws IOException {
        assertTheExampleIsACompiledTestClass("ProxyContract");
    }

    private static void assertTheExampleIsACompiledTestClass(String contract) throws IOException {
        String source = Files.readString(Path.of("src/main/java/org/hubkit/testkit/" + contract + ".java"));
        String classDoc = source.substring(0, source.indexOf("public abstract class " + contract));
        Matcher pre = EXAMPLE.matcher(classDoc);
        assertThat(pre.find()).as("%s's class Javadoc has a <pre>{@code ...}</pre> example", contract).isTrue();
        String example = pre.group(1).lines().map(l -> l.replaceFirst("^ \\* ?", "")).reduce((a, b) -> a + "\n" + b)
                .orElseThrow();
        Matcher declaration = CLASS.matcher(example);
        assertThat(declaration.find()).as("the example declares a class: %s", example).isTrue();
        assertThat(declaration.group(2)).isEqualTo(contract);
        String name = declaration.group(1);

        List<Path> candidates = new ArrayList<>();
        for (Path testSources : testSourceRoots()) {
            try (Stream<Path> files = Files.walk(testSources)) {
                files.filter(p -> p.getFileName().toString().equals(name + ".java")).forEach(candidates::add);
            }
        }
        assertThat(candidates).as("the test class %s that %s's example shows", name, contract).hasSize(1);
        String test = Files.readString(candidates.get(0));
        assertThat(oneLine(test)).as("%s is %s's example word for word", candidates.get(0), contract)
                .contains(oneLine(example));
    }

    /** {@code src/test/java} of every module: the top-level ones and those under {@code examples/}. */
    private static List<Path> testSourceRoots() throws IOException {
        List<Path> roots = new ArrayList<>();
        for (Path parent : List.of(ROOT, ROOT.resolve("examples"))) {
            try (Stream<Path> modules = Files.list(parent)) {
                modules.map(m -> m.resolve("src/test/java")).filter(Files::isDirectory).sorted().forEach(roots::add);
            }
        }
        return roots;
    }

    private static String oneLine(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }
}
