package org.hubkit.api;

/**
 * A username was refused before it could reach a path, a container name, a filter or a URL.
 *
 * @since 0.1
 */
public class InvalidUsernameException extends InvalidNameException {
    private static final long serialVersionUID = 1L;

    /**
     * @param username the refused name (safe to show: it is the user's own input)
     * @param reason why it was refused
     */
    public InvalidUsernameException(String username, String reason) {
        super("username", username, reason);
    }

    /** @return the refused name */
    public String username() {
        return name();
    }
}
