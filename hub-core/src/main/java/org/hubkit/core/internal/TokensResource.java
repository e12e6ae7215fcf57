package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.needUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /users/{name}/tokens} and {@code /users/{name}/tokens/{id}}. Stateless: tokens are {@link Tokens}'. */
final class TokensResource {
    private static final Logger LOG = LoggerFactory.getLogger(TokensResource.class);
    /** The longest token lifetime asked for; JupyterHub stores the expiry as a datetime. */
    static final Duration MAX_EXPIRES_IN = Duration.ofDays(3653);
    /** JupyterHub's {@code api_tokens.note} column. */
    static final int MAX_NOTE_LENGTH = 1023;
    /** The store's column for a token's scopes, as JSON. */
    private static final int MAX_SCOPES_JSON_LENGTH = 100_000;

    private final HubEngine engine;

    TokensResource(HubEngine engine) {
        this.engine = engine;
    }

    void tokens(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p, String name, UserState u,
                        Caller c) throws IOException {
        if (p.size() == 3) {
            if (method.equals("GET")) {
                needUser(engine, u, name, c, "read:tokens");
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
            needUser(engine, u, name, c, "read:tokens");
        } else if (method.equals("DELETE")) {
            needUser(engine, u, name, c, "tokens");
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
}
