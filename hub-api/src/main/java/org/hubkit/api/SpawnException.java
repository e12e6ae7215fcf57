package org.hubkit.api;

/**
 * A single-user server could not be started, stopped or checked. The message is shown to the
 * user on the spawn page, so it must not contain secrets.
 *
 * @since 0.1
 */
public class SpawnException extends HubException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, shown to the user */
    public SpawnException(String message) {
        super(message);
    }

    /**
     * @param message what failed, shown to the user
     * @param cause the underlying error
     */
    public SpawnException(String message, Throwable cause) {
        super(message, cause);
    }
}
