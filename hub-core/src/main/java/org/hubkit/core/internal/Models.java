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

    public static Map<String, Object> user(HubEngine engine, UserState u, Caller c, boolean includeStopped) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "user");
        boolean name = c.hasForUser("read:users:name", u.name, engine);
        boolean full = c.hasForUser("read:users", u.name, engine);
        if (!name && !full) {
            m.put("name", u.name);
            return m;
        }
        m.put("name", u.name);
        m.put("admin", u.admin);
        if (full) {
            m.put("roles", u.admin ? List.of("admin", "user") : List.of("user"));
        }
        if (full || c.hasForUser("read:users:groups", u.name, engine)) {
            m.put("groups", new ArrayList<>(new TreeSet<>(u.groups)));
        }
        if (full) {
            m.put("created", Web.iso(u.created));
        }
        if (full || c.hasForUser("read:users:activity", u.name, engine)) {
            m.put("last_activity", Web.iso(u.lastActivity));
        }
        if (c.hasForUser("read:servers", u.name, engine)) {
            ServerState def = u.servers.get("");
            boolean defReady = def != null && def.ready();
            m.put("server", defReady ? HubEngine.prefix(def.id) : null);
            ServerState.Pending p = def == null ? null : def.pending();
            m.put("pending", p == null ? null : p.name().toLowerCase());
            Map<String, Object> servers = new LinkedHashMap<>();
            for (ServerState s : u.servers.values()) {
                if (s.active() || includeStopped) {
                    servers.put(s.id.serverName(), server(engine, s, c));
                }
            }
            m.put("servers", servers);
        }
        if (c.hasForUser("admin:auth_state", u.name, engine)) {
            m.put("auth_state", u.authState);
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
        m.put("scopes", new ArrayList<>(new TreeSet<>(r.scopes())));
        m.put("created", Web.iso(r.created()));
        m.put("last_activity", Web.iso(t.lastActivity));
        m.put("expires_at", Web.iso(r.expiresAt()));
        m.put("note", r.note());
        m.put("session_id", r.sessionId());
        m.put("oauth_client", r.oauthClient());
        return m;
    }
}
