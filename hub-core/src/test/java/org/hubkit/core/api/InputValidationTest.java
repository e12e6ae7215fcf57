package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Fields of the wrong type are refused with 400 instead of being turned into strings, and numbers do not overflow. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class InputValidationTest extends HubApiTestBase {

    private List<String> userNames() throws Exception {
        return jsonList(hub.admin("GET", "/users?limit=200", null)).stream().map(u -> (String) map(u).get("name")).toList();
    }

    private static String message(HttpResponse<String> r) throws Exception {
        return String.valueOf(json(r).get("message"));
    }

    @Test
    void bulkCreateRefusesNullAndNonStringNamesInsteadOfCreatingUserNull() throws Exception {
        for (String names : List.of("[null]", "[\"fine\", null]", "[1]", "[true]", "[[\"nested\"]]", "[{\"name\": \"x\"}]")) {
            HttpResponse<String> r = hub.admin("POST", "/users", "{\"usernames\": " + names + "}");
            assertThat(r.statusCode()).as(names + ": " + r.body()).isEqualTo(400);
            assertThat(message(r)).as(names).contains("usernames must be a list of strings");
        }
        assertThat(hub.admin("POST", "/users", "{\"usernames\": [\"fine\"], \"admin\": \"yes\"}").statusCode())
                .as("admin must be a boolean").isEqualTo(400);
        assertThat(hub.admin("POST", "/users/single", "{\"admin\": null}").statusCode()).isEqualTo(400);
        assertThat(userNames()).doesNotContain("null", "1", "true", "fine", "single");
    }

    @Test
    void tokenScopesOrRolesGivenAsAStringAre400InsteadOfAnInheritingToken() throws Exception {
        hub.ensureUser("scoped", false);
        Map<String, Object> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"scopes\": \"read:users:name!user=scoped\"}", "scopes must be a list of strings");
        cases.put("{\"scopes\": [\"read:users!user=scoped\", 7]}", "scopes must be a list of strings");
        cases.put("{\"scopes\": {\"read:users\": true}}", "scopes must be a list of strings");
        cases.put("{\"roles\": \"user\"}", "roles must be a list of strings");
        cases.put("{\"roles\": [null]}", "roles must be a list of strings");
        for (var c : cases.entrySet()) {
            HttpResponse<String> r = hub.admin("POST", "/users/scoped/tokens", c.getKey());
            assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(message(r)).as(c.getKey()).contains((String) c.getValue());
        }
        assertThat(TestHub.list(json(hub.admin("GET", "/users/scoped/tokens", null)).get("api_tokens"))).isEmpty();

        // null means "not given", as in JupyterHub: the token inherits its owner's scopes.
        HttpResponse<String> nulls = hub.admin("POST", "/users/scoped/tokens", "{\"scopes\": null, \"roles\": null}");
        assertThat(nulls.statusCode()).as(nulls.body()).isEqualTo(201);
    }

    @Test
    void anOffsetNearIntMaxDoesNotOverflowTheNextOffset() throws Exception {
        assertThat(hub.admin("POST", "/users", body("usernames", List.of("page1", "page2", "page3"))).statusCode()).isEqualTo(201);
        Map<String, String> paginated = Map.of("Authorization", "token " + hub.adminToken, "Accept", TestHub.PAGINATION);
        for (String query : List.of("offset=2147483647", "offset=2147483647&limit=200", "offset=2147483600&limit=100")) {
            HttpResponse<String> r = hub.api("GET", "/users?" + query, paginated, null);
            assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(200);
            Map<String, Object> page = json(r);
            assertThat((List<?>) page.get("items")).as(query).isEmpty();
            Map<String, Object> p = map(page.get("_pagination"));
            assertThat(((Number) p.get("offset")).longValue()).isGreaterThanOrEqualTo(2147483600L);
            assertThat(p.get("next")).as(query + ": there is nothing after the end").isNull();
        }
        HttpResponse<String> bare = hub.admin("GET", "/users?offset=2147483647", null);
        assertThat(bare.statusCode()).isEqualTo(200);
        assertThat(jsonList(bare)).isEmpty();
        // As JupyterHub (Python ints, abs()): beyond an int is an empty page, a negative offset counts from the start.
        assertThat(jsonList(hub.admin("GET", "/users?offset=2147483648", null))).as("beyond an int").isEmpty();
        assertThat(hub.admin("GET", "/users?offset=-1", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBadServerNameIsAnInvalidServerNameNotAnInvalidUsername() throws Exception {
        hub.ensureUser("named", false);
        for (String name : List.of("%20leading", "trailing%20", "x".repeat(300))) {
            HttpResponse<String> r = hub.admin("POST", "/users/named/servers/" + name, null);
            assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(400);
            assertThat(message(r)).as(name).startsWith("Invalid server name").doesNotContain("Invalid username");
        }
        // Jetty refuses control characters, a backslash and dot segments in a path before the hub sees them; still a JSON 400.
        for (String name : List.of("line%0Abreak", "nul%00", "back%5Cslash", "%2E", "%2E%2E", "tab%09")) {
            HttpResponse<String> r = hub.admin("POST", "/users/named/servers/" + name, null);
            assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(400);
            assertThat(json(r)).containsEntry("status", 400);
        }
        assertThat(map(hub.user("named").get("servers"))).isEmpty();

        Browser b = new Browser(hub.base).loggedInAs("named");
        HttpResponse<String> page = b.get("/hub/spawn/named/%20leading");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(400);
        assertThat(page.body()).contains("Invalid server name");
    }

    @Test
    void groupNamesMustFitTheStore() throws Exception {
        hub.ensureUser("grouped", false);
        for (Object groups : List.of(List.of("g".repeat(256)), List.of(""), List.of("tab\there"), Arrays.asList("ok", null))) {
            HttpResponse<String> r = hub.admin("PATCH", "/users/grouped", body("groups", groups));
            assertThat(r.statusCode()).as(groups + ": " + r.body()).isEqualTo(400);
        }
        assertThat(hub.user("grouped").get("groups")).isEqualTo(List.of());
    }
}
