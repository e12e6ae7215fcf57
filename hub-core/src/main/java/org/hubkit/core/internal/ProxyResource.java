package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.requireMethod;
import static org.hubkit.core.internal.ApiRequest.requireScope;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hubkit.api.HubException;
import org.hubkit.api.Route;

/** {@code GET /proxy}: the proxy's routing table. Stateless. */
final class ProxyResource {
    private final HubEngine engine;

    ProxyResource(HubEngine engine) {
        this.engine = engine;
    }

    void handle(HttpServletRequest req, HttpServletResponse resp, String method, Caller c)
            throws IOException, InterruptedException {
                requireScope(c, "proxy");
                requireMethod(method, "GET");
        listRoutes(req, resp);
    }

    /**
     * {@code GET /proxy}: the proxy's routing table as an object keyed by route spec, paged as
     * JupyterHub pages it (in route spec order; a client that does not ask for pages gets the first
     * {@code apiPageMaxLimit} routes).
     */
    private void listRoutes(HttpServletRequest req, HttpServletResponse resp) throws IOException, InterruptedException {
        Pagination page = Pagination.of(req, engine.settings);
        Map<String, Route> routes;
        try {
            routes = engine.proxy.routes().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new HubException("Reading the proxy's routes failed: " + HubEngine.rootMessage(e), e);
        }
        Map<String, Map<String, Object>> all = new java.util.TreeMap<>();
        for (Route r : routes.values()) {
            Map<String, Object> m = new LinkedHashMap<>(r.data());
            String spec = r.routespec().equals("/") ? "/" : r.routespec() + "/";
            m.put("routespec", spec);
            m.put("target", r.target().toString());
            all.put(spec, m);
        }
        Map<String, Object> items = new LinkedHashMap<>();
        for (var e : page.slice(new ArrayList<>(all.entrySet()))) {
            items.put(e.getKey(), e.getValue());
        }
        Web.json(resp, 200, page.body(req, items, all.size()));
    }
}
