package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.requireMethod;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hubkit.core.Service;

/** {@code GET /services} and {@code GET /services/{name}}. Stateless. */
final class ServicesResource {
    private final HubEngine engine;

    ServicesResource(HubEngine engine) {
        this.engine = engine;
    }

    void services(HttpServletResponse resp, String method, List<String> p, Caller c) throws IOException {
        requireMethod(method, "GET");
        if (!c.has("list:services") && !c.has("read:services:name")) {
            throw new ApiError(403, "Action is not authorized with current scopes; requires any of [list:services]");
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (Service s : engine.services().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "service");
            m.put("name", s.name());
            m.put("admin", s.admin());
            m.put("roles", s.admin() ? List.of("admin") : List.of());
            m.put("url", "");
            m.put("prefix", "/services/" + s.name() + "/");
            m.put("pid", 0);
            m.put("command", List.of());
            m.put("info", Map.of());
            m.put("display", true);
            all.put(s.name(), m);
        }
        if (p.size() == 1) {
            Web.json(resp, 200, all);
        } else if (p.size() == 2 && all.containsKey(p.get(1))) {
            Web.json(resp, 200, all.get(p.get(1)));
        } else {
            throw new ApiError(404, "No such service");
        }
    }
}
