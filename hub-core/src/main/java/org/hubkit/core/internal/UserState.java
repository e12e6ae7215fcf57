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
    volatile Set<String> scopes;
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
        refreshScopes();
    }

    void refreshScopes() {
        scopes = Scopes.forUser(name, admin);
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
