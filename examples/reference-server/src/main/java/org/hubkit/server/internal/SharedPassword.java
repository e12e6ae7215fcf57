package org.hubkit.server.internal;

import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The password the server makes up when it is given none, and the box it is shown in once. */
public final class SharedPassword {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SharedPassword() {
    }

    /** @return 24 URL-safe characters (144 random bits) */
    public static String generate() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * @param password the generated password
     * @param publicUrl where users log in
     * @param anyName whether every user name is allowed
     * @return a box, several lines, to print once on standard output
     */
    public static String banner(String password, URI publicUrl, boolean anyName) {
        String base = publicUrl.toString().replaceAll("/+$", "");
        List<String> lines = new ArrayList<>();
        lines.add("Hubkit generated a shared password for this run:");
        lines.add("");
        lines.add("    " + password);
        lines.add("");
        lines.add("Log in at " + base + "/hub/login " + (anyName ? "with any user name and this password." : "as an allowed user with it."));
        lines.add("It is shown only here and not stored; set HUBKIT_PASSWORD or auth.password to choose one.");
        int width = lines.stream().mapToInt(String::length).max().orElse(0);
        String rule = "+" + "-".repeat(width + 2) + "+";
        StringBuilder b = new StringBuilder(rule).append('\n');
        for (String l : lines) {
            b.append("| ").append(l).append(" ".repeat(width - l.length())).append(" |\n");
        }
        return b.append(rule).toString();
    }
}
