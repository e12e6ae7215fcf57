package org.hubkit.api;

/**
 * A server name was refused before it could reach a path, a container name or a URL.
 *
 * @since 0.1
 */
public class InvalidServerNameException extends HubException {
    private static final long serialVersionUID = 1L;
    private final String serverName;
    private final String reason;

    /**
     * @param serverName the refused name (safe to show: it is the user's own input)
     * @param reason why it was refused
     */
    public InvalidServerNameException(String serverName, String reason) {
        super("Invalid server name '" + serverName + "': " + reason);
        this.serverName = serverName;
        this.reason = reason;
    }

    /** @return the refused name */
    public String serverName() {
        return serverName;
    }

    /** @return why the name was refused, without the name */
    public String reason() {
        return reason;
    }
}
