package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.hubkit.core.internal.HubEngine.clientId;
import static org.hubkit.core.internal.HubEngine.now;
import static org.hubkit.core.internal.HubEngine.safely;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub as OAuth2 provider for single-user servers: the registered clients (one per server,
 * registered by its spawn), issuing single-use codes after checking access, and exchanging a
 * code for an access token.
 *
 * <p><b>Locking rule:</b> none of its own. The client map is concurrent and written after the
 * store; a code is consumed atomically by the store, so it can be exchanged once.
 */
final class OAuthProvider {
    private static final Logger LOG = LoggerFactory.getLogger(OAuthProvider.class);
    static final Duration CODE_TTL = Duration.ofMinutes(5);

    private final Settings settings;
    private final Store store;
    private final Users users;
    private final Tokens tokens;
    final Map<String, Store.ClientRow> clients = new ConcurrentHashMap<>();

    OAuthProvider(Settings settings, Store store, Users users, Tokens tokens) {
        this.settings = settings;
        this.store = store;
        this.users = users;
        this.tokens = tokens;
    }

    /** Loads every client from the store (start-up). */
    void load() {
        for (Store.ClientRow c : store.loadClients()) {
            clients.put(c.id(), c);
        }
    }

    /** Registers a server's client (its spawn), after saving it in the store. */
    void register(Store.ClientRow client) {
        store.saveClient(client);
        clients.put(client.id(), client);
    }

    /** Forgets a server's client: memory first, then the store (a stopped server). */
    void forget(String clientId) {
        clients.remove(clientId);
        HubEngine.safely(() -> store.deleteClient(clientId));
    }

    /** Drops a deleted user's clients from memory (the store deleted them with the user). */
    void forgetUser(String name) {
        clients.values().removeIf(c -> name.equals(c.user()));
    }

    public Store.ClientRow client(String id) {
        return id == null ? null : clients.get(id);
    }

    /** Issues a single-use code after checking the user may access the client's server. */
    public String authorize(UserState user, Store.SessionRow session, Store.ClientRow client, String redirectUri) {
        if (!client.redirectUri().equals(redirectUri)) {
            throw new InvalidRequestException("redirect_uri does not match the one registered for " + client.id());
        }
        Set<String> held = user.scopes();
        List<String> access = client.allowedScopes().stream().filter(s -> Scopes.base(s).equals("access:servers")).toList();
        if (!access.isEmpty() && access.stream().noneMatch(s -> Scopes.covers(held, s, users::groupsOf))) {
            LOG.info("User {} refused access to {} (no {})", LogSafe.value(user.name), LogSafe.value(client.id()),
                    LogSafe.value(access, 300));
            throw new NotPermittedException("You do not have permission to access " + client.id());
        }
        Set<String> granted = new java.util.TreeSet<>();
        for (String s : client.allowedScopes()) {
            if (Scopes.covers(held, s, users::groupsOf)) {
                granted.add(s);
            }
        }
        granted.add("read:users:name!user=" + user.name);
        granted.add("read:users:groups!user=" + user.name);
        String code = Secrets.newToken();
        store.insertCode(Secrets.hash(code), new Store.CodeRow(client.id(), user.name, redirectUri, List.copyOf(granted),
                session.sessionId(), now().plus(CODE_TTL)));
        LOG.info("Issued OAuth code for user {} to client {}", LogSafe.value(user.name), LogSafe.value(client.id()));
        return code;
    }

    /** Exchanges a code for an access token; every failure is a refusal named as OAuth names it ({@code invalid_grant}...). */
    public Map<String, Object> exchangeCode(String clientId, String clientSecret, String code, String redirectUri) {
        Store.ClientRow client = client(clientId);
        if (client == null || clientSecret == null
                || !Secrets.constantTimeEquals(client.secretHash(), Secrets.hash(clientSecret))) {
            throw new ClientAuthenticationException("invalid_client");
        }
        if (code == null) {
            throw new InvalidRequestException("invalid_request: code is required");
        }
        Store.CodeRow row = store.consumeCode(Secrets.hash(code)).orElseThrow(() -> new InvalidRequestException("invalid_grant"));
        if (!row.clientId().equals(clientId) || !row.redirectUri().equals(redirectUri)
                || !now().isBefore(row.expiresAt()) || !users.exists(row.user())) {
            throw new InvalidRequestException("invalid_grant");
        }
        Duration ttl = settings.cookieMaxAge();
        String token = tokens.createToken(row.user(), null, row.scopes(), "OAuth token for " + clientId, ttl, "oauth", null,
                clientId, row.sessionId());
        LOG.info("Issued OAuth access token for user {} to client {}", LogSafe.value(row.user()), LogSafe.value(clientId));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", token);
        answer.put("token_type", "Bearer");
        answer.put("expires_in", ttl.toSeconds());
        answer.put("scope", String.join(" ", row.scopes()));
        return answer;
    }
}
