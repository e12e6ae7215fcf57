package org.hubkit.api;

/**
 * A server name was refused before it could reach a path, a container name or a URL.
 *
 * @since 0.1
 */
public class InvalidServerNameException extends InvalidNameException {
    private static final long serialVersionUID = 1L;

    /**
     * @param serverName the refused name (safe to show: it is the user's own input)
     * @param reason why it was refused
     */
    public InvalidServerNameException(String serverName, String reason) {
        super("server name", serverName, reason);
    }

    /** @return the refused name */
    public String serverName() {
        return name();
    }
}
