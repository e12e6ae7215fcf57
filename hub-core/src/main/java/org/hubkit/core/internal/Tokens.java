package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.hubkit.core.internal.HubEngine.now;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.api.HubException;
import org.hubkit.core.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API tokens and what they may do: the token maps by hash and by id, creating, resolving and
 * deleting tokens, the scopes of tokens and their owners, the configured services (each with its
 * token), the batched write of token activity, and the server-token index built at start-up.
 *
 * <p><b>Locking rule:</b> none of its own. Both maps are concurrent and every change writes the
 * store first, then the maps; a token's {@code lastActivity} and scope cache are single-writer
 * caches that tolerate a lost update. {@link #reload} runs under the users map's monitor (a
 * rename), so it takes no server's monitor.
 */
final class Tokens {
    private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);

    private final Store store;
    private final Users users;
    final Map<String, TokenState> tokensByHash = new ConcurrentHashMap<>();
    final Map<Long, TokenState> tokensById = new ConcurrentHashMap<>();
    final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<Long, Instant> dirtyTokenActivity = new ConcurrentHashMap<>();

    Tokens(Store store, Users users) {
        this.store = store;
        this.users = users;
    }

    /**
     * Loads every token from the store (start-up).
     *
     * @return each server's API token id, found once here: looking it up per server would scan
     *         every token for every server (5,000 servers x 60,000 tokens)
     */
    Map<ServerKey, Long> load() {
        Map<ServerKey, Long> serverTokens = new HashMap<>();
        for (Store.TokenRow row : store.loadTokens()) {
            TokenState t = new TokenState(row);
            tokensByHash.put(row.hash(), t);
            tokensById.put(row.id(), t);
            if ("server".equals(row.kind()) && row.user() != null && row.serverName() != null) {
                // Should there be several (a spawn cut short by a crash), the newest is the running server's.
                serverTokens.merge(new ServerKey(row.user(), row.serverName()), row.id(), Math::max);
            }
        }
        return serverTokens;
    }

    /** A server's owner and name as the store holds them, unvalidated (a map key at start-up). */
    record ServerKey(String user, String server) {
    }

    void registerServices(List<Service> configured) {
        for (Service service : configured) {
            services.put(service.name(), service);
            String hash = Secrets.hash(service.apiToken());
            TokenState existing = tokensByHash.get(hash);
            if (existing != null && service.name().equals(existing.row.service())) {
                continue;
            }
            if (existing != null) {
                throw new HubException("The API token of service '" + service.name() + "' is already in use by another owner");
            }
            for (TokenState t : List.copyOf(tokensById.values())) {
                if (service.name().equals(t.row.service())) {
                    deleteToken(t);
                }
            }
            insertToken(new Store.TokenRow(0, hash, null, service.name(), List.of("inherit"), "from configuration",
                    "service", null, null, null, now(), null, null));
            LOG.info("Registered service '{}'{}", service.name(), service.admin() ? " with the admin role" : "");
        }
    }

    /** Reads every token from the store again (after a rename, which changes their owner). */
    void reload() {
        tokensByHash.clear();
        tokensById.clear();
        for (Store.TokenRow row : store.loadTokens()) {
            TokenState t = new TokenState(row);
            tokensByHash.put(row.hash(), t);
            tokensById.put(row.id(), t);
        }
    }

    public String createToken(String user, String service, List<String> scopes, String note, Duration expiresIn, String kind,
                              String serverName, String oauthClient, String sessionId) {
        return registerToken(Secrets.newToken(), user, service, scopes, note, expiresIn, kind, serverName, oauthClient, sessionId);
    }

    /** Stores a token whose text someone else chose (a spawner's reused server token); returns it. */
    public String registerToken(String token, String user, String service, List<String> scopes, String note, Duration expiresIn,
                                String kind, String serverName, String oauthClient, String sessionId) {
        Instant now = now();
        insertToken(new Store.TokenRow(0, Secrets.hash(token), user, service, scopes, note, kind, serverName, oauthClient,
                sessionId, now, null, expiresIn == null ? null : now.plus(expiresIn)));
        return token;
    }

    TokenState insertToken(Store.TokenRow row) {
        Store.TokenRow saved = store.insertToken(row);
        TokenState t = new TokenState(saved);
        tokensByHash.put(saved.hash(), t);
        tokensById.put(saved.id(), t);
        return t;
    }

    public TokenState tokenByHashOf(String token) {
        return token == null || token.isEmpty() ? null : tokensByHash.get(Secrets.hash(token));
    }

    /** @return the token if it exists, is not expired and its owner exists; records its use */
    public TokenState resolveToken(String token) {
        TokenState t = tokenByHashOf(token);
        if (t == null) {
            return null;
        }
        Instant now = now();
        if (t.expired(now) || (t.row.user() != null && !users.exists(t.row.user()))
                || (t.row.service() != null && !services.containsKey(t.row.service()))) {
            return null;
        }
        Instant last = t.lastActivity;
        if (last == null || Duration.between(last, now).toSeconds() >= 10) {
            t.lastActivity = now;
            dirtyTokenActivity.put(t.row.id(), now);
        }
        if (t.row.user() != null && !"server".equals(t.row.kind())) {
            users.touchUser(users.user(t.row.user()), now);
        }
        return t;
    }

    public TokenState tokenById(long id) {
        return tokensById.get(id);
    }

    public List<TokenState> tokensOf(String user) {
        return tokensById.values().stream().filter(t -> user.equals(t.row.user())).sorted(
                java.util.Comparator.comparingLong(t -> t.row.id())).toList();
    }

    public void deleteToken(TokenState t) {
        store.deleteToken(t.row.id());
        tokensById.remove(t.row.id());
        tokensByHash.remove(t.row.hash());
    }

    void flushTokenActivity() {
        Map<Long, Instant> batch = new HashMap<>();
        for (Long id : List.copyOf(dirtyTokenActivity.keySet())) {
            Instant t = dirtyTokenActivity.remove(id);
            if (t != null && tokensById.containsKey(id)) {
                batch.put(id, t);
            }
        }
        try {
            store.updateTokenActivity(batch);
        } catch (HubException e) {
            LOG.warn("Could not record token activity: {}", e.getMessage());
        }
    }

    /** The scopes of a user or service, expanded. */
    public Set<String> ownerScopes(String user, String service) {
        if (user != null) {
            UserState u = users.user(user);
            return u == null ? Set.of() : u.scopes();
        }
        Service s = services.get(service);
        return s != null && s.admin() ? ADMIN_SCOPES : Set.of();
    }

    private static final Set<String> ADMIN_SCOPES = Set.copyOf(Scopes.expand(Scopes.ADMIN_ROLE, null));

    /** A token's effective scopes: its own scopes, never more than its owner's. */
    public Set<String> scopes(TokenState t) {
        Set<String> owner = ownerScopes(t.row.user(), t.row.service());
        if (t.ownerScopesSeen == owner && t.scopesCache != null) {
            return t.scopesCache;
        }
        Set<String> result;
        if (t.row.scopes().contains("inherit")) {
            result = owner;
        } else {
            result = Scopes.intersect(Scopes.expand(t.row.scopes(), t.row.user()), owner, users::groupsOf);
        }
        t.scopesCache = result;
        t.ownerScopesSeen = owner;
        return result;
    }

    /** Drops a deleted user's tokens from memory (the store deleted them with the user). */
    void forgetUser(String name) {
        tokensById.values().removeIf(t -> name.equals(t.row.user()));
        tokensByHash.values().removeIf(t -> name.equals(t.row.user()));
    }

    /** Deletes the tokens issued in a login session (its logout). */
    void deleteSessionTokens(String sessionId) {
        for (TokenState t : List.copyOf(tokensById.values())) {
            if (sessionId.equals(t.row.sessionId())) {
                deleteToken(t);
            }
        }
    }
}
