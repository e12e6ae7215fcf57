package org.hubkit.core.internal;

/** The request waits on a lifecycle operation still under way (a server pending, being cleaned up or removed, a user being deleted); it may succeed later. */
final class BusyException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    BusyException(String message) {
        super(message);
    }
}
