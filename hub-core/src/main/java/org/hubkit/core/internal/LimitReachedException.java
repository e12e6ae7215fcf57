package org.hubkit.core.internal;

/** A hub-wide limit is reached (active servers, concurrent spawns); try again after {@link #retryAfterSeconds()}. */
final class LimitReachedException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    LimitReachedException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
