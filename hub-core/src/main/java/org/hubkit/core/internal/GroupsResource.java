package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.requireMethod;
import static org.hubkit.core.internal.ApiRequest.requireScope;
import static org.hubkit.core.internal.ApiRequest.warnIfTruncated;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /groups}. Stateless: groups are the users' (see {@link Users}). */
final class GroupsResource {
    private final HubEngine engine;

    GroupsResource(HubEngine engine) {
        this.engine = engine;
    }

    void handle(HttpServletRequest req, HttpServletResponse resp, String method, Caller c) throws IOException {
                requireMethod(method, "GET");
                requireScope(c, "list:groups");
        listGroups(req, resp);
    }

    /**
     * {@code GET /groups}: every group, by name, with its members; JupyterHub's model without
     * roles. Members are collected in one pass over the users, not one per group.
     */
    private void listGroups(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Pagination page = Pagination.of(req, engine.settings);
        Map<String, List<String>> members = new java.util.TreeMap<>();
        for (UserState u : engine.users()) {
            for (String g : u.groups) {
                members.computeIfAbsent(g, k -> new ArrayList<>()).add(u.name);
            }
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (var g : page.slice(new ArrayList<>(members.entrySet()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "group");
            m.put("name", g.getKey());
            m.put("users", g.getValue().stream().sorted().toList());
            items.add(m);
        }
        warnIfTruncated(page, items.size(), members.size(), "groups");
        Web.json(resp, 200, page.body(req, items, members.size()));
    }
}
