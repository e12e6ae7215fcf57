package org.hubkit.api;

/**
 * A username was refused before it could reach a path, a container name, a filter or a URL.
 *
 * @since 0.1
 */
public class InvalidUsernameException extends HubException {
    private static final long serialVersionUID = 1L;
    private final String username;
    private final String reason;

    /**
     * @param username the refused name (safe to show: it is the user's own input)
     * @param reason why it was refused
     */
    public InvalidUsernameException(String username, String reason) {
        super("Invalid username '" + username + "': " + reason);
        this.username = username;
        this.reason = reason;
    }

    /** @return the refused name */
    public String username() {
        return username;
    }

    /** @return why the name was refused, without the name */
    public String reason() {
        return reason;
    }
}
