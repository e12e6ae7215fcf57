package org.hubkit.proxy.netty.internal;

/**
 * How long a listener waits for its clients, already validated, as {@link ClientTimeouts} applies
 * them: between requests, for a request's head, for a whole request.
 *
 * @param keepAliveTimeoutMillis how long a connection may sit idle between requests; positive
 * @param headersTimeoutMillis how long a request's head may take to arrive, from its first byte; 0 for no limit
 * @param requestTimeoutMillis how long a whole request (head and body) may take to arrive, from its first
 *        byte; 0 for no limit
 */
public record ClientLimits(long keepAliveTimeoutMillis, long headersTimeoutMillis, long requestTimeoutMillis) {
}
