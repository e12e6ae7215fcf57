package org.hubkit.api;

/**
 * The rules every username passes before the hub stores it, and the escaping that makes a name
 * safe for container names, volume names and file names.
 *
 * <p>Validation follows JupyterHub (not empty, no {@code /}, no whitespace at either end) and
 * also refuses control characters, {@code .} and {@code ..}, and names longer than 255
 * characters, so that a name can never climb out of a directory or break a header. Named
 * servers' names ({@link #validateServerName}) follow the same rules.
 *
 * @since 0.1
 */
public final class Usernames {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Usernames() {
    }

    /**
     * Checks a (normalised) username.
     *
     * @param name the name
     * @return the same name
     * @throws InvalidUsernameException if the name is not acceptable
     */
    public static String validate(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new InvalidUsernameException(shown(name), problem);
        }
        return name;
    }

    /**
     * Checks a named server's name by the same rules as a username (the default server's name,
     * {@code ""}, is not a name and is refused here).
     *
     * @param name the server name
     * @return the same name
     * @throws InvalidServerNameException if the name is not acceptable
     */
    public static String validateServerName(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new InvalidServerNameException(shown(name), problem);
        }
        return name;
    }

    /** @return why a name is refused, or {@code null} when it is fine */
    private static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "must not be empty";
        }
        if (name.length() > 255) {
            return "longer than 255 characters";
        }
        if (!name.strip().equals(name)) {
            return "must not start or end with whitespace";
        }
        if (name.equals(".") || name.equals("..")) {
            return "is reserved";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "must not contain '/' or '\\'";
            }
            if (Character.isISOControl(c)) {
                return "must not contain control characters";
            }
        }
        return null;
    }

    /** The refused name as an error message shows it: an over-long one cut short. */
    private static String shown(String name) {
        return name != null && name.length() > 255 ? name.substring(0, 20) + "..." : String.valueOf(name);
    }

    /**
     * Escapes a name so that it holds only {@code [a-z0-9-]}, as DockerSpawner does: safe
     * characters stay, every other UTF-8 byte becomes {@code -xx} (lowercase hex). Two different
     * names never escape to the same string.
     *
     * @param name any name
     * @return the escaped name
     */
    public static String escape(String name) {
        StringBuilder out = new StringBuilder(name.length());
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                out.append(c);
            } else {
                out.append('-').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return out.toString();
    }
}
