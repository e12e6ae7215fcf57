package org.hubkit.core.internal;

/** The request cannot be carried out as asked (a server not running, a name taken by a rename, a bad OAuth request). */
final class InvalidRequestException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    InvalidRequestException(String message) {
        super(message);
    }
}
