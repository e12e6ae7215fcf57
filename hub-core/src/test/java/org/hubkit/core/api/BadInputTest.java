package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every REST endpoint under {@code /hub/api} against hostile input: JSON nulls, wrong types,
 * huge numbers, 2 MiB bodies, names with {@code /}, {@code ..}, NUL, CR/LF or 10,000
 * characters, invalid UTF-8, malformed JSON. The answer is always a 4xx (never a 5xx) in
 * JupyterHub's error shape {@code {"status": N, "message": "..."}} (the OAuth token endpoint
 * answers OAuth's {@code {"error": "..."}} instead), with no stack trace and no mention of Jetty,
 * and the store is the same afterwards: the same users, groups and tokens.
 *
 * <p>What is not hostile is left out on purpose: a value that is right for its field
 * ({@code "admin": true}); {@code null} for a token's {@code scopes}, {@code roles},
 * {@code expires_in} or {@code note}, which JupyterHub reads as "not given"; a body that would
 * make the endpoint act (shutdown with a valid body, a delete of a real user or token). Stopping
 * the default server when it is not running is a 204 whatever the body, as in JupyterHub. A
 * request the proxy refuses itself (its own page) is sent again straight to the hub's port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class BadInputTest extends HubApiTestBase {
    static final String TARGET = "target";
    static final String OTHER = "other";
    static final int MIB = 1 << 20;

    /** One hostile request; {@code allowed} lists the statuses accepted besides "any 4xx" (none: only a 4xx). */
    record Case(String what, String method, String path, byte[] body, String contentType, Set<Integer> allowed) {
        Case(String what, String method, String path, String body) {
            this(what, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "application/json", Set.of());
        }

        Case(String what, String method, String path, byte[] body) {
            this(what, method, path, body, "application/json", Set.of());
        }
    }

    final List<Case> cases = new ArrayList<>();
    String targetTokenId;

    @BeforeAll
    void fixtures() throws Exception {
        hub.ensureUser(TARGET, false);
        hub.ensureUser(OTHER, true);
        HttpResponse<String> groups = hub.admin("PATCH", "/users/" + TARGET, Map.of("groups", List.of("physics")));
        assertThat(groups.statusCode()).as(groups.body()).isEqualTo(200);
        HttpResponse<String> token = hub.admin("POST", "/users/" + TARGET + "/tokens", Map.of("note", "fixture"));
        assertThat(token.statusCode()).isEqualTo(201);
        targetTokenId = (String) json(token).get("id");
    }

    // ------------------------------------------------------------------ hostile values

    static final String LONG = "n".repeat(10_000);
    /** Names as they go into a JSON string. */
    static final List<String> BAD_NAMES_JSON = List.of("a/b", "..", ".", "nul\\u0000name", "cr\\r\\nlf", LONG, " lead", "trail ",
            "back\\\\slash", "");
    /** Names as they go into a path segment, percent-encoded. */
    static final List<String> BAD_NAMES_PATH = List.of("a%2Fb", "%2E%2E", "%2E", "nul%00name", "cr%0D%0Alf", "n".repeat(3_000),
            "%20lead", "trail%20", "back%5Cslash", "bad%FFutf8", "bad%C3%28utf8", "%25zz");
    static final List<String> WRONG_TYPES = List.of("null", "5", "-1", "9e18", "1e30", "123456789012345678901234567890", "true",
            "\"a string\"", "[]", "[null]", "[1, 2]", "{}", "{\"a\": null}", "[[\"nested\"]]");
    static final List<String> MALFORMED = List.of("{", "{\"a\":}", "{'single': 'quotes'}", "[1,", "nul", "{\"a\": NaN}",
            "{\"a\": 01}", "\"unterminated", "{\"a\": 1,}", "[".repeat(5_000), "{\"a\" 1}", "\u0000");
    static final byte[] INVALID_UTF8 = {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28, '"', '}'};

    /** A 2 MiB JSON object with one string field, which is wrong for that field whole or cut at any length. */
    static byte[] twoMiBString(String field) {
        return ("{\"" + field + "\": \"" + "x".repeat(2 * MIB) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** A 2 MiB JSON array that never closes: malformed however much of it is read. */
    static byte[] twoMiBUnterminated() {
        return ("[" + "1,".repeat(MIB)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Each field with each of {@link #WRONG_TYPES} but the values that are right for it, a 2 MiB
     * string in each, and the malformed bodies.
     *
     * @param fields each field and the values of {@link #WRONG_TYPES} it accepts
     */
    private void bodies(String what, String method, String path, Map<String, Set<String>> fields) {
        for (var f : fields.entrySet()) {
            for (String v : WRONG_TYPES) {
                if (!f.getValue().contains(v)) {
                    cases.add(new Case(what + " " + f.getKey() + "=" + v, method, path, "{\"" + f.getKey() + "\": " + v + "}"));
                }
            }
            cases.add(new Case(what + " " + f.getKey() + " 2 MiB", method, path, twoMiBString(f.getKey())));
        }
        for (String m : MALFORMED) {
            cases.add(new Case(what + " malformed " + m.substring(0, Math.min(m.length(), 20)), method, path, m));
        }
        cases.add(new Case(what + " invalid UTF-8", method, path, INVALID_UTF8));
        cases.add(new Case(what + " a list, not an object", method, path, "[{\"a\": 1}]"));
        cases.add(new Case(what + " 2 MiB unterminated", method, path, twoMiBUnterminated()));
    }

    private void badPathNames(String what, String method, String pathPattern, String body) {
        for (String n : BAD_NAMES_PATH) {
            cases.add(new Case(what + " name " + n.substring(0, Math.min(n.length(), 20)), method, pathPattern.replace("{}", n), body));
        }
    }

    // ------------------------------------------------------------------ the store, before and after

    /** Users (without activity timestamps), their tokens, and the groups. */
    private Map<String, Object> store() throws Exception {
        Map<String, Object> all = new TreeMap<>();
        HttpResponse<String> users = hub.admin("GET", "/users?limit=200&include_stopped_servers=1", null);
        assertThat(users.statusCode()).isEqualTo(200);
        for (Object o : jsonList(users)) {
            Map<String, Object> u = new TreeMap<>(map(o));
            u.remove("last_activity");
            Map<String, Object> servers = new TreeMap<>();
            map(u.remove("servers")).forEach((k, v) -> servers.put(k, map(v).get("name")));
            u.put("servers", servers);
            String name = (String) u.get("name");
            List<Object> tokens = new ArrayList<>();
            for (Object t : TestHub.list(json(hub.admin("GET", "/users/" + TestHub.enc(name) + "/tokens", null)).get("api_tokens"))) {
                Map<String, Object> token = new TreeMap<>(map(t));
                token.remove("last_activity");
                tokens.add(token);
            }
            u.put("tokens", tokens);
            all.put(name, u);
        }
        all.put("(groups)", jsonList(hub.admin("GET", "/groups", null)));
        return all;
    }

    // ------------------------------------------------------------------ the endpoints

    private void buildCases() {
        String u = "/users/" + TARGET;
        // GET /users: bad query parameters.
        for (String q : List.of("offset=abc", "offset=1e30", "limit=abc", "limit=9e18", "state=bogus", "state=%00",
                "state=" + LONG, "include_stopped_servers=1&offset=x")) {
            cases.add(new Case("list users " + q.substring(0, Math.min(q.length(), 30)), "GET", "/users?" + q, (String) null));
        }
        // JupyterHub reads these as pages (abs(), a limit of at least 1): 200, never a 5xx.
        for (String q : List.of("offset=-1", "offset=99999999999", "limit=0", "limit=-5")) {
            cases.add(new Case("list users " + q, "GET", "/users?" + q, null, "application/json", Set.of(200)));
        }
        // POST /users: bulk create.
        bodies("bulk create", "POST", "/users", Map.of("usernames", Set.of(), "admin", Set.of("true")));
        for (String n : BAD_NAMES_JSON) {
            cases.add(new Case("bulk create name " + n.substring(0, Math.min(n.length(), 20)), "POST", "/users",
                    "{\"usernames\": [\"" + n + "\"]}"));
            cases.add(new Case("bulk create good and bad " + n.substring(0, Math.min(n.length(), 20)), "POST", "/users",
                    "{\"usernames\": [\"goodname\", \"" + n + "\"]}"));
        }
        for (String v : List.of("null", "5", "9e18", "1e30", "-1", "true", "{}", "[\"x\"]")) {
            cases.add(new Case("bulk create usernames [" + v + "]", "POST", "/users", "{\"usernames\": [" + v + "]}"));
        }
        for (String v : List.of("null", "5", "9e18", "1e30", "-1", "\"true\"", "{}", "[\"x\"]")) {
            cases.add(new Case("bulk create admin " + v, "POST", "/users", "{\"usernames\": [\"fresh\"], \"admin\": " + v + "}"));
        }
        cases.add(new Case("bulk create nothing", "POST", "/users", "null"));
        // POST /users/{name}: create one.
        badPathNames("create user", "POST", "/users/{}", null);
        bodies("create user", "POST", "/users/fresh", Map.of("admin", Set.of("true")));
        // GET /users/{name}.
        badPathNames("get user", "GET", "/users/{}", null);
        // PATCH /users/{name}.
        bodies("patch user", "PATCH", u, Map.of("name", Set.of("\"a string\""), "admin", Set.of("true"), "groups", Set.of("[]"),
                "roles", Set.of("[]")));
        for (String n : BAD_NAMES_JSON) {
            cases.add(new Case("rename to " + n.substring(0, Math.min(n.length(), 20)), "PATCH", u, "{\"name\": \"" + n + "\"}"));
        }
        cases.add(new Case("rename to an existing name", "PATCH", u, "{\"name\": \"" + OTHER + "\"}"));
        cases.add(new Case("patch an unknown field", "PATCH", u, "{\"shoe_size\": 44}"));
        cases.add(new Case("patch admin then a bad field", "PATCH", u, "{\"admin\": true, \"groups\": \"physics\"}"));
        for (String g : List.of("\"" + "g".repeat(256) + "\"", "\"\"", "\"tab\\there\"", "\"nul\\u0000\"", "null", "1")) {
            cases.add(new Case("patch group " + g.substring(0, Math.min(g.length(), 20)), "PATCH", u, "{\"groups\": [" + g + "]}"));
        }
        badPathNames("patch user", "PATCH", "/users/{}", "{\"admin\": true}");
        // DELETE /users/{name}: only names that are no user's (a hostile body does not matter to a delete).
        badPathNames("delete user", "DELETE", "/users/{}", "{\"a\": null}");
        cases.add(new Case("delete nobody", "DELETE", "/users/nobody-at-all", "{\"a\": null}"));
        // Tokens.
        // null is "not given" for these fields, as in JupyterHub (InputValidationTest checks that it makes a token).
        bodies("create token", "POST", u + "/tokens", Map.of("scopes", Set.of("null", "[]"), "roles", Set.of("null", "[]"),
                "expires_in", Set.of("null", "5"), "note", Set.of("null", "\"a string\"")));
        for (String s : List.of("[\"bogus\"]", "[\"read:users!bogus=1\"]", "[\"admin:users\"]", "[\"read:users!user=" + LONG + "\", 1]",
                "[\"" + "x".repeat(200_000) + "\"]")) {
            cases.add(new Case("create token scopes " + s.substring(0, Math.min(s.length(), 30)), "POST", u + "/tokens",
                    "{\"scopes\": " + s + "}"));
        }
        cases.add(new Case("create token roles nope", "POST", u + "/tokens", "{\"roles\": [\"nope\"]}"));
        cases.add(new Case("create token note 1024", "POST", u + "/tokens", "{\"note\": \"" + "n".repeat(1024) + "\"}"));
        cases.add(new Case("create token note NUL", "POST", u + "/tokens", "{\"note\": \"a\\u0000b\"}"));
        cases.add(new Case("create token good scopes, bad expiry", "POST", u + "/tokens",
                "{\"scopes\": [\"read:users:name!user=target\"], \"expires_in\": 1e30}"));
        badPathNames("create token", "POST", "/users/{}/tokens", "{}");
        badPathNames("list tokens", "GET", "/users/{}/tokens", null);
        for (String id : List.of("a", "a-1", "a99999999999999999999", "zz", "a1e30", "a%00", "a" + "9".repeat(5_000), "%FF",
                targetTokenId + "%0D%0A")) {
            cases.add(new Case("get token " + id.substring(0, Math.min(id.length(), 20)), "GET", u + "/tokens/" + id, (String) null));
            cases.add(new Case("delete token " + id.substring(0, Math.min(id.length(), 20)), "DELETE", u + "/tokens/" + id,
                    "{\"a\": null}"));
        }
        cases.add(new Case("delete another user's token", "DELETE", "/users/" + OTHER + "/tokens/" + targetTokenId, (String) null));
        // Activity.
        bodies("activity", "POST", u + "/activity", Map.of("last_activity", Set.of(), "servers", Set.of()));
        for (String body : List.of("{\"last_activity\": \"not a date\"}", "{\"last_activity\": \"9999-12-31T23:59:59Z\"}",
                "{\"last_activity\": \"+1000000000-12-31T23:59:59Z\"}", "{\"last_activity\": \"2020-13-45T99:99:99Z\"}",
                "{\"servers\": {\"\": null}}", "{\"servers\": {\"\": {\"last_activity\": null}}}",
                "{\"servers\": {\"nope\": {\"last_activity\": \"2020-01-01T00:00:00Z\"}}}",
                "{\"last_activity\": \"2020-01-01T00:00:00Z\", \"servers\": {\"nope\": {\"last_activity\": \"2020-01-01T00:00:00Z\"}}}",
                "{\"servers\": {\"" + LONG + "\": {\"last_activity\": \"2020-01-01T00:00:00Z\"}}}")) {
            cases.add(new Case("activity " + body.substring(0, Math.min(body.length(), 40)), "POST", u + "/activity", body));
        }
        badPathNames("activity", "POST", "/users/{}/activity", "{\"last_activity\": \"2020-01-01T00:00:00Z\"}");
        // Groups, services, proxy: read-only here; other methods with hostile bodies.
        for (String path : List.of("/groups", "/groups/physics", "/services", "/services/x", "/proxy", "/info", "/user", "/")) {
            for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
                cases.add(new Case(method + " " + path, method, path, "{\"a\": null, \"routespec\": \"/" + LONG + "\"}"));
            }
        }
        badPathNames("get service", "GET", "/services/{}", null);
        // Shutdown: bad bodies only, never one it would act on.
        bodies("shutdown", "POST", "/shutdown", Map.of("servers", Set.of("true"), "proxy", Set.of("true")));
        cases.add(new Case("shutdown servers true, proxy bad", "POST", "/shutdown", "{\"servers\": true, \"proxy\": \"no\"}"));
        // Servers: start and stop, default and named.
        for (String body : MALFORMED) {
            cases.add(new Case("start server malformed " + body.substring(0, Math.min(body.length(), 20)), "POST", u + "/server", body));
        }
        cases.add(new Case("start server invalid UTF-8", "POST", u + "/server", INVALID_UTF8));
        cases.add(new Case("start server a list", "POST", u + "/server", "[{\"a\": 1}]"));
        cases.add(new Case("start server a number", "POST", u + "/server", "9e18"));
        cases.add(new Case("start server 2 MiB unterminated", "POST", u + "/server", twoMiBUnterminated()));
        badPathNames("start named server", "POST", u + "/servers/{}", "{}");
        badPathNames("start server of", "POST", "/users/{}/server", "{}");
        cases.add(new Case("start named server without a name", "POST", u + "/servers/", "{}"));
        cases.add(new Case("start server of nobody", "POST", "/users/nobody-at-all/server", "{}"));
        for (String body : MALFORMED) {
            cases.add(new Case("stop named server malformed " + body.substring(0, Math.min(body.length(), 20)), "DELETE",
                    u + "/servers/nope", body));
        }
        for (String v : WRONG_TYPES) {
            cases.add(new Case("stop named server remove=" + v, "DELETE", u + "/servers/nope", "{\"remove\": " + v + "}"));
        }
        badPathNames("stop named server", "DELETE", u + "/servers/{}", "{\"remove\": true}");
        badPathNames("progress", "GET", u + "/servers/{}/progress", null);
        // Stopping a default server that is not running is nothing to do, whatever the body (as in JupyterHub).
        for (String body : List.of("{\"remove\": null}", "{\"remove\": 9e18}", "[1, 2]", "{")) {
            cases.add(new Case("stop the stopped default server " + body, "DELETE", u + "/server",
                    body.getBytes(StandardCharsets.UTF_8), "application/json", Set.of(204)));
        }
        // OAuth2 token endpoint: OAuth's error shape.
        String form = "application/x-www-form-urlencoded";
        for (String f : List.of("", "grant_type=password&username=a&password=b", "grant_type=authorization_code",
                "grant_type=authorization_code&client_id=" + LONG + "&client_secret=x&code=y",
                "grant_type=authorization_code&client_id=jupyterhub-user-target&client_secret=%00&code=%0D%0A&redirect_uri=%FF",
                "grant_type=authorization_code&client_id=%zz", "grant_type=" + "x".repeat(300_000), "\u0000\u0001=\u0002")) {
            cases.add(new Case("oauth token " + f.substring(0, Math.min(f.length(), 40)), "POST", "/oauth2/token",
                    f.getBytes(StandardCharsets.UTF_8), form, Set.of()));
        }
        cases.add(new Case("oauth token invalid UTF-8 form", "POST", "/oauth2/token",
                new byte[] {'c', 'o', 'd', 'e', '=', (byte) 0xff, (byte) 0xfe}, form, Set.of()));
        cases.add(new Case("oauth token JSON body", "POST", "/oauth2/token", "{\"grant_type\": null}"));
        cases.add(new Case("oauth authorize by POST without a session, unknown path", "POST", "/oauth2/nope", "{}"));
    }

    private HttpResponse<String> send(URI base, Case c, Map<String, String> extraHeaders) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/hub/api" + c.path()))
                .header("Authorization", "token " + hub.adminToken);
        extraHeaders.forEach(b::header);
        if (c.body() != null) {
            b.header("Content-Type", c.contentType());
        }
        b.method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        return hub.send(b);
    }

    @Test
    void everyEndpointAnswersHostileInputWithA4xxInTheErrorShapeAndLeavesTheStoreAsItWas() throws Exception {
        buildCases();
        Map<String, Object> before = store();
        SoftAssertions soft = new SoftAssertions();
        Map<Integer, Integer> statuses = new TreeMap<>();
        URI direct = URI.create("http://127.0.0.1:" + hub.hub.port());
        int refusedByTheProxy = 0;
        for (Case c : cases) {
            HttpResponse<String> r = send(hub.base, c, Map.of());
            if (r.statusCode() == 400 && r.body().contains("hubkit-proxy")) {
                // The proxy refused it itself (invalid UTF-8 in the path, a request line too long), with its
                // own page: it never reached the hub. Another proxy might forward it, so the hub's answer
                // is checked too, straight from its port, as a proxy would send it.
                refusedByTheProxy++;
                r = send(direct, c, Map.of("X-Forwarded-For", "192.0.2.1"));
            }
            statuses.merge(r.statusCode(), 1, Integer::sum);
            String what = c.what() + " (" + c.method() + " " + c.path().substring(0, Math.min(c.path().length(), 60)) + ") -> "
                    + r.statusCode() + " " + r.body().substring(0, Math.min(r.body().length(), 300));
            if (c.allowed().contains(r.statusCode())) {
                continue;
            }
            soft.assertThat(r.statusCode()).as(what).isBetween(400, 499);
            soft.assertThat(r.body()).as(what).doesNotContainIgnoringCase("jetty").doesNotContain("Exception")
                    .doesNotContain("\tat ").doesNotContain("at org.").doesNotContain("at java.");
            soft.assertThat(r.headers().firstValue("Server")).as(what).isEmpty();
            Map<String, Object> error;
            try {
                error = json(r);
            } catch (Exception notJson) {
                soft.fail("not JSON: " + what);
                continue;
            }
            if (c.path().startsWith("/oauth2/token") && error.containsKey("error")) {
                soft.assertThat(error.get("error")).as(what).isInstanceOf(String.class);
            } else {
                soft.assertThat(error).as(what).containsOnlyKeys("status", "message").containsEntry("status", r.statusCode());
                soft.assertThat(error.get("message")).as(what).isInstanceOf(String.class);
            }
        }
        soft.assertThat(store()).as("the store after %d hostile requests", cases.size()).isEqualTo(before);
        soft.assertThat(cases.size()).isGreaterThan(300);
        soft.assertAll();
        System.out.println("BadInputTest: " + cases.size() + " requests (" + refusedByTheProxy + " refused by the proxy, sent"
                + " again straight to the hub), statuses " + statuses);
    }

    @Test
    void aCookieAuthenticatedCallerGetsTheSameAnswers() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs(TARGET);
        String xsrf = b.cookie("_xsrf").orElseThrow();
        Map<String, Object> before = store();
        List<String> bodies = new ArrayList<>(MALFORMED);
        bodies.addAll(Arrays.asList("{\"scopes\": \"inherit\"}", "{\"expires_in\": 1e30}", "{\"note\": 5}", "[null]"));
        for (String body : bodies) {
            HttpResponse<String> r = b.api("POST", "/users/" + TARGET + "/tokens", body, "X-XSRFToken", xsrf,
                    "Content-Type", "application/json");
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isBetween(400, 499);
            assertThat(json(r)).containsKeys("status", "message");
        }
        assertThat(store()).isEqualTo(before);
    }

    @Test
    void theOAuthTokenEndpointRefusesUnreadableClientCredentialsInOAuthsShape() throws Exception {
        String form = "grant_type=authorization_code&code=x&redirect_uri=%2Fuser%2Ftarget%2Foauth_callback";
        List<String> unreadable = List.of("!!!not base64!!!", java.util.Base64.getEncoder().encodeToString(
                "jupyterhub-user-target:%zz".getBytes(StandardCharsets.UTF_8)), "=");
        for (String basic : unreadable) {
            HttpResponse<String> r = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                    .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)));
            assertThat(r.statusCode()).as(basic + " -> " + r.body()).isEqualTo(401);
            assertThat(json(r)).containsOnly(Map.entry("error", "invalid_client"));
        }
    }

    @Test
    /**
     * A JSON null in user options is a value, as in JupyterHub: the server starts and keeps it.
     * (It used to answer 500 and leave the server pending with its spawn slot taken, so that 100
     * such requests on named servers made every later spawn hub-wide answer 429.)
     */
    void aNullInUserOptionsIsAcceptedKeptAndLeaksNoSpawnSlot() throws Exception {
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = hub.admin("POST", "/users/" + TARGET + "/servers/n" + i, "{\"x\": null}");
            assertThat(r.statusCode()).as(r.body()).isIn(201, 202);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> servers = (Map<String, Object>) hub.user(TARGET).get("servers");
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) servers.get("n0");
        assertThat(first).isNotNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> options = (Map<String, Object>) first.get("user_options");
        assertThat(options).containsEntry("x", null);
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = hub.admin("DELETE", "/users/" + TARGET + "/servers/n" + i, "{\"remove\": true}");
            assertThat(r.statusCode()).as(r.body()).isIn(202, 204);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (hub.user(TARGET).get("servers") instanceof Map<?, ?> m && !m.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        // Every slot is back: a new spawn is not refused with 429.
        HttpResponse<String> again = hub.admin("POST", "/users/" + OTHER + "/server", "{\"x\": null}");
        assertThat(again.statusCode()).as(again.body()).isIn(201, 202);
        assertThat(hub.admin("DELETE", "/users/" + OTHER + "/server", null).statusCode()).isIn(202, 204);
        hub.awaitNoServer(OTHER);
    }
}
