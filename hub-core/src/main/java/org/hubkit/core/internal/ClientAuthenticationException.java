package org.hubkit.core.internal;

/** An OAuth client did not authenticate (unknown client or wrong secret). */
final class ClientAuthenticationException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    ClientAuthenticationException(String message) {
        super(message);
    }
}
