package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.requireMethod;
import static org.hubkit.core.internal.ApiRequest.requireScope;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/** {@code /hub/api}, {@code /health}, {@code /user} (the caller) and {@code /info}. Stateless. */
final class HubInfoResource {
    /** How long {@code GET /hub/api/user} waits for a due refresh (the authenticator gives up after 30 s itself). */
    private static final java.time.Duration REFRESH_PATIENCE = java.time.Duration.ofSeconds(35);
    private final HubEngine engine;

    HubInfoResource(HubEngine engine) {
        this.engine = engine;
    }

    void version(HttpServletResponse resp, String method) throws IOException {
        requireMethod(method, "GET");
        Web.json(resp, 200, Map.of("version", ApiServlet.JUPYTERHUB_VERSION));
    }

    void health(HttpServletResponse resp) throws IOException {
        Web.json(resp, 200, Map.of("status", "ok"));
    }

    /**
     * {@code GET /hub/api/user}. A user's model waits for a refresh of their auth state that is due
     * (OAuthenticator's "always a valid access token" for servers reading it); a refused one is 403.
     */
    void self(jakarta.servlet.http.HttpServletRequest req, HttpServletResponse resp, String method, Caller c) throws IOException {
        requireMethod(method, "GET");
        if (c.user() == null) {
            Web.json(resp, 200, self(c));
            return;
        }
        CompletableFuture<Boolean> fresh = engine.whenFresh(c.user());
        if (fresh.isDone() && !fresh.isCompletedExceptionally() && fresh.join()) {
            Web.json(resp, 200, self(c));
            return;
        }
        Deferred.answer(req, fresh, REFRESH_PATIENCE, (done, failure) -> {
            if (done && failure == null && !fresh.join()) {
                Web.error(resp, 403, "Your login is no longer valid: log in again");
            } else {
                Web.json(resp, 200, self(c)); // refreshed, or the authenticator could not tell: as the user is now
            }
        });
    }

    void info(HttpServletResponse resp, String method, Caller c) throws IOException {
        requireMethod(method, "GET");
        requireScope(c, "read:hub");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", ApiServlet.JUPYTERHUB_VERSION);
        info.put("hubkit_version", Versions.HUBKIT);
        info.put("spawner", Map.of("class", engine.spawner.name()));
        info.put("authenticator", Map.of("class", engine.authenticator.name()));
        Web.json(resp, 200, info);
    }

    private Map<String, Object> self(Caller c) {
        Map<String, Object> m;
        if (c.user() != null) {
            m = new LinkedHashMap<>(Models.user(engine, c.user(), c, false));
        } else {
            m = new LinkedHashMap<>();
            m.put("kind", "service");
            m.put("name", c.service().name());
            m.put("admin", c.service().admin());
            m.put("roles", c.service().admin() ? List.of("admin") : List.of());
        }
        m.put("scopes", new ArrayList<>(new TreeSet<>(c.scopes())));
        if (c.token() != null) {
            m.put("token_id", "a" + c.token().row().id());
            m.put("session_id", c.token().row().sessionId());
        } else {
            m.put("session_id", c.session() == null ? null : c.session().sessionId());
        }
        return m;
    }
}
