package org.hubkit.core.browser;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real components the browser tests need: the real {@code jupyterhub-singleuser},
 * Debian's Chromium and its chromedriver. On a laptop without one the test is skipped; under
 * {@code CI=true} a missing component fails the test instead (the same rule as
 * {@code org.hubkit.core.Components}, whose helpers are package-private there).
 */
final class BrowserComponents {
    private BrowserComponents() {
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static void missing(String what) {
        if (ci()) {
            fail(what + " is required under CI=true (scripts/install-components.sh installs it)");
        }
        Assumptions.abort(what + " is not available; skipping");
    }

    /** The real jupyterhub-singleuser: $HUBKIT_SINGLEUSER_CMD or the one on PATH. */
    static String singleuserCommand() {
        Path p = find("HUBKIT_SINGLEUSER_CMD", List.of(), "jupyterhub-singleuser");
        if (p == null) {
            missing("jupyterhub-singleuser (Debian package jupyterhub)");
        }
        return p.toString();
    }

    /** Arguments the single-user server needs here: notebook refuses to run as root without --allow-root. */
    static List<String> singleuserArgs() {
        return "root".equals(System.getProperty("user.name").toLowerCase(Locale.ROOT)) ? List.of("--allow-root") : List.of();
    }

    /** Debian's Chromium: $HUBKIT_CHROMIUM, /usr/bin/chromium, or chromium on PATH. */
    static Path chromium() {
        Path p = find("HUBKIT_CHROMIUM", List.of(Path.of("/usr/bin/chromium")), "chromium");
        if (p == null) {
            missing("Chromium (Debian package chromium)");
        }
        return p;
    }

    /** The chromedriver matching it: $HUBKIT_CHROMEDRIVER, /usr/bin/chromedriver, or chromedriver on PATH. */
    static Path chromedriver() {
        Path p = find("HUBKIT_CHROMEDRIVER", List.of(Path.of("/usr/bin/chromedriver")), "chromedriver");
        if (p == null) {
            missing("chromedriver (Debian package chromium-driver)");
        }
        return p;
    }

    private static Path find(String envVar, List<Path> usual, String name) {
        String fromEnv = System.getenv(envVar);
        if (fromEnv != null && !fromEnv.isBlank() && Files.isExecutable(Path.of(fromEnv))) {
            return Path.of(fromEnv);
        }
        for (Path p : usual) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
