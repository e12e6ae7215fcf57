package org.hubkit.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real components integration tests need. On a laptop without one the test is
 * skipped; under {@code CI=true} a missing component fails the test instead.
 */
final class Components {
    private Components() {
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static void missing(String what) {
        if (ci()) {
            fail(what + " is required under CI=true (scripts/test.sh installs it)");
        }
        Assumptions.abort(what + " is not available; skipping");
    }

    /** The real jupyterhub-singleuser: $HUBKIT_SINGLEUSER_CMD or the one on PATH. */
    static String singleuserCommand() {
        String cmd = System.getenv("HUBKIT_SINGLEUSER_CMD");
        if (cmd != null && !cmd.isBlank() && Files.isExecutable(Path.of(cmd))) {
            return cmd;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "jupyterhub-singleuser");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        missing("jupyterhub-singleuser (Debian package jupyterhub)");
        return null;
    }

    /** Arguments the single-user server needs here: notebook refuses to run as root without --allow-root. */
    static List<String> singleuserArgs() {
        return "root".equals(System.getProperty("user.name").toLowerCase(Locale.ROOT)) ? List.of("--allow-root") : List.of();
    }
}
