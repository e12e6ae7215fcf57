package org.hubkit.api;

/**
 * A name from a user (a username, a server name) was refused before it could reach a path, a
 * container name, a directory filter or a URL. Catch this to handle both kinds alike.
 *
 * @since 0.2
 */
public abstract class InvalidNameException extends HubException {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String reason;

    /**
     * @param what what kind of name, for the message ("username", "server name")
     * @param name the refused name (safe to show: it is the user's own input)
     * @param reason why it was refused
     */
    protected InvalidNameException(String what, String name, String reason) {
        super("Invalid " + what + " '" + name + "': " + reason);
        this.name = name;
        this.reason = reason;
    }

    /** @return the refused name */
    public String name() {
        return name;
    }

    /** @return why the name was refused, without the name */
    public String reason() {
        return reason;
    }
}
