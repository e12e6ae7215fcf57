package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.hubkit.core.internal.HubEngine.now;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login sessions: creating, finding (the store behind a cache by session hash) and ending them;
 * ending one revokes the OAuth tokens issued in it.
 *
 * <p><b>Locking rule:</b> none of its own. The cache is concurrent and only ever holds rows the
 * store has (written there first); a lookup that races an end may find a row the store no longer
 * has, which is checked for expiry and owner as any other.
 */
final class Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    private final Settings settings;
    private final Store store;
    private final Users users;
    private final Tokens tokens;
    final Map<String, Store.SessionRow> sessionCache = new ConcurrentHashMap<>();

    Sessions(Settings settings, Store store, Users users, Tokens tokens) {
        this.settings = settings;
        this.store = store;
        this.users = users;
        this.tokens = tokens;
    }

    /** @return the new session's id (the cookie carries it, signed) */
    public String createSession(UserState u) {
        String id = Secrets.newToken();
        Instant now = now();
        Store.SessionRow row = new Store.SessionRow(id.substring(0, 32), u.name, now.plus(settings.cookieMaxAge()));
        String hash = Secrets.hash(id);
        store.insertSession(hash, row, now);
        sessionCache.put(hash, row);
        return id;
    }

    public Optional<Store.SessionRow> session(String id) {
        String hash = Secrets.hash(id);
        Store.SessionRow row = sessionCache.get(hash);
        if (row == null) {
            row = store.findSession(hash).orElse(null);
            if (row != null) {
                sessionCache.put(hash, row);
            }
        }
        if (row == null || !now().isBefore(row.expiresAt()) || !users.exists(row.user())) {
            return Optional.empty();
        }
        return Optional.of(row);
    }

    /** Ends a session and revokes the OAuth tokens issued in it, so logout reaches single-user servers too. */
    public void endSession(String id) {
        String hash = Secrets.hash(id);
        Optional<Store.SessionRow> row = session(id);
        store.deleteSession(hash);
        sessionCache.remove(hash);
        row.ifPresent(r -> {
            tokens.deleteSessionTokens(r.sessionId());
            LOG.info("User {} logged out", LogSafe.value(r.user()));
        });
    }

    /**
     * Ends every session of a user (a refresh the authenticator refused, a provider's back-channel
     * logout) and revokes the OAuth tokens issued in them.
     *
     * @return how many sessions ended
     */
    public int endUserSessions(String user) {
        List<String> ended = store.deleteUserSessions(user);
        sessionCache.values().removeIf(s -> user.equals(s.user()));
        ended.forEach(tokens::deleteSessionTokens);
        return ended.size();
    }

    /** Drops a deleted user's sessions from memory (the store deleted them with the user). */
    void forgetUser(String name) {
        sessionCache.values().removeIf(s -> name.equals(s.user()));
    }
}
