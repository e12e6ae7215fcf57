package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.json;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** {@code GET /hub/api/}, the version header, and who a token is ({@code GET /hub/api/user}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ApiBasicsTest extends HubApiTestBase {

    @Test
    void versionEndpointAnswersWithoutCredentialsAndMatchesTheHeader() throws Exception {
        for (String path : List.of("/", "")) {
            HttpResponse<String> r = hub.api("GET", path, (String) null, null);
            assertThat(r.statusCode()).as("GET /hub/api%s", path).isEqualTo(200);
            Object version = json(r).get("version");
            assertThat(version).isInstanceOf(String.class);
            assertThat((String) version).matches("\\d+\\.\\d+\\.\\d+");
            // The single-user server compares major versions: we speak JupyterHub 3.x.
            assertThat((String) version).startsWith("3.");
            assertThat(r.headers().firstValue("X-JupyterHub-Version")).contains((String) version);
        }
    }

    @Test
    void everyResponseCarriesTheVersionHeaderErrorsIncluded() throws Exception {
        String version = (String) json(hub.api("GET", "/", (String) null, null)).get("version");
        Map<String, HttpResponse<String>> answers = Map.of(
                "403 no token", hub.api("GET", "/users", (String) null, null),
                "404 unknown path", hub.admin("GET", "/no-such-endpoint", null),
                "405 wrong method", hub.api("DELETE", "/", (String) null, null),
                "400 bad filter", hub.admin("GET", "/users?state=bogus", null),
                "404 no such user", hub.admin("GET", "/users/nobody-here", null),
                "200 user", hub.admin("GET", "/user", null));
        answers.forEach((what, r) -> {
            int expected = Integer.parseInt(what.substring(0, 3));
            assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(expected);
            assertThat(r.headers().firstValue("X-JupyterHub-Version")).as(what).contains(version);
            if (expected >= 400) {
                // JupyterHub's error shape: {"status": code, "message": "..."}
                Map<String, Object> error = parse(r);
                assertThat(error.get("status")).as(what).isEqualTo(expected);
                assertThat(error.get("message")).as(what).isInstanceOf(String.class);
            }
        });
        HttpResponse<String> page = new Browser(hub.base).get("/hub/login");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("X-JupyterHub-Version")).contains(version);
    }

    private static Map<String, Object> parse(HttpResponse<String> r) {
        try {
            return json(r);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    @Test
    void userEndpointDescribesAUsersTokenWithItsScopes() throws Exception {
        String token = hub.userToken("whoami");
        HttpResponse<String> r = hub.api("GET", "/user", token, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> me = json(r);
        assertThat(me).containsEntry("kind", "user").containsEntry("name", "whoami").containsEntry("admin", false);
        assertThat(me).containsKeys("groups", "servers", "session_id");
        @SuppressWarnings("unchecked")
        List<String> scopes = (List<String>) me.get("scopes");
        assertThat(scopes).contains("read:users!user=whoami", "access:servers!user=whoami", "tokens!user=whoami",
                "read:users:name!user=whoami", "read:users:groups!user=whoami");
        assertThat(scopes).as("sorted, as JupyterHub").isSorted();
        assertThat(scopes).noneMatch(s -> s.startsWith("admin:") || s.equals("list:users") || s.contains("user=someone"));
    }

    @Test
    void userEndpointDescribesAServiceToken() throws Exception {
        HttpResponse<String> r = hub.admin("GET", "/user", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> me = json(r);
        assertThat(me).containsEntry("kind", "service").containsEntry("name", TestHub.SERVICE).containsEntry("admin", true);
        @SuppressWarnings("unchecked")
        List<String> scopes = (List<String>) me.get("scopes");
        assertThat(scopes).contains("admin:users", "admin:servers", "list:users", "read:users");
    }

    @Test
    void userEndpointRefusesMissingMalformedAndUnknownTokens() throws Exception {
        String token = hub.userToken("refused");
        Map<String, Map<String, String>> attempts = Map.of(
                "no header", Map.of(),
                "unknown token", Map.of("Authorization", "token 0123456789abcdef0123456789abcdef"),
                "token with a character more", Map.of("Authorization", "token " + token + "0"),
                "empty token", Map.of("Authorization", "token "),
                "basic scheme", Map.of("Authorization", "Basic " + token),
                "no scheme", Map.of("Authorization", token));
        for (var a : attempts.entrySet()) {
            HttpResponse<String> r = hub.api("GET", "/user", a.getValue(), null);
            assertThat(r.statusCode()).as(a.getKey()).isEqualTo(403);
            assertThat(r.body()).as(a.getKey()).doesNotContain("\"name\":\"refused\"");
        }
        assertThat(hub.api("GET", "/user", token, null).statusCode()).as("the real token works").isEqualTo(200);
    }

    @Test
    void refusedRequestsWithABodyLeaveTheKeptAliveConnectionUsable() throws Exception {
        // A request refused before its body is read must not poison the connection the proxy keeps open.
        String token = hub.userToken("keepalive");
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 150; i++) {
            HttpResponse<String> refused = hub.api("PATCH", "/users/keepalive", token, Map.of("admin", true));
            statuses.merge(refused.statusCode(), 1, Integer::sum);
            HttpResponse<String> next = hub.api("POST", "/users", token, Map.of("usernames", List.of("x" + i)));
            statuses.merge(next.statusCode(), 1, Integer::sum);
        }
        assertThat(statuses).isEqualTo(Map.of(403, 300));
    }

    @Test
    void bearerSchemeIsAcceptedInAnyCase() throws Exception {
        String token = hub.userToken("bearer");
        for (String scheme : List.of("bearer", "Bearer", "BEARER", "Token", "token")) {
            HttpResponse<String> r = hub.api("GET", "/user", Map.of("Authorization", scheme + " " + token), null);
            assertThat(r.statusCode()).as(scheme).isEqualTo(200);
            assertThat(json(r)).containsEntry("name", "bearer");
        }
    }
}
