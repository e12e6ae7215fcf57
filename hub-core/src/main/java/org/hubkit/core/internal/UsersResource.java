package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.forbidden;
import static org.hubkit.core.internal.ApiRequest.requireScope;
import static org.hubkit.core.internal.ApiRequest.warnIfTruncated;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hubkit.api.InvalidUsernameException;
import org.hubkit.api.Usernames;

/**
 * {@code /users} (list, create several), {@code /users/{name}} (get, create, modify, delete) and
 * {@code POST /users/{name}/activity}. Stateless: users are {@link Users}'.
 */
final class UsersResource {
    private final HubEngine engine;

    UsersResource(HubEngine engine) {
        this.engine = engine;
    }

    /** {@code /users}. */
    void collection(HttpServletRequest req, HttpServletResponse resp, String method, Caller c) throws IOException {
            if (method.equals("GET")) {
                listUsers(req, resp, c);
            } else if (method.equals("POST")) {
                requireScope(c, "admin:users");
                Map<String, Object> body = body(req);
                Object names = body.get("usernames");
                if (!(names instanceof List<?> list) || list.isEmpty()) {
                    throw new ApiError(400, "Must specify at least one user to create");
                }
                boolean admin = adminField(body);
                Set<String> created = new java.util.LinkedHashSet<>();
                for (Object o : list) {
                    if (!(o instanceof String raw)) {
                        throw new ApiError(400, "usernames must be a list of strings");
                    }
                    String name = normalizedNewName(raw);
                    if (engine.user(name) == null) {
                        created.add(name);
                    }
                }
                if (created.isEmpty()) {
                    throw new ApiError(409, "All " + list.size() + " users already exist");
                }
                List<Map<String, Object>> out = new ArrayList<>();
                for (String name : created) {
                    out.add(Models.user(engine, engine.createUser(name, admin), c, false));
                }
                Web.json(resp, 201, out);
            } else {
                throw new ApiError(405, "Method not allowed");
            }
    }

    /**
     * A name for a new user, normalised and validated. Whitespace at either end is refused, not
     * stripped: JupyterHub's {@code normalize_username} does not strip and its
     * {@code validate_username} refuses such names, so an admin's typo never becomes another user.
     */
    private String normalizedNewName(String raw) {
        if (!raw.equals(raw.strip())) {
            throw new InvalidUsernameException(raw, "must not start or end with whitespace");
        }
        return Usernames.validate(engine.authenticator.normalizeUsername(raw));
    }

    /** A user model's {@code admin}: absent means false; anything but a boolean is refused, as JupyterHub's {@code _check_user_model}. */
    private static boolean adminField(Map<String, Object> body) {
        Object admin = body.getOrDefault("admin", false);
        if (!(admin instanceof Boolean b)) {
            throw new ApiError(400, "user.admin must be a boolean");
        }
        return b;
    }

    /** A group name fits the store's column and holds no control characters (which PostgreSQL would refuse as text). */
    private static String groupName(String g) {
        if (g.isEmpty() || g.length() > 255 || g.chars().anyMatch(Character::isISOControl)) {
            throw new ApiError(400, "Invalid group name: must be 1 to 255 characters without control characters");
        }
        return g;
    }

    private void listUsers(HttpServletRequest req, HttpServletResponse resp, Caller c) throws IOException {
        boolean listAll = c.has("list:users");
        if (!listAll && c.scopes().stream().noneMatch(s -> s.startsWith("list:users!"))) {
            throw new ApiError(403, "Action is not authorized with current scopes; requires any of [list:users]");
        }
        String state = req.getParameter("state");
        if (state != null && !Set.of("active", "ready", "inactive").contains(state)) {
            throw new ApiError(400, "Unrecognized state filter: '" + state + "'; must be active, ready or inactive");
        }
        String nameFilter = req.getParameter("name_filter");
        boolean includeStopped = "1".equals(req.getParameter("include_stopped_servers"))
                || "true".equalsIgnoreCase(req.getParameter("include_stopped_servers"));
        Pagination page = Pagination.of(req, engine.settings);
        List<UserState> matching = engine.users().stream()
                .filter(u -> listAll || c.hasForUser("list:users", u.name, engine))
                // JupyterHub 3.0: name ILIKE '%filter%'
                .filter(u -> nameFilter == null || u.name.toLowerCase(java.util.Locale.ROOT)
                        .contains(nameFilter.toLowerCase(java.util.Locale.ROOT)))
                .filter(u -> state == null || matchesState(u, state))
                .sorted(Comparator.comparing(u -> u.name)).toList();
        List<Map<String, Object>> items = new ArrayList<>();
        for (UserState u : page.slice(matching)) {
            items.add(Models.user(engine, u, c, includeStopped));
        }
        warnIfTruncated(page, items.size(), matching.size(), "users");
        // As JupyterHub, application/json whether paged or not.
        Web.json(resp, 200, page.body(req, items, matching.size()));
    }

    private static boolean matchesState(UserState u, String state) {
        boolean active = u.servers.values().stream().anyMatch(ServerState::active);
        return switch (state) {
            case "active" -> active;
            case "ready" -> u.servers.values().stream().anyMatch(ServerState::ready);
            default -> !active;
        };
    }

    void userResource(HttpServletRequest req, HttpServletResponse resp, String method, String name, Caller c)
            throws IOException, InterruptedException {
        UserState u = engine.user(name);
        switch (method) {
            case "GET" -> {
                // JupyterHub's @needs_scope for GET /users/{name}: any one of these on the user.
                if (Stream.of("read:users", "read:users:name", "read:servers", "read:users:groups", "read:users:activity",
                        "read:roles:users").noneMatch(scope -> c.hasForUser(scope, name, engine))) {
                    throw forbidden(c, "read:users");
                }
                if (u == null) {
                    throw new ApiError(404, "No such user: " + name);
                }
                Web.json(resp, 200, Models.user(engine, u, c, "1".equals(req.getParameter("include_stopped_servers"))));
            }
            case "POST" -> {
                requireScope(c, "admin:users");
                String normalized = normalizedNewName(name);
                if (engine.user(normalized) != null) {
                    throw new ApiError(409, "User " + normalized + " already exists");
                }
                Map<String, Object> body = body(req);
                UserState created = engine.createUser(normalized, adminField(body));
                Web.json(resp, 201, Models.user(engine, created, c, false));
            }
            case "PATCH" -> {
                if (!c.hasForUser("admin:users", name, engine)) {
                    throw forbidden(c, "admin:users");
                }
                if (u == null) {
                    throw new ApiError(404, "No such user: " + name);
                }
                Map<String, Object> body = body(req);
                for (var e : body.entrySet()) {
                    Object v = e.getValue();
                    boolean typed = switch (e.getKey()) {
                        case "name" -> v instanceof String;
                        case "admin" -> v instanceof Boolean;
                        case "groups", "roles" -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String);
                        default -> throw new ApiError(400, "Unknown field '" + e.getKey() + "'; allowed: name, admin, groups, roles");
                    };
                    if (!typed) {
                        throw new ApiError(400, "user." + e.getKey() + " has the wrong type");
                    }
                }
                if (body.get("admin") instanceof Boolean admin) {
                    engine.setAdmin(u, admin);
                }
                if (body.get("groups") instanceof List<?> groups) {
                    Set<String> g = new HashSet<>();
                    groups.forEach(x -> g.add(groupName((String) x)));
                    engine.setGroups(u, g);
                }
                if (body.get("name") instanceof String newName && !newName.equals(u.name)) {
                    // The rules of a new user's name: " bob" is refused, not renamed to "bob".
                    u = engine.renameUser(u, normalizedNewName(newName));
                }
                Web.json(resp, 200, Models.user(engine, u, c, false));
            }
            case "DELETE" -> {
                if (!c.hasForUser("delete:users", name, engine)) {
                    throw forbidden(c, "delete:users");
                }
                if (u == null) {
                    throw new ApiError(404, "No such user: " + name);
                }
                if (c.user() == u) {
                    throw new ApiError(400, "Cannot delete yourself!");
                }
                String deleted = u.name;
                Deferred.answer(req, engine.deleteUser(u), engine.settings.startTimeout().multipliedBy(2).plusSeconds(60),
                        (done, failure) -> {
                            if (done && failure == null) {
                                resp.setStatus(204);
                            } else {
                                Web.error(resp, 500, done ? HubEngine.rootMessage(failure) : "Deleting " + deleted + " is taking long");
                            }
                        });
            }
            default -> throw new ApiError(405, "Method not allowed");
        }
    }

    void activity(HttpServletRequest req, HttpServletResponse resp, UserState u) throws IOException {
        Map<String, Object> body = body(req);
        Instant now = Instant.now();
        Instant userLast = body.containsKey("last_activity") ? timestamp(body.get("last_activity"), now) : null;
        Object servers = body.get("servers");
        if (servers != null && !(servers instanceof Map)) {
            throw new ApiError(400, "servers must be a dict");
        }
        if (userLast == null && (servers == null || ((Map<?, ?>) servers).isEmpty())) {
            throw new ApiError(400, "body must contain last_activity or servers");
        }
        if (servers instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) {
                String serverName = String.valueOf(e.getKey());
                if (!(e.getValue() instanceof Map<?, ?> info) || !info.containsKey("last_activity")) {
                    throw new ApiError(400, "server " + serverName + " must have last_activity");
                }
                if (u.server(serverName) == null) {
                    throw new ApiError(400, "No such server '" + serverName + "' for user " + u.name);
                }
                engine.recordActivity(u, serverName, timestamp(info.get("last_activity"), now));
            }
        }
        if (userLast != null) {
            engine.recordActivity(u, null, userLast);
        }
        resp.setStatus(200);
    }

    private static Instant timestamp(Object v, Instant now) {
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new ApiError(400, "last_activity must be an ISO8601 timestamp, got " + v);
        }
        Instant t;
        try {
            t = OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                t = LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new ApiError(400, "last_activity must be an ISO8601 timestamp, got '" + s + "'");
            }
        }
        if (t.isAfter(now.plus(Duration.ofMinutes(59)))) {
            throw new ApiError(400, "last_activity " + s + " is in the future");
        }
        return t;
    }
}
