package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Role-based access with user, admin-user and scoped tokens; token management. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RbacTest {
    TestHub hub;
    String alice;
    String bob;
    String root;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        hub = TestHub.start(dir);
        alice = hub.userToken("alice");
        bob = hub.userToken("bob");
        root = hub.hub.createToken("root", true, "admin user token");
    }

    @AfterAll
    void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void userTokenCanReadItsOwnUser() throws Exception {
        HttpResponse<String> r = hub.api("GET", "/users/alice", alice, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r)).containsEntry("name", "alice").containsKeys("created", "last_activity", "servers", "groups");
    }

    @Test
    void userTokenCannotReadOtherUsers() throws Exception {
        HttpResponse<String> r = hub.api("GET", "/users/bob", alice, null);
        assertThat(r.statusCode()).as("scope held only for herself: 404, as JupyterHub").isEqualTo(404);
        assertThat(r.body()).doesNotContain("created").doesNotContain("\"name\":\"bob\"");
        assertThat(hub.api("GET", "/users/bob/tokens", alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("GET", "/users/bob/server/progress", alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("POST", "/users/bob/server", alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("DELETE", "/users/bob/server", alice, null).statusCode()).isEqualTo(404);
    }

    @Test
    void userTokenCannotListUsers() throws Exception {
        // JupyterHub 3.0: GET /users needs list:users, which the default user role does not hold.
        HttpResponse<String> r = hub.api("GET", "/users", alice, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).doesNotContain("\"bob\"");
    }

    @Test
    void userTokenCannotCreateChangeOrDeleteUsers() throws Exception {
        assertThat(hub.api("POST", "/users/mallory", alice, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("POST", "/users", alice, body("usernames", List.of("mallory2"))).statusCode()).isEqualTo(403);
        assertThat(hub.api("PATCH", "/users/alice", alice, body("admin", true)).statusCode()).as("make herself admin")
                .isEqualTo(403);
        assertThat(hub.api("DELETE", "/users/bob", alice, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("POST", "/shutdown", alice, null).statusCode()).isEqualTo(403);

        assertThat(hub.admin("GET", "/users/mallory", null).statusCode()).isEqualTo(404);
        assertThat(hub.admin("GET", "/users/mallory2", null).statusCode()).isEqualTo(404);
        assertThat(hub.user("alice")).containsEntry("admin", false);
        assertThat(hub.admin("GET", "/users/bob", null).statusCode()).isEqualTo(200);
    }

    @Test
    void adminUsersTokenCanListCreateReadAndDeleteUsers() throws Exception {
        HttpResponse<String> list = hub.api("GET", "/users", root, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(jsonList(list)).extracting(u -> map(u).get("name")).contains("alice", "bob", "root");

        assertThat(hub.api("POST", "/users/carol", root, null).statusCode()).isEqualTo(201);
        HttpResponse<String> bobModel = hub.api("GET", "/users/bob", root, null);
        assertThat(bobModel.statusCode()).isEqualTo(200);
        assertThat(json(bobModel)).containsKeys("created", "servers", "roles");
        assertThat(hub.api("DELETE", "/users/carol", root, null).statusCode()).isEqualTo(204);
        HttpResponse<String> forCarol = hub.api("POST", "/users/carol/tokens", root, body());
        assertThat(forCarol.statusCode()).as("JupyterHub: 403 'not found or no permissions'").isEqualTo(403);
        assertThat(hub.api("GET", "/users/bob/tokens", root, null).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenScopedToReadUsersNameSeesOnlyKindNameAndAdmin() throws Exception {
        HttpResponse<String> made = hub.api("POST", "/users/root/tokens", root,
                body("scopes", List.of("read:users:name!user=alice"), "note", "names only"));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String limited = (String) json(made).get("token");

        HttpResponse<String> r = hub.api("GET", "/users/alice", limited, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r)).containsOnlyKeys("kind", "name", "admin").containsEntry("name", "alice");

        assertThat(hub.api("GET", "/users/bob", limited, null).statusCode()).as("another user").isIn(403, 404);
        assertThat(hub.api("GET", "/users", limited, null).statusCode()).as("list needs list:users").isEqualTo(403);
        assertThat(hub.api("POST", "/users/dave", limited, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("DELETE", "/users/alice", limited, null).statusCode()).isEqualTo(403);

        // The token still identifies its owner, as JupyterHub's identify scopes allow.
        Map<String, Object> me = json(hub.api("GET", "/user", limited, null));
        assertThat(me).containsEntry("name", "root").containsEntry("kind", "user").containsKeys("admin", "groups");
        assertThat(me).doesNotContainKeys("created", "servers");
        @SuppressWarnings("unchecked")
        List<String> scopes = (List<String>) me.get("scopes");
        assertThat(scopes).contains("read:users:name!user=alice").doesNotContain("admin:users", "read:users", "list:users");
    }

    @Test
    void userCannotCreateATokenWithScopesTheyDoNotHold() throws Exception {
        int before = ((List<?>) json(hub.api("GET", "/users/alice/tokens", alice, null)).get("api_tokens")).size();
        // JupyterHub 3.0 answers 400 ("Not assigning requested scopes ... not held by User alice").
        for (List<String> scopes : List.of(List.of("admin:users"), List.of("read:users!user=bob"), List.of("list:users"),
                List.of("read:users!user=alice", "servers!user=bob"))) {
            HttpResponse<String> r = hub.api("POST", "/users/alice/tokens", alice, body("scopes", scopes));
            assertThat(r.statusCode()).as("%s: %s", scopes, r.body()).isEqualTo(400);
            assertThat(r.body()).doesNotContain("\"token\"");
        }
        assertThat(hub.api("POST", "/users/alice/tokens", alice, body("scopes", List.of("no-such:scope"))).statusCode())
                .isEqualTo(400);
        assertThat(hub.api("POST", "/users/bob/tokens", alice, body()).statusCode()).as("a token for someone else")
                .isEqualTo(403);
        int after = ((List<?>) json(hub.api("GET", "/users/alice/tokens", alice, null)).get("api_tokens")).size();
        assertThat(after).isEqualTo(before);

        HttpResponse<String> ok = hub.api("POST", "/users/alice/tokens", alice, body("scopes", List.of("read:users!user=alice")));
        assertThat(ok.statusCode()).as("a subset of her own scopes").isEqualTo(201);
    }

    @Test
    void tokensCanBeListedReadAndDeletedAndADeletedTokenStopsWorking() throws Exception {
        HttpResponse<String> made = hub.api("POST", "/users/alice/tokens", alice, body("note", "for my script"));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        Map<String, Object> model = json(made);
        String id = (String) model.get("id");
        String token = (String) model.get("token");
        assertThat(id).matches("a\\d+");
        assertThat(token).isNotBlank();
        assertThat(model).containsEntry("kind", "api_token").containsEntry("user", "alice").containsEntry("note", "for my script")
                .containsKeys("created", "expires_at", "last_activity", "scopes", "roles", "session_id", "oauth_client");
        // JupyterHub shows a token's effective (expanded) scopes, not "inherit".
        assertThat(TestHub.list(model.get("scopes"))).contains("read:users!user=alice").doesNotContain("inherit");
        assertThat(hub.api("GET", "/user", token, null).statusCode()).isEqualTo(200);

        List<?> listed = (List<?>) json(hub.api("GET", "/users/alice/tokens", alice, null)).get("api_tokens");
        assertThat(listed).extracting(t -> map(t).get("id")).contains(id);
        assertThat(listed).allSatisfy(t -> assertThat(map(t)).doesNotContainKey("token").containsEntry("user", "alice"));

        HttpResponse<String> one = hub.api("GET", "/users/alice/tokens/" + id, alice, null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one)).containsEntry("id", id).doesNotContainKey("token");
        assertThat(hub.api("GET", "/users/bob/tokens/" + id, bob, null).statusCode()).as("not bob's token").isEqualTo(404);
        assertThat(hub.api("GET", "/users/alice/tokens/" + id.substring(1), alice, null).statusCode()).as("id without a")
                .isEqualTo(404);
        assertThat(hub.api("DELETE", "/users/alice/tokens/" + id, bob, null).statusCode()).as("bob deleting alice's token")
                .isEqualTo(404);

        assertThat(hub.api("DELETE", "/users/alice/tokens/" + id, alice, null).statusCode()).isEqualTo(204);
        assertThat(hub.api("GET", "/users/alice/tokens/" + id, alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("GET", "/user", token, null).statusCode()).as("deleted token").isEqualTo(403);
        assertThat(hub.api("GET", "/users/alice", alice, null).statusCode()).as("other tokens still work").isEqualTo(200);
    }

    @Test
    void expiredTokensStopWorking() throws Exception {
        HttpResponse<String> made = hub.api("POST", "/users/alice/tokens", alice, body("expires_in", 1, "note", "short"));
        assertThat(made.statusCode()).isEqualTo(201);
        Map<String, Object> model = json(made);
        String token = (String) model.get("token");
        Instant created = Instant.parse((String) model.get("created"));
        Instant expires = Instant.parse((String) model.get("expires_at"));
        assertThat(Duration.between(created, expires)).isEqualTo(Duration.ofSeconds(1));

        String longer = hub.userToken("alice", body("expires_in", 3600));
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expires).toMillis()) + 300);

        assertThat(hub.api("GET", "/user", token, null).statusCode()).as("expired").isEqualTo(403);
        assertThat(hub.api("GET", "/users/alice", token, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("GET", "/user", longer, null).statusCode()).as("not yet expired").isEqualTo(200);
        List<?> listed = (List<?>) json(hub.api("GET", "/users/alice/tokens", alice, null)).get("api_tokens");
        assertThat(listed).extracting(t -> map(t).get("id")).doesNotContain(model.get("id"));
    }

    @Test
    void filteredScopeForAnotherUserAnswers404AsInJupyterHub() throws Exception {
        assertThat(hub.api("GET", "/users/bob", alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("DELETE", "/users/bob/server", alice, null).statusCode()).isEqualTo(404);
        assertThat(hub.api("POST", "/users/bob/activity", alice,
                body("last_activity", Instant.now().toString())).statusCode()).isEqualTo(404);
        assertThat(hub.api("GET", "/users/bob/tokens", alice, null).statusCode()).isEqualTo(404);
    }
}
