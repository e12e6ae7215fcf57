package org.hubkit.core.internal;

import org.hubkit.api.HubException;

/** A request the hub refuses, with the HTTP status JupyterHub answers for it. */
public final class ApiError extends HubException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final Integer retryAfterSeconds;

    public ApiError(int status, String message) {
        this(status, message, null);
    }

    public ApiError(int status, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
