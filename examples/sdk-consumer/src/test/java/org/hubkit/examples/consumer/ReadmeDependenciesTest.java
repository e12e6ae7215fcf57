package org.hubkit.examples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the README tells a consumer to add is what this project adds, and what that brings is one
 * version of each library family Hubkit shares with its consumers.
 */
class ReadmeDependenciesTest {
    static final String MARKER = "<!-- examples/sdk-consumer/pom.xml declares these -->";

    @Test
    void everyDependencyTheReadmeShowsIsInThisPom() throws Exception {
        String snippet = ReadmeProgramTest.codeBlockAfter(MARKER, "```xml");
        String pom = oneLine(Files.readString(Path.of(System.getProperty("basedir", "."), "pom.xml")));
        Matcher dependency = Pattern.compile("<dependency>.*?</dependency>", Pattern.DOTALL).matcher(snippet);
        List<String> shown = new ArrayList<>();
        while (dependency.find()) {
            shown.add(oneLine(dependency.group()));
        }
        assertTrue(shown.size() >= 4, "the README shows the BOM import and the dependencies: " + snippet);
        for (String d : shown) {
            assertTrue(pom.contains(d), "pom.xml declares, as the README shows: " + d);
        }
        assertTrue(oneLine(snippet).contains("<version>0.1.0-SNAPSHOT</version><type>pom</type><scope>import</scope>"),
                "the README names the version and imports the BOM: " + snippet);
    }

    /** Jackson comes at one version (hub-core's 2.18 and Flyway's 2.15 without the BOM); so does JUnit. */
    @Test
    void theClassPathHoldsOneJacksonAndOneJUnit() {
        Map<String, TreeSet<String>> versions = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String path = entry.replace(File.separatorChar, '/');
            for (String family : List.of("/com/fasterxml/jackson/", "/org/junit/jupiter/", "/org/junit/platform/")) {
                if (path.contains(family) && path.endsWith(".jar")) {
                    // .../<group>/<artifact>/<version>/<artifact>-<version>.jar in the local repository
                    versions.computeIfAbsent(family, k -> new TreeSet<>()).add(Path.of(entry).getParent().getFileName().toString());
                }
            }
        }
        assertTrue(versions.containsKey("/com/fasterxml/jackson/"), "hub-core brings Jackson: " + versions);
        assertTrue(versions.containsKey("/org/junit/jupiter/"), "the BOM's JUnit: " + versions);
        versions.forEach((family, found) -> assertEquals(1, found.size(), family + " at one version, found " + found));
    }

    private static String oneLine(String text) {
        return text.replaceAll("(?s)<!--.*?-->", "").replaceAll(">\\s+<", "><").replaceAll("\\s+", " ").strip();
    }
}
