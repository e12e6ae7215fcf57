package org.hubkit.core.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what has expired: API tokens, OAuth access tokens, OAuth codes and login sessions,
 * from the {@link Store} first, then from the engine's in-memory maps (the engine's rule: the
 * store is written before memory changes). Expired entries are already refused where they are
 * used; this only keeps the store and the maps from growing without bound.
 *
 * <p>Thread-safe: it only removes entries that are expired at the instant of the run from
 * concurrent maps, so it needs no lock of the engine's. An entry read from the store by a
 * concurrent lookup just before the delete may come back into a map; the next run removes it.
 */
public final class ExpiryPurge {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryPurge.class);

    private final Store store;
    private final Map<Long, TokenState> tokensById;
    private final Map<String, TokenState> tokensByHash;
    private final Map<String, Store.SessionRow> sessions;
    private final Supplier<Instant> clock;

    /**
     * @param store the store
     * @param tokensById the engine's tokens by id
     * @param tokensByHash the engine's tokens by hash
     * @param sessions the engine's session cache by id hash
     */
    public ExpiryPurge(Store store, Map<Long, TokenState> tokensById, Map<String, TokenState> tokensByHash,
                       Map<String, Store.SessionRow> sessions) {
        this(store, tokensById, tokensByHash, sessions, () -> Instant.now().truncatedTo(ChronoUnit.MICROS));
    }

    ExpiryPurge(Store store, Map<Long, TokenState> tokensById, Map<String, TokenState> tokensByHash,
                Map<String, Store.SessionRow> sessions, Supplier<Instant> clock) {
        this.store = store;
        this.tokensById = tokensById;
        this.tokensByHash = tokensByHash;
        this.sessions = sessions;
        this.clock = clock;
    }

    /**
     * Runs once now, on the caller's thread, then every {@code interval} on the scheduler.
     *
     * @param scheduler the engine's scheduler
     * @param interval time between runs
     */
    public void startOn(ScheduledExecutorService scheduler, Duration interval) {
        runLogged();
        long every = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::runLogged, every, every, TimeUnit.MILLISECONDS);
    }

    /** One run; a store error is logged, never thrown (the next run tries again). */
    public void runLogged() {
        try {
            run();
        } catch (HubException e) {
            LOG.warn("Purging expired tokens, codes and sessions failed: {}", e.getMessage());
        }
    }

    /**
     * @return what was deleted from the store
     * @throws HubException if the store fails (memory is then left as it was)
     */
    public Store.PurgeCounts run() {
        Instant now = clock.get();
        Store.PurgeCounts deleted = store.purgeExpired(now);
        tokensById.values().removeIf(t -> t.expired(now));
        tokensByHash.values().removeIf(t -> t.expired(now));
        sessions.values().removeIf(s -> !now.isBefore(s.expiresAt()));
        if (deleted.total() > 0) {
            LOG.info("Purged expired state: {} API tokens, {} OAuth access tokens, {} OAuth codes, {} sessions",
                    deleted.apiTokens(), deleted.oauthTokens(), deleted.oauthCodes(), deleted.sessions());
        } else {
            LOG.debug("Purged expired state: nothing had expired");
        }
        return deleted;
    }
}
