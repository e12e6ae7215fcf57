package org.hubkit.core;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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
            fail(what + " is required under CI=true (scripts/test.sh installs and starts it)");
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
            Path p = Path.of(dir, "jupyterhub-singleuser");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        missing("jupyterhub-singleuser (Debian package jupyterhub)");
        return null;
    }

    /** The npm configurable-http-proxy 5.x: $HUBKIT_CHP_CMD or where scripts/install-components.sh puts it. */
    static String chpCommand() {
        for (String c : new String[] {System.getenv("HUBKIT_CHP_CMD"), "/opt/hubkit-chp/node_modules/.bin/configurable-http-proxy"}) {
            if (c != null && !c.isBlank() && Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        missing("configurable-http-proxy from npm (scripts/install-components.sh)");
        return null;
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Arguments the single-user server needs here: notebook refuses to run as root without --allow-root. */
    static List<String> singleuserArgs() {
        return "root".equals(System.getProperty("user.name").toLowerCase(Locale.ROOT)) ? List.of("--allow-root") : List.of();
    }

    /**
     * A fresh schema on the PostgreSQL server named by $HUBKIT_PG_URL, so runs never see each
     * other's state.
     */
    static Database freshPostgres() {
        String url = System.getenv("HUBKIT_PG_URL");
        if (url == null || url.isBlank()) {
            missing("PostgreSQL ($HUBKIT_PG_URL)");
        }
        String schema = "hubkit_test_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (Exception e) {
            missing("PostgreSQL at $HUBKIT_PG_URL (" + e.getMessage() + ")");
        }
        return Database.of(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    }
}
