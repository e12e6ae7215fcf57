package org.hubkit.core.internal;

import static org.hubkit.core.internal.HubEngine.now;
import static org.hubkit.core.internal.HubEngine.safely;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Credentials;
import org.hubkit.api.InvalidUsernameException;
import org.hubkit.api.Usernames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's users: the users map, creating, renaming and deleting users, their admin flag,
 * groups and activity, and the JupyterHub login pipeline (authenticate, normalise, validate,
 * blocked/allowed/admin).
 *
 * <p><b>Locking rule:</b> the map is concurrent for lookups; creating, renaming and deleting a
 * user hold the map's monitor, which is taken before a server's monitor, never after (a rename
 * checks the user's servers under it). {@link #recordActivity} takes a server's monitor as a
 * leaf. Store writes happen before the map changes.
 */
final class Users {
    private static final Logger LOG = LoggerFactory.getLogger(Users.class);

    private final Store store;
    private final Logins logins;
    private final HubEvents events;
    private final ExecutorService workers;
    final Map<String, UserState> users = new ConcurrentHashMap<>();

    Users(Store store, Logins logins, HubEvents events, ExecutorService workers) {
        this.store = store;
        this.logins = logins;
        this.events = events;
        this.workers = workers;
    }

    /** Loads every user from the store (start-up). */
    void load() {
        for (Store.UserRow row : store.loadUsers()) {
            UserState u = new UserState(row.name(), row.admin(), row.created(), row.lastActivity(), row.groups(),
                    Json.readMap(row.authState()));
            u.authenticator = row.authenticator();
            users.put(row.name(), u);
        }
    }

    boolean exists(String name) {
        return users.containsKey(name);
    }

    UserState user(String name) {
        return users.get(name);
    }

    public Collection<UserState> users() {
        return users.values();
    }

    public UserState createUser(String name, boolean admin) {
        Usernames.validate(name);
        synchronized (users) {
            if (users.containsKey(name)) {
                throw new AlreadyExistsException("User " + name + " already exists");
            }
            Instant now = now();
            store.insertUser(name, admin, now);
            UserState u = new UserState(name, admin, now, null, Set.of(), Map.of());
            users.put(name, u);
            LOG.info("Created user {}{}", LogSafe.value(name), admin ? " (admin)" : "");
            return u;
        }
    }

    public void setAdmin(UserState u, boolean admin) {
        store.updateUser(u.name, admin, Json.write(u.authState));
        u.admin = admin;
        u.refreshScopes();
    }

    public void setGroups(UserState u, Set<String> groups) {
        store.setGroups(u.name, groups);
        u.groups = Set.copyOf(groups);
    }

    UserState renameUser(UserState u, String newName, Runnable reindexTokens) {
        Usernames.validate(newName);
        synchronized (users) {
            if (users.containsKey(newName)) {
                throw new InvalidRequestException("User " + newName + " already exists");
            }
            if (u.servers.values().stream().anyMatch(ServerState::active)) {
                throw new BusyException("Stop " + u.name + "'s servers before renaming");
            }
            store.renameUser(u.name, newName);
            users.remove(u.name);
            UserState renamed = new UserState(newName, u.admin, u.created, u.lastActivity, u.groups, u.authState);
            renamed.authenticator = u.authenticator;
            users.put(newName, renamed);
            reindexTokens.run();
            LOG.info("Renamed user {} to {}", LogSafe.value(u.name), LogSafe.value(newName));
            return renamed;
        }
    }

    /**
     * Deletes a user whose servers are stopped; {@code forgetOwned} drops what they own (tokens,
     * OAuth clients, sessions) from memory while the map's monitor is held.
     */
    void delete(UserState u, Runnable forgetOwned) {
        synchronized (users) {
            store.deleteUser(u.name);
            users.remove(u.name);
            forgetOwned.run();
        }
    }

    /** The JupyterHub login pipeline for the password form: authenticate, normalise, validate, blocked/allowed/admin. */
    public CompletableFuture<Optional<UserState>> login(Credentials credentials) {
        Logins.Login login = logins.passwords().orElse(null);
        if (login == null) {
            LOG.info("Login refused for '{}': no authenticator takes passwords", LogSafe.value(credentials.username()));
            events.loginRefused(credentials.username());
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return login(login, login.authenticator().authenticate(credentials), credentials.username());
    }

    /**
     * The same pipeline for any authenticator's answer (a redirect login's callback).
     *
     * @param shown what to call the attempt in the log and events before a name is known
     */
    public CompletableFuture<Optional<UserState>> login(Logins.Login login, java.util.concurrent.CompletionStage<AuthResult> answer,
                                                        String shown) {
        return answer.toCompletableFuture().thenApply(result -> {
            if (result == null || !result.accepted() || result.name() == null) {
                if (login.authenticator().redirectLogin().isPresent()) {
                    LOG.debug("Login refused for '{}'", LogSafe.value(shown)); // the authenticator logged why: one line
                } else {
                    LOG.info("Login refused for '{}'", LogSafe.value(shown));
                }
                events.loginRefused(shown);
                return Optional.empty();
            }
            Optional<UserState> admitted = admit(login, result);
            if (admitted.isPresent()) {
                events.loggedIn(admitted.get().name);
            } else {
                // A typed name as typed; a redirect login's as the provider gave it
                events.loginRefused(login.authenticator().redirectLogin().isPresent() ? result.name() : shown);
            }
            return admitted;
        });
    }

    private Optional<UserState> admit(Logins.Login login, AuthResult result) {
        String own = login.authenticator().normalizeUsername(result.name());
        String name = login.prefix() + own;
        try {
            Usernames.validate(name);
        } catch (InvalidUsernameException e) {
            // Not e.getMessage(): it holds the name as typed, control characters included.
            LOG.info("Login refused for '{}': invalid name, {}", LogSafe.value(name), e.reason());
            return Optional.empty();
        }
        UserState existing = users.get(name);
        AccessRules rules = login.rules();
        if (rules.blockedUsers().contains(own) || !(result.allowed() || rules.permits(own, existing != null))) {
            LOG.info("Login refused for '{}': not allowed", LogSafe.value(name));
            return Optional.empty();
        }
        if (existing != null && ownedByAnother(existing, login)) {
            LOG.warn("Login refused for '{}' through authenticator '{}': the name belongs to authenticator '{}'",
                    LogSafe.value(name), login.id(), existing.authenticator);
            return Optional.empty();
        }
        boolean admin = rules.adminUsers().contains(own) || result.admin().orElse(existing != null && existing.admin);
        UserState u = existing;
        if (u == null) {
            try {
                u = createUser(name, admin);
            } catch (AlreadyExistsException raced) {
                u = users.get(name);
            }
        }
        synchronized (users) {
            // Checked again under the monitor: two authenticators racing for a new name, only the first owns it.
            if (ownedByAnother(u, login)) {
                LOG.warn("Login refused for '{}' through authenticator '{}': the name belongs to authenticator '{}'",
                        LogSafe.value(name), login.id(), u.authenticator);
                return Optional.empty();
            }
            if (!login.id().equals(u.authenticator)) {
                if (u.authenticator != null) {
                    LOG.warn("User {} belonged to authenticator '{}', which the hub {}; it now belongs to '{}'", LogSafe.value(name),
                            u.authenticator, logins.several() ? "no longer has" : "replaced", login.id());
                }
                store.setUserAuthenticator(u.name, login.id());
                u.authenticator = login.id();
            }
        }
        if (u.admin != admin && (result.admin().isPresent() || admin)) {
            setAdmin(u, admin);
        }
        apply(u, result.groups(), result.authState().isEmpty() ? null : result.authState());
        u.authRefreshed = now();
        LOG.info("User {} logged in{}", LogSafe.value(name), logins.several() ? " through " + login.id() : "");
        return Optional.of(u);
    }

    /**
     * Whether another of several authenticators owns the user's name. With one authenticator every
     * user is its own, whatever was recorded: a hub that changes its only authenticator keeps its users.
     */
    private boolean ownedByAnother(UserState u, Logins.Login login) {
        return logins.several() && u.authenticator != null && !u.authenticator.equals(login.id())
                && logins.byId(u.authenticator).isPresent();
    }

    /** Sets the groups (null: not managed) and auth state (null: unchanged) an authenticator gave. */
    void apply(UserState u, Set<String> groups, Map<String, Object> authState) {
        if (groups != null && !groups.equals(u.groups)) {
            setGroups(u, groups);
        }
        if (authState != null) {
            store.updateUser(u.name, u.admin, Json.write(authState));
            u.authState = authState;
        }
    }

    /**
     * A user acting through the hub (a token or a login cookie) is active, as in JupyterHub;
     * written at most once a minute per user. Server tokens report activity explicitly instead.
     */
    public void touchUser(UserState u, Instant now) {
        if (u == null) {
            return;
        }
        Instant last = u.lastActivity;
        if (last == null || Duration.between(last, now).toSeconds() >= 60) {
            u.lastActivity = now;
            workers.execute(() -> safely(() -> store.updateUserActivity(u.name, now)));
        }
    }

    public Set<String> groupsOf(String user) {
        UserState u = users.get(user);
        return u == null ? Set.of() : u.groups;
    }

    /** {@code POST /users/{name}/activity}: timestamps only move forward. */
    public void recordActivity(UserState u, String serverName, Instant when) {
        if (serverName != null) {
            ServerState s = u.servers.get(serverName);
            if (s == null) {
                throw new InvalidRequestException("No such server '" + serverName + "' for user " + u.name);
            }
            boolean changed;
            synchronized (s) {
                changed = s.lastActivity == null || when.isAfter(s.lastActivity);
                if (changed) {
                    s.lastActivity = when;
                }
            }
            if (changed && s.active()) {
                store.updateServerActivity(u.name, serverName, when);
            }
        }
        if (u.lastActivity == null || when.isAfter(u.lastActivity)) {
            u.lastActivity = when;
            store.updateUserActivity(u.name, when);
        }
    }

    public Set<String> allGroups() {
        Set<String> g = new HashSet<>();
        users.values().forEach(u -> g.addAll(u.groups));
        return g;
    }

}
