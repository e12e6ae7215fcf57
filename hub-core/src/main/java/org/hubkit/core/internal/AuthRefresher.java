package org.hubkit.core.internal;

import static org.hubkit.core.internal.HubEngine.now;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes users' auth state through the authenticator that owns them, as JupyterHub's
 * {@code refresh_auth} does: on an authenticated request once the state is older than
 * {@code authRefreshAge} (the request goes on meanwhile, but {@code GET /hub/api/user}, where a
 * server reads its user's current tokens, waits for it; a refusal ends the user's sessions), and
 * before a spawn when {@code refreshPreSpawn} is on (the spawn waits for it).
 *
 * <p><b>Locking rule:</b> at most one refresh per user at a time, through the concurrent
 * {@code inFlight} map (a second caller gets the first one's future). The outcome is written to
 * the user through {@link Users} as a login's would be.
 */
final class AuthRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(AuthRefresher.class);
    /** The most a refresh may take before the hub gives up on it and keeps the user as they are. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** How soon a refresh that failed (not refused) is tried again. */
    private static final Duration RETRY = Duration.ofSeconds(30);

    private final Logins logins;
    private final Users users;
    private final Sessions sessions;
    private final Duration maxAge;
    private final Map<String, CompletableFuture<Boolean>> inFlight = new ConcurrentHashMap<>();

    AuthRefresher(Logins logins, Users users, Sessions sessions, Duration maxAge) {
        this.logins = logins;
        this.users = users;
        this.sessions = sessions;
        this.maxAge = maxAge;
    }

    /** Starts a refresh if the user's state is older than {@code authRefreshAge}; does not wait for it. */
    void refreshIfStale(UserState u) {
        if (stale(u)) {
            refresh(u);
        }
    }

    /**
     * @return completes with whether the user is still valid once their state is fresh: at once when
     *         it is, else when the refresh running (or started now) is done
     */
    CompletableFuture<Boolean> whenFresh(UserState u) {
        CompletableFuture<Boolean> running = inFlight.get(u.name);
        if (running != null) {
            return running;
        }
        return stale(u) ? refresh(u) : CompletableFuture.completedFuture(true);
    }

    /** A zero {@code authRefreshAge} turns the time-based refresh off, as in JupyterHub. */
    private boolean stale(UserState u) {
        if (maxAge.isZero()) {
            return false;
        }
        Instant last = u.authRefreshed;
        return last == null || Duration.between(last, now()).compareTo(maxAge) >= 0;
    }

    /**
     * @return completes with whether the user is still valid: false when the authenticator refused
     *         (the user's sessions are ended by then); true when it could not tell
     */
    CompletableFuture<Boolean> refresh(UserState u) {
        Optional<Logins.Login> owner = logins.ownerOf(u);
        if (owner.isEmpty()) {
            return CompletableFuture.completedFuture(true); // several authenticators and none owns the user yet
        }
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> running = inFlight.putIfAbsent(u.name, mine);
        if (running != null) {
            return running;
        }
        Logins.Login login = owner.get();
        CompletableFuture<RefreshResult> answer;
        try {
            answer = login.authenticator().refresh(new UserInfo(u.name, u.admin, u.groups, u.authState)).toCompletableFuture();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).whenComplete((result, failure) -> {
            boolean valid = true;
            try {
                if (failure != null || result == null) {
                    LOG.warn("Refreshing the auth state of {} failed ({}): kept as it is, tried again later", LogSafe.value(u.name),
                            failure == null ? "no answer" : LogSafe.value(HubEngine.rootMessage(failure), 200));
                    // Not on every request while the authenticator is down: again in RETRY at the earliest.
                    Instant retryAt = now().plus(RETRY);
                    u.authRefreshed = maxAge.compareTo(RETRY) > 0 ? retryAt.minus(maxAge) : now();
                } else if (!result.valid()) {
                    valid = false;
                    int ended = sessions.endUserSessions(u.name);
                    LOG.info("Authenticator {} refused to refresh {}: {}; ended {} session(s)", login.id(), LogSafe.value(u.name),
                            LogSafe.value(result.reason(), 200), ended);
                } else {
                    if (result.admin().isPresent() && result.admin().get() != u.admin) {
                        users.setAdmin(u, result.admin().get());
                    }
                    users.apply(u, result.groups(), result.authState());
                    u.authRefreshed = now();
                }
            } catch (RuntimeException e) {
                LOG.warn("Recording the refreshed auth state of {} failed: {}", LogSafe.value(u.name),
                        LogSafe.value(e.getMessage(), 200));
            } finally {
                inFlight.remove(u.name, mine);
                mine.complete(valid);
            }
        });
        return mine;
    }
}
