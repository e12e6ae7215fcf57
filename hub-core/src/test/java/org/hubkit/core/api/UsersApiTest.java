package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** {@code /hub/api/users}: create, list, filter, paginate, patch and delete, with an admin service token. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class UsersApiTest extends HubApiTestBase {

    private List<String> allUserNames() throws Exception {
        HttpResponse<String> r = hub.admin("GET", "/users?limit=200", null);
        assertThat(r.statusCode()).isEqualTo(200);
        return jsonList(r).stream().map(u -> (String) map(u).get("name")).toList();
    }

    @Test
    void creatingAUserAnswers201AndCreatingItAgainAnswers409() throws Exception {
        HttpResponse<String> created = hub.admin("POST", "/users/newcomer", null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created)).containsEntry("kind", "user").containsEntry("name", "newcomer").containsEntry("admin", false);

        HttpResponse<String> again = hub.admin("POST", "/users/newcomer", null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("status")).isEqualTo(409);

        HttpResponse<String> admin = hub.admin("POST", "/users/newadmin", body("admin", true));
        assertThat(admin.statusCode()).isEqualTo(201);
        assertThat(json(admin)).containsEntry("admin", true);
        assertThat(hub.user("newadmin")).containsEntry("admin", true);
    }

    @Test
    void bulkCreateAnswers201WithOnlyTheUsersItCreated() throws Exception {
        HttpResponse<String> first = hub.admin("POST", "/users", body("usernames", List.of("bulk1", "bulk2")));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(jsonList(first)).extracting(u -> map(u).get("name")).containsExactlyInAnyOrder("bulk1", "bulk2");

        HttpResponse<String> second = hub.admin("POST", "/users", body("usernames", List.of("bulk1", "bulk3"), "admin", true));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
        assertThat(jsonList(second)).extracting(u -> map(u).get("name")).containsExactly("bulk3");
        assertThat(hub.user("bulk3")).containsEntry("admin", true);
        assertThat(hub.user("bulk1")).as("an existing user is not changed").containsEntry("admin", false);

        HttpResponse<String> none = hub.admin("POST", "/users", body("usernames", List.of("bulk1", "bulk2")));
        assertThat(none.statusCode()).isEqualTo(409);

        HttpResponse<String> empty = hub.admin("POST", "/users", body("usernames", List.of()));
        assertThat(empty.statusCode()).isEqualTo(400);
    }

    @Test
    void namesAreNormalisedToLowercase() throws Exception {
        HttpResponse<String> bulk = hub.admin("POST", "/users", body("usernames", List.of("MixedCase", "UPPER.Dot")));
        assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(201);
        assertThat(jsonList(bulk)).extracting(u -> map(u).get("name")).containsExactlyInAnyOrder("mixedcase", "upper.dot");
        assertThat(hub.admin("GET", "/users/mixedcase", null).statusCode()).isEqualTo(200);
        assertThat(hub.admin("POST", "/users", body("usernames", List.of("MIXEDCASE"))).statusCode())
                .as("the same name in another case already exists").isEqualTo(409);

        HttpResponse<String> single = hub.admin("POST", "/users/SingleCap", null);
        assertThat(single.statusCode()).as(single.body()).isEqualTo(201);
        assertThat(json(single)).containsEntry("name", "singlecap");
        assertThat(allUserNames()).contains("mixedcase", "upper.dot", "singlecap").doesNotContain("MixedCase", "SingleCap");
    }

    @Test
    void invalidNamesAreRefusedWith400BeforeBeingStored() throws Exception {
        Map<String, HttpResponse<String>> answers = new java.util.LinkedHashMap<>();
        // Jetty itself refuses an encoded '/' in a path (ambiguous URI) with a plain 400 page.
        answers.put("single a%2Fb", hub.admin("POST", "/users/a%2Fb", null));
        answers.put("single leading space", hub.admin("POST", "/users/%20edgy", null));
        answers.put("single trailing space", hub.admin("POST", "/users/edgy%20", null));
        answers.put("bulk slash", hub.admin("POST", "/users", body("usernames", List.of("c/d"))));
        answers.put("bulk leading space", hub.admin("POST", "/users", body("usernames", List.of(" spaced"))));
        answers.put("bulk trailing space", hub.admin("POST", "/users", body("usernames", List.of("spaced "))));
        answers.put("bulk empty", hub.admin("POST", "/users", body("usernames", List.of(""))));
        answers.put("bulk with one bad name", hub.admin("POST", "/users", body("usernames", List.of("goodname", "bad/name"))));
        answers.put("single empty", hub.admin("POST", "/users/", null));
        answers.forEach((what, r) -> assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(400));

        List<String> names = allUserNames();
        assertThat(names).doesNotContain("a/b", "a", "b", "c/d", " edgy", "edgy ", "edgy", " spaced", "spaced ", "spaced", "",
                "goodname", "bad/name");
    }

    @Test
    void userModelHasJupyterHubsFields() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        hub.admin("POST", "/users/modelled", null);
        Map<String, Object> u = hub.user("modelled");
        assertThat(u).containsKeys("kind", "name", "admin", "roles", "groups", "server", "pending", "created", "last_activity",
                "servers");
        assertThat(u).containsEntry("kind", "user").containsEntry("name", "modelled").containsEntry("admin", false);
        assertThat(u.get("server")).isNull();
        assertThat(u.get("pending")).isNull();
        assertThat(u.get("servers")).isEqualTo(Map.of());
        assertThat(u.get("groups")).isEqualTo(List.of());
        assertThat(u).as("admin:auth_state shows it, null when there is none").containsEntry("auth_state", null);
        assertThat(TestHub.list(u.get("roles"))).contains("user").doesNotContain("admin");
        String created = (String) u.get("created");
        assertThat(created).as("ISO 8601 UTC with Z").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        assertThat(Instant.parse(created)).isAfter(before).isBefore(Instant.now().plusSeconds(1));
    }

    @Test
    void listWithThePaginationMediaTypeIsPaginatedWithANextUrl() throws Exception {
        List<String> names = IntStream.rangeClosed(1, 5).mapToObj(i -> "pgx" + i).toList();
        assertThat(hub.admin("POST", "/users", body("usernames", names)).statusCode()).isEqualTo(201);

        Map<String, String> headers = Map.of("Authorization", "token " + hub.adminToken, "Accept", TestHub.PAGINATION);
        // JupyterHub 3.0's name_filter is a case-insensitive substring match (name ILIKE '%filter%').
        HttpResponse<String> r = hub.api("GET", "/users?name_filter=Gx&limit=2", headers, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> seen = new ArrayList<>();
        int pages = 0;
        while (true) {
            Map<String, Object> page = json(r);
            assertThat(page).containsKeys("items", "_pagination");
            Map<String, Object> p = map(page.get("_pagination"));
            assertThat(p).containsEntry("offset", 2 * pages).containsEntry("limit", 2).containsEntry("total", 5);
            List<?> items = (List<?>) page.get("items");
            items.forEach(u -> seen.add((String) map(u).get("name")));
            pages++;
            if (p.get("next") == null) {
                assertThat(items).hasSize(1);
                break;
            }
            assertThat(items).hasSize(2);
            Map<String, Object> next = map(p.get("next"));
            assertThat(next).containsEntry("offset", 2 * pages).containsEntry("limit", 2);
            URI url = URI.create((String) next.get("url"));
            assertThat(url.getHost()).isEqualTo("127.0.0.1");
            assertThat(url.getRawQuery()).contains("name_filter=Gx");
            HttpRequest.Builder b = HttpRequest.newBuilder(url);
            headers.forEach(b::header);
            r = hub.send(b.GET());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    void listWithoutThePaginationMediaTypeIsABareListOfUpTo200() throws Exception {
        List<String> names = IntStream.rangeClosed(1, 60).mapToObj(i -> String.format("many%02d", i)).toList();
        assertThat(hub.admin("POST", "/users", body("usernames", names)).statusCode()).isEqualTo(201);

        HttpResponse<String> bare = hub.admin("GET", "/users", null);
        assertThat(bare.statusCode()).isEqualTo(200);
        assertThat(bare.body().strip()).startsWith("[");
        // JupyterHub: without the pagination media type the default page is the maximum (200),
        // so old clients that do not paginate still see every user.
        assertThat(jsonList(bare)).extracting(u -> map(u).get("name")).containsAll(names);

        HttpResponse<String> paged = hub.api("GET", "/users",
                Map.of("Authorization", "token " + hub.adminToken, "Accept", TestHub.PAGINATION), null);
        Map<String, Object> page = json(paged);
        assertThat((List<?>) page.get("items")).hasSize(50);
        assertThat((Integer) map(page.get("_pagination")).get("total")).isGreaterThanOrEqualTo(60);
        assertThat(map(page.get("_pagination")).get("next")).isNotNull();
    }

    @Test
    void stateFilterSelectsActiveReadyAndInactiveUsersAndRefusesOthers() throws Exception {
        hub.admin("POST", "/users/idler", null);
        hub.startServer("runner");
        try {
            for (String state : List.of("active", "ready")) {
                HttpResponse<String> r = hub.admin("GET", "/users?state=" + state, null);
                assertThat(r.statusCode()).isEqualTo(200);
                List<Object> users = jsonList(r);
                assertThat(users).extracting(u -> map(u).get("name")).as(state).contains("runner").doesNotContain("idler");
            }
            HttpResponse<String> inactive = hub.admin("GET", "/users?state=inactive", null);
            assertThat(jsonList(inactive)).extracting(u -> map(u).get("name")).contains("idler").doesNotContain("runner");

            HttpResponse<String> bad = hub.admin("GET", "/users?state=running", null);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad).get("message").toString()).contains("running");
        } finally {
            assertThat(hub.admin("DELETE", "/users/runner/server", null).statusCode()).isIn(202, 204);
            hub.awaitNoServer("runner");
        }
        assertThat(jsonList(hub.admin("GET", "/users?state=inactive", null))).extracting(u -> map(u).get("name"))
                .contains("runner");
    }

    @Test
    void patchChangesAdminGroupsAndName() throws Exception {
        hub.admin("POST", "/users/patchy", null);
        hub.admin("POST", "/users/taken", null);

        HttpResponse<String> admin = hub.admin("PATCH", "/users/patchy", body("admin", true));
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        assertThat(json(admin)).containsEntry("admin", true);

        HttpResponse<String> groups = hub.admin("PATCH", "/users/patchy", body("groups", List.of("physics", "chemistry")));
        assertThat(groups.statusCode()).isEqualTo(200);
        assertThat(TestHub.list(json(groups).get("groups"))).containsExactlyInAnyOrder("physics", "chemistry");

        assertThat(hub.admin("PATCH", "/users/patchy", body("name", "taken")).statusCode()).as("name in use").isEqualTo(400);
        assertThat(hub.admin("PATCH", "/users/patchy", body("shoe_size", 44)).statusCode()).as("unknown field").isEqualTo(400);
        assertThat(hub.admin("PATCH", "/users/patchy", body("admin", "yes")).statusCode()).as("admin must be a bool")
                .isEqualTo(400);
        assertThat(hub.admin("PATCH", "/users/patchy", body("groups", "physics")).statusCode()).as("groups must be a list")
                .isEqualTo(400);
        assertThat(hub.admin("PATCH", "/users/nobody-at-all", body("admin", true)).statusCode()).isEqualTo(404);

        HttpResponse<String> renamed = hub.admin("PATCH", "/users/patchy", body("name", "patched"));
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
        assertThat(json(renamed)).containsEntry("name", "patched");
        assertThat(hub.admin("GET", "/users/patchy", null).statusCode()).isEqualTo(404);
        Map<String, Object> after = hub.user("patched");
        assertThat(after).containsEntry("admin", true);
        assertThat(TestHub.list(after.get("groups"))).containsExactlyInAnyOrder("physics", "chemistry");
    }

    @Test
    void deleteAnswers204ThenTheUserAndTheirTokensAreGone() throws Exception {
        String token = hub.userToken("doomed");
        assertThat(hub.api("GET", "/user", token, null).statusCode()).isEqualTo(200);

        assertThat(hub.admin("DELETE", "/users/doomed", null).statusCode()).isEqualTo(204);
        assertThat(hub.admin("GET", "/users/doomed", null).statusCode()).isEqualTo(404);
        assertThat(hub.admin("DELETE", "/users/doomed", null).statusCode()).isEqualTo(404);
        assertThat(hub.api("GET", "/user", token, null).statusCode()).as("the deleted user's token").isEqualTo(403);
        assertThat(allUserNames()).doesNotContain("doomed");

        // A new user of the same name does not inherit the old one's tokens.
        assertThat(hub.admin("POST", "/users/doomed", null).statusCode()).isEqualTo(201);
        assertThat(hub.api("GET", "/user", token, null).statusCode()).isEqualTo(403);
    }
}
