package org.hubkit.proxy.netty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hubkit.api.ConfigException;
import org.hubkit.proxy.netty.internal.ClientLimits;

/**
 * How long a listener waits for its clients, with the names and defaults of Node's HTTP server:
 * {@link #keepAliveTimeout()} while no request is under way (from the connection's opening or the
 * end of a response to the first byte of the next request), then, from that first byte,
 * {@link #headersTimeout()} for the request's head and {@link #requestTimeout()} for the whole
 * request. A client that takes longer gets a {@code 408} and the connection is closed; one that
 * sends nothing is closed.
 *
 * <p>{@link #NODE_DEFAULTS} (5 s, 60 s, 300 s) are what Node 20 applies when nothing is set, which
 * is what configurable-http-proxy's REST API, metrics and HTTPS-redirect servers get: that is what
 * {@link ChpCompatibleProxy.Builder#serviceTimeouts} uses by default. The proxy's public listener
 * has the same three options on {@link NettyProxy.Builder}, checked by the same rules.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * ListenerTimeouts quick = ListenerTimeouts.builder().keepAliveTimeout(Duration.ofSeconds(2)).build();
 * ChpCompatibleProxy chp = ChpCompatibleProxy.builder().serviceTimeouts(quick).build();
 * }</pre>
 *
 * @since 0.1
 */
public final class ListenerTimeouts {
    /** Node's {@code server.keepAliveTimeout} default. */
    private static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(5);
    /** Node's {@code server.headersTimeout} default (Node 18 and later). */
    private static final Duration DEFAULT_HEADERS_TIMEOUT = Duration.ofSeconds(60);
    /** Node's {@code server.requestTimeout} default (Node 18 and later). */
    private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(300);

    /** Node 20's HTTP server defaults: keep-alive 5 s, head 60 s, whole request 300 s. */
    public static final ListenerTimeouts NODE_DEFAULTS = builder().build();

    private final Duration keepAliveTimeout;
    /** {@code null}: no limit. */
    private final Duration headersTimeout;
    /** Whether {@link #headersTimeout} was set, rather than derived from {@link #requestTimeout}. */
    private final boolean headersTimeoutSet;
    /** {@code null}: no limit. */
    private final Duration requestTimeout;

    private ListenerTimeouts(Builder b) {
        this.keepAliveTimeout = b.keepAliveTimeout;
        this.headersTimeout = b.resolvedHeadersTimeout();
        this.headersTimeoutSet = b.headersTimeoutSet;
        this.requestTimeout = limit(b.requestTimeout);
    }

    /** @return a builder with the defaults of {@link #NODE_DEFAULTS} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these limits, to build a variant; a derived headers limit stays derived */
    public Builder toBuilder() {
        Builder b = builder().keepAliveTimeout(keepAliveTimeout).requestTimeout(requestTimeout);
        if (headersTimeoutSet) {
            b.headersTimeout(headersTimeout);
        }
        return b;
    }

    /** @return how long a connection may stay idle between requests before it is closed */
    public Duration keepAliveTimeout() {
        return keepAliveTimeout;
    }

    /** @return how long a request's head may take to arrive, from its first byte; empty if not limited */
    public Optional<Duration> headersTimeout() {
        return Optional.ofNullable(headersTimeout);
    }

    /** @return how long a whole request may take to arrive, from its first byte; empty if not limited */
    public Optional<Duration> requestTimeout() {
        return Optional.ofNullable(requestTimeout);
    }

    /** @return the limits in milliseconds, 0 for none; same package only */
    ClientLimits limits() {
        return new ClientLimits(keepAliveTimeout.toMillis(), millis(headersTimeout), millis(requestTimeout));
    }

    private static long millis(Duration d) {
        return d == null ? 0 : d.toMillis();
    }

    /** @return {@code null} for no limit (zero or {@code null}), else the duration */
    private static Duration limit(Duration d) {
        return d == null || d.isZero() ? null : d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerTimeouts t && keepAliveTimeout.equals(t.keepAliveTimeout)
                && Objects.equals(headersTimeout, t.headersTimeout) && headersTimeoutSet == t.headersTimeoutSet
                && Objects.equals(requestTimeout, t.requestTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keepAliveTimeout, headersTimeout, headersTimeoutSet, requestTimeout);
    }

    @Override
    public String toString() {
        return "ListenerTimeouts[keepAlive=" + keepAliveTimeout + ", headers=" + (headersTimeout == null ? "none"
                : headersTimeout) + ", request=" + (requestTimeout == null ? "none" : requestTimeout) + "]";
    }

    /**
     * Configures {@link ListenerTimeouts}; {@link #build()} reports every problem at once. Not
     * thread-safe.
     *
     * @since 0.1
     */
    public static final class Builder {
        private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
        private Duration headersTimeout;
        private boolean headersTimeoutSet;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Builder() {
        }

        /**
         * @param keepAliveTimeout how long a connection may stay idle between requests (from its
         *        opening or the end of a response to the first byte of the next request) before it
         *        is closed; must be positive. Default 5 s, Node's {@code server.keepAliveTimeout}
         * @return this builder
         */
        public Builder keepAliveTimeout(Duration keepAliveTimeout) {
            this.keepAliveTimeout = keepAliveTimeout;
            return this;
        }

        /**
         * How long the head of a request (request line and headers) may take to arrive, counted
         * from its first byte; then the client gets a {@code 408} and the connection is closed.
         *
         * <p>Default: 60 s, or {@link #requestTimeout} if that is shorter, as Node's
         * {@code server.headersTimeout}. Unlike Node, turning {@link #requestTimeout} off keeps the
         * 60 s (Node's {@code min(60000, 0)} turns both off): set this to zero too for no limit.
         *
         * @param headersTimeout the limit; {@link Duration#ZERO} or {@code null} for none. Must not
         *        be longer than {@link #requestTimeout} when both are set
         * @return this builder
         */
        public Builder headersTimeout(Duration headersTimeout) {
            this.headersTimeout = headersTimeout;
            this.headersTimeoutSet = true;
            return this;
        }

        /**
         * How long a whole request, head and body, may take to arrive, counted from its first
         * byte; then the client gets a {@code 408} (if nothing has been answered yet) and the
         * connection is closed. It ends when the request has arrived: the time taken to answer is
         * not limited.
         *
         * <p>Default: 300 s, Node's {@code server.requestTimeout} since Node 18.
         *
         * @param requestTimeout the limit; {@link Duration#ZERO} or {@code null} for none
         * @return this builder
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** @return the headers limit: as set, else 60 s or the request limit if shorter; {@code null} for none */
        private Duration resolvedHeadersTimeout() {
            if (headersTimeoutSet) {
                return limit(headersTimeout);
            }
            Duration request = limit(requestTimeout);
            return request != null && !request.isNegative() && request.compareTo(DEFAULT_HEADERS_TIMEOUT) < 0
                    ? request : DEFAULT_HEADERS_TIMEOUT;
        }

        /**
         * @return the limits
         * @throws ConfigException listing every invalid field: a keep-alive timeout that is not
         *         positive, a negative limit, a headers limit longer than the request limit
         */
        public ListenerTimeouts build() {
            List<String> problems = new ArrayList<>();
            if (keepAliveTimeout == null || keepAliveTimeout.isNegative() || keepAliveTimeout.isZero()) {
                problems.add("keepAliveTimeout: must be positive (got " + keepAliveTimeout + ")");
            }
            if (requestTimeout != null && requestTimeout.isNegative()) {
                problems.add("requestTimeout: must be zero (no limit) or positive (got " + requestTimeout + ")");
            }
            if (headersTimeout != null && headersTimeout.isNegative()) {
                problems.add("headersTimeout: must be zero (no limit) or positive (got " + headersTimeout + ")");
            } else if (limit(requestTimeout) != null && !requestTimeout.isNegative()
                    && resolvedHeadersTimeout() != null && resolvedHeadersTimeout().compareTo(requestTimeout) > 0) {
                problems.add("headersTimeout: must not be longer than requestTimeout (got " + headersTimeout
                        + " and " + requestTimeout + ")");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new ListenerTimeouts(this);
        }
    }
}
