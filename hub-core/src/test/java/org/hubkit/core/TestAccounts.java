package org.hubkit.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hubkit.core.internal.SystemUsers;
import org.hubkit.testkit.RealComponents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the tests with real OS accounts share: the check that they may run (root and the account
 * tools; skipped without, failed under {@code CI=true}), a template unique to the run so that no
 * real account is ever touched, and the deletion of the accounts made, by exact name.
 */
final class TestAccounts {
    private static final Logger LOG = LoggerFactory.getLogger(TestAccounts.class);
    private static final Map<String, String> TOOLS = Map.of("setpriv", "/usr/bin/setpriv", "useradd", "/usr/sbin/useradd",
            "userdel", "/usr/sbin/userdel", "groupdel", "/usr/sbin/groupdel", "getent", "/usr/bin/getent");
    private static final Map<String, String> PACKAGES = Map.of("setpriv", "util-linux", "useradd", "passwd", "userdel",
            "passwd", "groupdel", "passwd", "getent", "libc-bin");

    private TestAccounts() {
    }

    /** Ends the test (skip, or failure under CI) unless it runs as root with the account tools. */
    static void requireRootAndTools() {
        if (SystemUsers.currentUid() != 0) {
            RealComponents.missing("root (servers in OS accounts of their own need a hub running as root)");
        }
        TOOLS.forEach((tool, usual) -> RealComponents.executable(tool + " (Debian package " + PACKAGES.get(tool) + ")",
                "HUBKIT_NO_SUCH_VARIABLE", usual, tool));
    }

    /**
     * @param prefix a few letters saying which test, e.g. {@code hkt}
     * @return a template such as {@code hkt4fz9q-{username}}, unique to this run
     */
    static String uniqueTemplate(String prefix) {
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder(prefix);
        for (int i = 0; i < 5; i++) {
            b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
        }
        return b + "-{username}";
    }

    /**
     * Deletes an account (and its group) made by a test: by its exact name, and only if its
     * comment says Hubkit created it. Its home is the test's to delete.
     *
     * @param name the account name
     */
    static void delete(String name) {
        try {
            Run entry = run("getent", "passwd", name);
            if (entry.status != 0) {
                return;
            }
            String[] fields = entry.output.strip().split(":", -1);
            if (fields.length < 5 || !fields[4].startsWith("Hubkit user ")) {
                LOG.warn("Not deleting account {}: Hubkit did not create it ({})", name, entry.output.strip());
                return;
            }
            Run del = run("userdel", name);
            if (del.status != 0) {
                LOG.warn("userdel {} failed: {}", name, del.output);
            }
            if (run("getent", "group", name).status == 0) {
                run("groupdel", name);
            }
        } catch (IOException | InterruptedException e) {
            LOG.warn("Cannot delete the test account {}: {}", name, e.toString());
        }
    }

    record Run(int status, String output) {
    }

    /** Runs a tool of {@link #TOOLS} (by its absolute path) or any other command. */
    static Run run(String... cmd) throws IOException, InterruptedException {
        cmd[0] = TOOLS.getOrDefault(cmd[0], cmd[0]);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish within 30 s");
        }
        return new Run(p.exitValue(), out);
    }
}
