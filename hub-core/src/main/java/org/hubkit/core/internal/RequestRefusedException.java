package org.hubkit.core.internal;

import org.hubkit.api.HubException;

/**
 * A request the hub's engine refuses, for a reason its subclass names. The engine says what is
 * wrong; the API layer ({@link ApiError#of}) decides which HTTP status answers it.
 */
abstract sealed class RequestRefusedException extends HubException
        permits AlreadyExistsException, InvalidRequestException, BusyException, LimitReachedException,
        NotPermittedException, ClientAuthenticationException {
    private static final long serialVersionUID = 1L;

    RequestRefusedException(String message) {
        super(message);
    }
}
