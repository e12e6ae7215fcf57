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

/** {@code /hub/api}, {@code /health}, {@code /user} (the caller) and {@code /info}. Stateless. */
final class HubInfoResource {
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

    void self(HttpServletResponse resp, String method, Caller c) throws IOException {
        requireMethod(method, "GET");
        Web.json(resp, 200, self(c));
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
