package org.hubkit.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** JupyterHub's JSON shapes for users, servers and tokens, filtered by the caller's scopes. */
public final class Models {
    private Models() {
    }

    /**
     * The user model, filtered as JupyterHub's {@code user_model} does: each field is shown when
     * one of the scopes that grant it covers this user ({@code read:users} everything but servers
     * and auth state; {@code read:users:name} kind, name, admin; {@code read:users:groups} groups;
     * {@code read:users:activity} last_activity; {@code read:servers} the servers the caller may
     * read; {@code read:roles:users} roles; {@code admin:auth_state} auth_state).
     */
    public static Map<String, Object> user(HubEngine engine, UserState u, Caller c, boolean includeStopped) {
        boolean full = c.hasForUser("read:users", u.name, engine);
        boolean name = full || c.hasForUser("read:users:name", u.name, engine);
        boolean groups = full || c.hasForUser("read:users:groups", u.name, engine);
        boolean activity = full || c.hasForUser("read:users:activity", u.name, engine);
        boolean roles = full || c.hasForUser("read:roles:users", u.name, engine);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "user");
        m.put("name", u.name);
        if (name || roles) {
            m.put("admin", u.admin);
        }
        if (roles) {
            m.put("roles", u.admin ? List.of("admin", "user") : List.of("user"));
        }
        if (groups) {
            m.put("groups", new ArrayList<>(new TreeSet<>(u.groups)));
        }
        ServerState def = u.servers.get("");
        if (full) {
            m.put("created", Web.iso(u.created));
        }
        if (activity) {
            m.put("last_activity", Web.iso(u.lastActivity));
        }
        if (full) {
            boolean defReady = def != null && def.ready();
            m.put("server", defReady ? HubEngine.prefix(def.id) : null);
            ServerState.Pending p = def == null ? null : def.pending();
            m.put("pending", p == null ? null : p.name().toLowerCase());
        }
        Map<String, Object> servers = new LinkedHashMap<>();
        for (ServerState s : u.servers.values()) {
            if ((s.active() || includeStopped) && c.hasForServer("read:servers", u.name, s.id.serverName(), engine)) {
                servers.put(s.id.serverName(), server(engine, s, c));
            }
        }
        // Present (maybe empty) with read:servers on the user; otherwise only when some server is readable.
        if (c.hasForUser("read:servers", u.name, engine) || !servers.isEmpty()) {
            m.put("servers", servers);
        }
        if (c.hasForUser("admin:auth_state", u.name, engine)) {
            // null without any, as JupyterHub's get_auth_state()
            m.put("auth_state", u.authState == null || u.authState.isEmpty() ? null : u.authState);
        }
        return m;
    }

    public static Map<String, Object> server(HubEngine engine, ServerState s, Caller c) {
        Map<String, Object> m = new LinkedHashMap<>();
        synchronized (s) {
            m.put("name", s.id.serverName());
            m.put("last_activity", Web.iso(s.lastActivity));
            m.put("started", Web.iso(s.started));
            m.put("pending", s.pending == null ? null : s.pending.name().toLowerCase());
            m.put("ready", s.ready);
            m.put("stopped", !s.ready && s.pending == null);
            m.put("url", HubEngine.prefix(s.id));
            m.put("user_options", s.userOptions);
            String base = "/hub/api/users/" + HubEngine.urlPath(s.id.user());
            m.put("progress_url", s.id.isDefault() ? base + "/server/progress"
                    : base + "/servers/" + HubEngine.urlPath(s.id.serverName()) + "/progress");
            if (c != null && c.hasForUser("admin:server_state", s.id.user(), engine)) {
                m.put("state", s.spawnerState.values());
            }
        }
        return m;
    }

    public static Map<String, Object> token(TokenState t, HubEngine engine) {
        Store.TokenRow r = t.row();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", "a" + r.id());
        m.put("kind", "api_token");
        if (r.user() != null) {
            m.put("user", r.user());
        } else {
            m.put("service", r.service());
        }
        m.put("roles", List.of());
        // The effective, expanded scopes, as JupyterHub's token model shows them (not "inherit").
        m.put("scopes", new ArrayList<>(new TreeSet<>(Caller.tokenScopes(t, engine))));
        m.put("created", Web.iso(r.created()));
        m.put("last_activity", Web.iso(t.lastActivity));
        m.put("expires_at", Web.iso(r.expiresAt()));
        m.put("note", r.note());
        m.put("session_id", r.sessionId());
        m.put("oauth_client", r.oauthClient());
        return m;
    }
}
