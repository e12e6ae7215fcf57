package org.hubkit.core.internal;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A user as the hub holds it in memory; writes go to the {@link Store} first. */
public final class UserState {
    final String name;
    final Instant created;
    volatile boolean admin;
    volatile Set<String> groups;
    volatile Instant lastActivity;
    volatile Map<String, Object> authState;
    /**
     * The expanded scopes and the {@code admin} value they were expanded for, computed on first use:
     * expanding every user's at start-up held about 40 MB for 50,000 users (the scale benchmark's
     * heap after a full GC went from 132 to 90 MiB), most of them never asked for.
     */
    private volatile Expanded expanded;
    /** The id of the authenticator that owns the name (null: none yet, an admin created the user). */
    volatile String authenticator;
    /** When the auth state was last given or refreshed by the authenticator; null: not since the hub started. */
    volatile Instant authRefreshed;
    /** Set while the user is being deleted: no spawn may begin. */
    volatile boolean deleting;
    final Map<String, ServerState> servers = new ConcurrentHashMap<>();

    UserState(String name, boolean admin, Instant created, Instant lastActivity, Set<String> groups,
              Map<String, Object> authState) {
        this.name = name;
        this.admin = admin;
        this.created = created;
        this.lastActivity = lastActivity;
        this.groups = Set.copyOf(groups);
        this.authState = Map.copyOf(authState);
    }

    private record Expanded(boolean admin, Set<String> scopes) {
    }

    /** Forgets the expanded scopes; the next {@link #scopes()} expands them again. */
    void refreshScopes() {
        expanded = null;
    }

    /**
     * The user's expanded scopes, for the current {@code admin}. The same set is returned while
     * {@code admin} stays as it is (token scope caches compare it by identity). Two threads asking
     * first at once may each expand it, and an expansion for a value of {@code admin} that has just
     * changed may be stored: it is not used, because the value it was made for is checked each time.
     */
    Set<String> scopes() {
        boolean a = admin;
        Expanded e = expanded;
        if (e == null || e.admin() != a) {
            e = new Expanded(a, Scopes.forUser(name, a));
            expanded = e;
        }
        return e.scopes();
    }

    public String name() {
        return name;
    }

    public boolean admin() {
        return admin;
    }

    public Set<String> groups() {
        return groups;
    }

    public ServerState server(String serverName) {
        return servers.get(serverName);
    }
}
