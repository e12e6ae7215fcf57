package org.hubkit.core.internal;

/** The caller may not do this (a user without access to an OAuth client's server). */
final class NotPermittedException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    NotPermittedException(String message) {
        super(message);
    }
}
