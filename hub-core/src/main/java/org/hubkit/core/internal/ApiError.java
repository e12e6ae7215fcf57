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

    /**
     * The answer to a request the engine refused: the one place that gives each refusal its
     * HTTP status (JupyterHub's), with its message unchanged.
     */
    public static ApiError of(RequestRefusedException e) {
        int status;
        Integer retryAfter = null;
        if (e instanceof AlreadyExistsException) {
            status = 409;
        } else if (e instanceof LimitReachedException limit) {
            status = 429;
            retryAfter = limit.retryAfterSeconds();
        } else if (e instanceof NotPermittedException) {
            status = 403;
        } else if (e instanceof ClientAuthenticationException) {
            status = 401;
        } else {
            status = 400; // InvalidRequestException, BusyException: JupyterHub answers both 400
        }
        return new ApiError(status, e.getMessage(), retryAfter);
    }

    public int status() {
        return status;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
