package org.hubkit.core.internal;

/** What the request would create exists already (a user). */
final class AlreadyExistsException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    AlreadyExistsException(String message) {
        super(message);
    }
}
