package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import org.hubkit.core.Service;

/**
 * Who made a request: the owner of an API token, or a user logged in with the hub cookie.
 *
 * @param user the user, or null for a service
 * @param service the service, or null
 * @param token the token used, or null for a cookie login
 * @param session the browser session, or null
 * @param scopes the effective, expanded scopes
 */
public record Caller(UserState user, Service service, TokenState token, Store.SessionRow session, Set<String> scopes) {

    public boolean has(String scope) {
        return scopes.contains(scope);
    }

    /** Whether the caller holds {@code scope} for user {@code name}. */
    public boolean hasForUser(String scope, String name, HubEngine engine) {
        return Scopes.covers(scopes, scope + "!user=" + name, engine::groupsOf);
    }

    /** Whether the caller holds {@code scope} for one server. */
    public boolean hasForServer(String scope, String user, String server, HubEngine engine) {
        return Scopes.covers(scopes, scope + "!server=" + user + "/" + server, engine::groupsOf);
    }

    public String name() {
        return user != null ? user.name() : service.name();
    }

    /**
     * Resolves the caller from the {@code Authorization} header or the login cookie. As in
     * JupyterHub 3.0, a {@code ?token=} parameter is not accepted: URLs end up in logs.
     */
    public static Caller of(HttpServletRequest req, HubEngine engine) {
        String token = null;
        String header = req.getHeader("Authorization");
        if (header != null) {
            String h = header.strip();
            int sp = h.indexOf(' ');
            if (sp > 0) {
                String scheme = h.substring(0, sp).toLowerCase(java.util.Locale.ROOT);
                if (scheme.equals("token") || scheme.equals("bearer")) {
                    token = h.substring(sp + 1).strip();
                }
            }
        }
        if (token != null) {
            TokenState t = engine.resolveToken(token);
            if (t == null) {
                return null;
            }
            UserState u = t.user() == null ? null : engine.user(t.user());
            if (u != null) {
                engine.authenticated(u);
            }
            Service s = t.service() == null ? null : engine.services().get(t.service());
            return new Caller(u, s, t, null, tokenScopes(t, engine));
        }
        return fromCookie(req, engine);
    }

    /**
     * A token's effective scopes plus, for a user's token, the scopes that identify its owner
     * ({@code read:users:name} and {@code read:users:groups} of that user), which JupyterHub's
     * {@code get_scopes_for} always adds: any token may read who it belongs to.
     */
    public static Set<String> tokenScopes(TokenState t, HubEngine engine) {
        Set<String> scopes = engine.scopes(t);
        if (t.user() == null) {
            return scopes;
        }
        String name = "read:users:name!user=" + t.user();
        String groups = "read:users:groups!user=" + t.user();
        if ((scopes.contains(name) || scopes.contains("read:users:name")) && (scopes.contains(groups)
                || scopes.contains("read:users:groups"))) {
            return scopes;
        }
        Set<String> out = new java.util.HashSet<>(scopes);
        out.add(name);
        out.add(groups);
        return Set.copyOf(out);
    }

    public static Caller fromCookie(HttpServletRequest req, HubEngine engine) {
        String id = Web.verifySigned(engine.cookieSecret, Web.cookie(req, Web.LOGIN_COOKIE));
        if (id == null) {
            return null;
        }
        return engine.session(id).map(s -> {
            UserState u = engine.user(s.user());
            if (u == null) {
                return null;
            }
            engine.touchUser(u, HubEngine.now());
            engine.authenticated(u);
            return new Caller(u, null, null, s, u.scopes());
        }).orElse(null);
    }

    /** The raw session id from the login cookie, if the signature holds. */
    public static String sessionId(HttpServletRequest req, HubEngine engine) {
        return Web.verifySigned(engine.cookieSecret, Web.cookie(req, Web.LOGIN_COOKIE));
    }
}
