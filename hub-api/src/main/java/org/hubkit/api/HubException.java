package org.hubkit.api;

/**
 * The root of every exception Hubkit throws. Unchecked; implementations of the SPIs translate
 * the exceptions of their own stack (Docker, Kubernetes, LDAP, JOSE, JDBC) into a subclass at
 * their edge, so callers need to know only this hierarchy.
 *
 * @since 0.1
 */
public class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, for people; never contains a secret */
    public HubException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, for people; never contains a secret
     * @param cause the underlying error
     */
    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
