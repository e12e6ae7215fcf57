package org.hubkit.core.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.hubkit.api.HubException;
import org.hubkit.api.InvalidServerNameException;
import org.hubkit.api.InvalidUsernameException;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.Route;
import org.hubkit.api.Usernames;
import org.hubkit.core.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JupyterHub's REST API under {@code /hub/api}, and the OAuth2 provider endpoints. */
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);
    public static final String JUPYTERHUB_VERSION = "3.0.0";
    /** The longest token lifetime asked for; JupyterHub stores the expiry as a datetime. */
    static final Duration MAX_EXPIRES_IN = Duration.ofDays(3653);
    /** JupyterHub's {@code api_tokens.note} column. */
    static final int MAX_NOTE_LENGTH = 1023;
    /** The store's column for a token's scopes, as JSON. */
    private static final int MAX_SCOPES_JSON_LENGTH = 100_000;

    private final transient HubEngine engine;
    private final transient Runnable shutdown;

    public ApiServlet(HubEngine engine, Runnable shutdown) {
        this.engine = engine;
        this.shutdown = shutdown;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("X-JupyterHub-Version", JUPYTERHUB_VERSION);
        resp.setHeader("Cache-Control", "no-store");
        String method = req.getMethod();
        try {
            route(req, resp, method, Web.pathSegments(req, "/hub/api"));
        } catch (ApiError e) {
            if (e.retryAfterSeconds() != null) {
                resp.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
            }
            Web.error(resp, e.status(), e.getMessage());
        } catch (InvalidUsernameException | InvalidServerNameException e) {
            Web.error(resp, 400, e.getMessage());
        } catch (JsonProcessingException e) {
            Web.error(resp, 400, "Invalid JSON in the request body: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            Web.error(resp, 400, "Invalid request: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Web.error(resp, 503, "Hub is shutting down");
        } catch (HubException e) {
            // The message is for the log: it may hold a database's or a spawner's internals.
            LOG.warn("{} {} failed: {}", method, LogSafe.value(req.getRequestURI()), LogSafe.value(e.getMessage(), 300));
            internalError(resp);
        } catch (RuntimeException e) {
            int status = ErrorPages.statusOf(e);
            if (status < 500) {
                Web.error(resp, status, org.eclipse.jetty.http.HttpStatus.getMessage(status));
            } else {
                LOG.error("{} {} failed", method, LogSafe.value(req.getRequestURI()), LogSafe.throwable(e));
                internalError(resp);
            }
        }
    }

    /** JupyterHub's answer to an unexpected error: a 500 that says nothing about its cause. */
    private static void internalError(HttpServletResponse resp) throws IOException {
        if (!resp.isCommitted()) {
            resp.resetBuffer();
            Web.error(resp, 500, "Internal Server Error");
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p)
            throws IOException, InterruptedException {
        if (p.isEmpty()) {
            requireMethod(method, "GET");
            Web.json(resp, 200, Map.of("version", JUPYTERHUB_VERSION));
            return;
        }
        String head = p.get(0);
        if (head.equals("oauth2")) {
            oauth(req, resp, method, p);
            return;
        }
        if (head.equals("health") && p.size() == 1) {
            Web.json(resp, 200, Map.of("status", "ok"));
            return;
        }
        Caller c = Caller.of(req, engine);
        if (c == null) {
            throw new ApiError(403, "Missing or invalid credentials");
        }
        if (c.token() == null && !method.equals("GET") && !method.equals("HEAD")) {
            // A cookie alone cannot change state: the XSRF token must be valid for this login session,
            // and the request must come from the hub's own pages.
            String submitted = req.getHeader("X-XSRFToken");
            String refused = Xsrf.refusal(req, engine, submitted != null ? submitted : req.getParameter("_xsrf"));
            if (refused != null) {
                LOG.info("{} {} with a login cookie refused: {}", method, LogSafe.value(req.getRequestURI()), refused);
                throw new ApiError(403, "'_xsrf' argument missing from " + method);
            }
        }
        switch (head) {
            case "user" -> {
                requireMethod(method, "GET");
                Web.json(resp, 200, self(c));
            }
            case "info" -> {
                requireMethod(method, "GET");
                requireScope(c, "read:hub");
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("version", JUPYTERHUB_VERSION);
                info.put("hubkit_version", org.hubkit.core.Hub.VERSION);
                info.put("spawner", Map.of("class", engine.spawner.name()));
                info.put("authenticator", Map.of("class", engine.authenticator.name()));
                Web.json(resp, 200, info);
            }
            case "users" -> users(req, resp, method, p, c);
            case "services" -> services(resp, method, p, c);
            case "groups" -> {
                requireMethod(method, "GET");
                requireScope(c, "list:groups");
                listGroups(req, resp);
            }
            case "proxy" -> {
                requireScope(c, "proxy");
                requireMethod(method, "GET");
                listRoutes(req, resp);
            }
            case "shutdown" -> {
                requireMethod(method, "POST");
                requireScope(c, "shutdown");
                Map<String, Object> body = body(req);
                Object servers = body.getOrDefault("servers", engine.cleanupOnClose());
                if (!(servers instanceof Boolean) || !(body.getOrDefault("proxy", true) instanceof Boolean)) {
                    throw new ApiError(400, "servers and proxy must be booleans");
                }
                boolean stopServers = (Boolean) servers;
                engine.cleanupOnClose(stopServers);
                LOG.info("Shutdown requested by {}{}", LogSafe.value(c.name()), stopServers ? ", stopping all servers" : "");
                resp.setStatus(202);
                resp.flushBuffer();
                Thread t = new Thread(shutdown, "hubkit-shutdown");
                t.start();
            }
            default -> throw new ApiError(404, "Not found");
        }
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

    // ------------------------------------------------------------------ /users

    private void users(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p, Caller c)
            throws IOException, InterruptedException {
        if (p.size() == 1) {
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
            return;
        }
        String name = p.get(1);
        if (p.size() == 2) {
            userResource(req, resp, method, name, c);
            return;
        }
        UserState u = engine.user(name);
        String sub = p.get(2);
        switch (sub) {
            case "server", "servers" -> {
                String serverName;
                int rest;
                if (sub.equals("server")) {
                    serverName = "";
                    rest = 3;
                } else {
                    if (p.size() < 4) {
                        throw new ApiError(404, "Not found");
                    }
                    serverName = p.get(3);
                    rest = 4;
                }
                if (p.size() == rest + 1 && p.get(rest).equals("progress")) {
                    requireMethod(method, "GET");
                    progress(req, resp, needUser(u, name, c, "read:servers"), serverName);
                } else if (p.size() == rest) {
                    serverAction(req, resp, method, needUser(u, name, c, "servers"), serverName, c);
                } else {
                    throw new ApiError(404, "Not found");
                }
            }
            case "tokens" -> tokens(req, resp, method, p, name, u, c);
            case "activity" -> {
                requireMethod(method, "POST");
                activity(req, resp, needUser(u, name, c, "users:activity"));
            }
            default -> throw new ApiError(404, "Not found");
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

    /**
     * JupyterHub's answer to a missing per-resource scope: 404 when the caller holds the scope
     * for other resources only (so existence does not leak), 403 when it does not hold it at all.
     */
    private static ApiError forbidden(Caller c, String scope) {
        if (c.scopes().stream().anyMatch(s -> s.startsWith(scope + "!"))) {
            return new ApiError(404, "No access to resources or resources not found");
        }
        return new ApiError(403, "Action is not authorized with current scopes; requires any of [" + scope + "]");
    }

    private UserState needUser(UserState u, String name, Caller c, String scope) {
        if (!c.hasForUser(scope, name, engine)) {
            throw forbidden(c, scope);
        }
        if (u == null) {
            throw new ApiError(404, "No such user: " + name);
        }
        return u;
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

    /** JupyterHub's warning for a client that does not page and gets less than everything. */
    private static void warnIfTruncated(Pagination page, int shown, int total, String what) {
        if (!page.paged() && page.offset() == 0 && shown < total) {
            LOG.warn("Truncated {} list in a request that does not ask for pages: {} of {} (Accept: {} pages through all)",
                    what, shown, total, Pagination.MEDIA_TYPE);
        }
    }

    private static boolean matchesState(UserState u, String state) {
        boolean active = u.servers.values().stream().anyMatch(ServerState::active);
        return switch (state) {
            case "active" -> active;
            case "ready" -> u.servers.values().stream().anyMatch(ServerState::ready);
            default -> !active;
        };
    }

    private void userResource(HttpServletRequest req, HttpServletResponse resp, String method, String name, Caller c)
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

    private void serverAction(HttpServletRequest req, HttpServletResponse resp, String method, UserState u, String serverName,
                              Caller c) throws IOException {
        if (method.equals("POST")) {
            Map<String, Object> options = body(req);
            ServerState existing = u.server(serverName);
            if (existing != null && existing.pending() == ServerState.Pending.SPAWN) {
                // JupyterHub: a start request for a server that is already starting is accepted again.
                resp.setStatus(202);
                return;
            }
            answerWhenDone(req, resp, engine.spawn(u, serverName, options), 201);
        } else if (method.equals("DELETE")) {
            if (!c.hasForServer("delete:servers", u.name, serverName, engine)) {
                throw forbidden(c, "delete:servers");
            }
            ServerState s = u.server(serverName);
            Object removeFlag = body(req).get("remove");
            if (removeFlag != null && !(removeFlag instanceof Boolean)) {
                throw new ApiError(400, "remove must be a boolean");
            }
            boolean remove = !serverName.isEmpty() && Boolean.TRUE.equals(removeFlag);
            if (s == null) {
                if (serverName.isEmpty()) {
                    resp.setStatus(204);
                    return;
                }
                throw new ApiError(404, "No such server: " + u.name + "/" + serverName);
            }
            if (!s.active() && !remove) {
                resp.setStatus(204);
                return;
            }
            answerWhenDone(req, resp, engine.stop(u, s, remove), 204);
        } else {
            throw new ApiError(405, "Method not allowed");
        }
    }

    /**
     * Answers {@code doneStatus} if {@code work} completes within the slow spawn timeout, 202 if
     * it is still going then, 500 if it failed; the request thread returns at once.
     */
    private void answerWhenDone(HttpServletRequest req, HttpServletResponse resp, CompletableFuture<Void> work, int doneStatus) {
        Deferred.answer(req, work, engine.settings.slowSpawnTimeout(), (done, failure) -> {
            if (!done) {
                resp.setStatus(202);
            } else if (failure == null) {
                resp.setStatus(doneStatus);
            } else {
                Web.error(resp, 500, HubEngine.rootMessage(failure));
            }
        });
    }

    private void progress(HttpServletRequest req, HttpServletResponse resp, UserState u, String serverName) throws IOException {
        ServerState s = u.server(serverName);
        if (s == null) {
            // JupyterHub: 404 when the user has no such server (never started, or stopped).
            throw new ApiError(404, u.name + " has no server " + (serverName.isEmpty() ? "(default)" : serverName));
        }
        ProgressEvent last = s.lastEvent();
        ServerState.Pending pending = s.pending();
        long maxMillis = engine.settings.startTimeout().multipliedBy(2).plus(engine.settings.httpTimeout())
                .plusSeconds(60).toMillis();
        if (s.ready() && pending == null) {
            // As JupyterHub: a ready server's stream is one "ready" event.
            ProgressEvent ready = new ProgressEvent(100, "Server ready at " + HubEngine.prefix(s.id), true, false,
                    HubEngine.prefix(s.id));
            ProgressStream.open(req, resp, s, List.of(ready), true, engine.scheduler(), maxMillis);
        } else if (pending == ServerState.Pending.SPAWN) {
            ProgressStream.open(req, resp, s, List.of(), false, engine.scheduler(), maxMillis);
        } else if (pending == null && last != null && last.failed()) {
            ProgressStream.open(req, resp, s, List.of(last), true, engine.scheduler(), maxMillis);
        } else {
            // Stopping, or being checked after a hub restart: nothing is starting (JupyterHub answers 400 too).
            throw new ApiError(400, u.name + "'s server " + (serverName.isEmpty() ? "" : serverName + " ") + "is not starting");
        }
    }

    private void activity(HttpServletRequest req, HttpServletResponse resp, UserState u) throws IOException {
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

    private void tokens(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p, String name, UserState u,
                        Caller c) throws IOException {
        if (p.size() == 3) {
            if (method.equals("GET")) {
                needUser(u, name, c, "read:tokens");
                List<Map<String, Object>> list = new ArrayList<>();
                for (TokenState t : engine.tokensOf(name)) {
                    if (!t.expired(Instant.now())) {
                        list.add(Models.token(t, engine));
                    }
                }
                Web.json(resp, 200, Map.of("api_tokens", list));
            } else if (method.equals("POST")) {
                if (u == null || !c.hasForUser("tokens", name, engine)) {
                    // JupyterHub answers this one 403 whether the user is missing or the scope is.
                    throw new ApiError(403, (c.user() != null ? "User " : "Service ") + name
                            + " not found or no permissions to generate tokens");
                }
                Map<String, Object> body = body(req);
                List<String> scopes = new ArrayList<>(stringList(body, "scopes"));
                for (String r : stringList(body, "roles")) {
                    switch (r) {
                        case "user" -> scopes.add("self");
                        case "admin" -> scopes.addAll(Scopes.ADMIN_ROLE);
                        case "server" -> scopes.addAll(List.of("users:activity!user", "access:servers!user").stream()
                                .map(x -> x + "=" + name).toList());
                        case "token" -> scopes.add("inherit");
                        default -> throw new ApiError(400, "No such role: " + r);
                    }
                }
                if (scopes.isEmpty()) {
                    scopes.add("inherit");
                }
                for (String s : scopes) {
                    if (!Scopes.isValid(s)) {
                        throw new ApiError(400, "Unknown scope: " + s);
                    }
                }
                if (Json.write(scopes).length() > MAX_SCOPES_JSON_LENGTH) {
                    throw new ApiError(400, "Too many or too long scopes");
                }
                Set<String> expanded = Scopes.expand(scopes.stream().filter(s -> !s.equals("inherit")).toList(), name);
                Set<String> owner = engine.ownerScopes(name, null);
                for (String s : expanded) {
                    if (!Scopes.covers(owner, s, engine::groupsOf)) {
                        // JupyterHub 3.0 answers 400 (a ValueError from _check_token_scopes).
                        throw new ApiError(400, "Not assigning requested scopes " + s + " not held by User " + name);
                    }
                    if (!Scopes.covers(c.scopes(), s, engine::groupsOf)) {
                        throw new ApiError(403, "Not assigning requested scopes " + s + " not held by " + c.name());
                    }
                }
                Duration expiresIn = expiresIn(body.get("expires_in"));
                String note = note(body.get("note"));
                if (note.isEmpty()) {
                    // As JupyterHub: the default note says who asked; a note given is kept as given.
                    note = "Requested via api";
                    if (c.user() == null || !c.user().name.equals(name)) {
                        note += " by " + (c.user() != null ? "user " : "service ") + c.name();
                    }
                }
                String token = engine.createToken(name, null, scopes, note, expiresIn, "api", null, null, null);
                Map<String, Object> m = new LinkedHashMap<>(Models.token(engine.tokenByHashOf(token), engine));
                m.put("token", token);
                LOG.info("Created API token {} for user {}", m.get("id"), LogSafe.value(name));
                Web.json(resp, 201, m);
            } else {
                throw new ApiError(405, "Method not allowed");
            }
            return;
        }
        if (p.size() != 4) {
            throw new ApiError(404, "Not found");
        }
        String id = p.get(3);
        TokenState t = null;
        if (id.startsWith("a")) {
            try {
                t = engine.tokenById(Long.parseLong(id.substring(1)));
            } catch (NumberFormatException e) {
                t = null;
            }
        }
        if (method.equals("GET")) {
            needUser(u, name, c, "read:tokens");
        } else if (method.equals("DELETE")) {
            needUser(u, name, c, "tokens");
        } else {
            throw new ApiError(405, "Method not allowed");
        }
        if (t == null || !name.equals(t.user())) {
            throw new ApiError(404, "No such token: " + id);
        }
        if (method.equals("GET")) {
            Web.json(resp, 200, Models.token(t, engine));
        } else {
            engine.deleteToken(t);
            LOG.info("Deleted API token {} of user {}", LogSafe.value(id), LogSafe.value(name));
            resp.setStatus(204);
        }
    }

    private void services(HttpServletResponse resp, String method, List<String> p, Caller c) throws IOException {
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

    /** A token request's {@code scopes} or {@code roles}: absent or null, or a list of strings (as JupyterHub). */
    private static List<String> stringList(Map<String, Object> body, String key) {
        Object v = body.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
            throw new ApiError(400, key + " must be a list of strings");
        }
        @SuppressWarnings("unchecked")
        List<String> strings = (List<String>) l;
        return strings;
    }

    /** A token's {@code expires_in}: absent or null (never expires), or a positive number of seconds up to ten years. */
    private static Duration expiresIn(Object v) {
        if (v == null) {
            return null;
        }
        double seconds = v instanceof Number n ? n.doubleValue() : Double.NaN;
        if (!(v instanceof Number) || !Double.isFinite(seconds) || seconds <= 0 || seconds > MAX_EXPIRES_IN.toSeconds()) {
            throw new ApiError(400, "expires_in must be a positive number of seconds, at most " + MAX_EXPIRES_IN.toSeconds());
        }
        return Duration.ofMillis((long) Math.ceil(seconds * 1000));
    }

    /** A token's {@code note}: absent, null or a string of at most {@link #MAX_NOTE_LENGTH} characters; {@code ""} when none. */
    private static String note(Object v) {
        if (v == null) {
            return "";
        }
        if (!(v instanceof String note)) {
            throw new ApiError(400, "note must be a string");
        }
        if (note.length() > MAX_NOTE_LENGTH) {
            throw new ApiError(400, "note must be at most " + MAX_NOTE_LENGTH + " characters, got " + note.length());
        }
        if (note.indexOf('\0') >= 0) {
            throw new ApiError(400, "note must not contain NUL characters");
        }
        return note;
    }

    // ------------------------------------------------------------------ OAuth2 provider

    private void oauth(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p) throws IOException {
        String what = p.size() == 2 ? p.get(1) : "";
        if (what.equals("authorize") && (method.equals("GET") || method.equals("POST"))) {
            Caller c = Caller.fromCookie(req, engine);
            if (c == null) {
                String here = req.getRequestURI() + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
                resp.sendRedirect("/hub/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8));
                return;
            }
            String clientId = req.getParameter("client_id");
            String redirectUri = req.getParameter("redirect_uri");
            Store.ClientRow client = engine.client(clientId);
            if (client == null) {
                throw new ApiError(400, "Invalid client_id");
            }
            if (redirectUri == null || !redirectUri.equals(client.redirectUri())) {
                // Never redirect to an unregistered URI: answer here instead.
                throw new ApiError(400, "Mismatching redirect URI");
            }
            if (!"code".equals(req.getParameter("response_type"))) {
                redirectWithError(resp, redirectUri, "unsupported_response_type", req.getParameter("state"));
                return;
            }
            String code = engine.authorize(c.user(), c.session(), client, redirectUri);
            StringBuilder target = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?')
                    .append("code=").append(code);
            String state = req.getParameter("state");
            if (state != null) {
                target.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
            }
            resp.setStatus(302);
            resp.setHeader("Location", target.toString());
        } else if (what.equals("token") && method.equals("POST")) {
            String clientId = req.getParameter("client_id");
            String secret = req.getParameter("client_secret");
            String basic = req.getHeader("Authorization");
            if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(basic.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    if (colon > 0) {
                        clientId = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                        secret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
                    }
                } catch (IllegalArgumentException e) {
                    // Not Base64, or a bad %-escape: client credentials that cannot be read, in OAuth's error shape.
                    Web.json(resp, 401, Map.of("error", "invalid_client"));
                    return;
                }
            }
            if (!"authorization_code".equals(req.getParameter("grant_type"))) {
                Web.json(resp, 400, Map.of("error", "unsupported_grant_type"));
                return;
            }
            try {
                Web.json(resp, 200, engine.exchangeCode(clientId, secret, req.getParameter("code"), req.getParameter("redirect_uri")));
            } catch (ApiError e) {
                LOG.info("OAuth token request from client {} refused: {}", LogSafe.value(clientId), LogSafe.value(e.getMessage()));
                Web.json(resp, e.status(), Map.of("error", e.getMessage().split(":")[0]));
            }
        } else {
            throw new ApiError(404, "Not found");
        }
    }

    private static void redirectWithError(HttpServletResponse resp, String redirectUri, String error, String state) {
        resp.setStatus(302);
        resp.setHeader("Location", redirectUri + (redirectUri.contains("?") ? "&" : "?") + "error=" + error
                + (state == null ? "" : "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------------ helpers

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "Method not allowed");
        }
    }

    private static void requireScope(Caller c, String scope) {
        if (!c.has(scope)) {
            throw new ApiError(403, "Action is not authorized with current scopes; requires any of [" + scope + "]");
        }
    }

    /** Reads JSON bodies whole: {@code {"a": 1} trailing} is malformed, not {@code {"a": 1}}. */
    private static final com.fasterxml.jackson.databind.ObjectReader BODY_READER = Json.MAPPER.readerFor(Object.class)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The JSON object of the body, which {@link BodyReader} has read already (at most its limit). */
    private static Map<String, Object> body(HttpServletRequest req) throws IOException {
        byte[] bytes = req.getInputStream().readAllBytes();
        if (bytes.length == 0) {
            return Map.of();
        }
        Object parsed = BODY_READER.readValue(bytes);
        if (parsed == null) {
            return Map.of();
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new ApiError(400, "Request body must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
    }

    static URI uri(String s) {
        return URI.create(s);
    }
}
