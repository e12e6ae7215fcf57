package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.jsonList;
import static org.hubkit.core.api.TestHub.map;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.hubkit.api.ConfigException;
import org.hubkit.core.Hub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The list endpoints ({@code /users}, {@code /groups}, {@code /proxy}) page as JupyterHub 3.0
 * does (its {@code test_get_users_pagination} cases, with page limits 3 and 5 instead of 50 and
 * 200): the {@code items}/{@code _pagination} shape only for clients that send its media type,
 * {@code next} until the last page, a URL that leads there, and JupyterHub's reading of odd
 * offsets and limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class PaginationTest {
    static final int DEFAULT_LIMIT = 3;
    static final int MAX_LIMIT = 5;
    /** Eight users, in the order the list gives them (by name). */
    static final List<String> USERS = IntStream.rangeClosed(1, 8).mapToObj(i -> "pg" + i).toList();
    static final List<String> GROUPS = IntStream.rangeClosed(1, 7).mapToObj(i -> "team" + i).toList();

    TestHub hub;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        hub = TestHub.start(dir, b -> b.apiPageDefaultLimit(DEFAULT_LIMIT).apiPageMaxLimit(MAX_LIMIT));
        assertThat(hub.admin("POST", "/users", body("usernames", USERS)).statusCode()).isEqualTo(201);
        // pg1 is in every group, pg2 in team1 only.
        assertThat(hub.admin("PATCH", "/users/pg1", body("groups", GROUPS)).statusCode()).isEqualTo(200);
        assertThat(hub.admin("PATCH", "/users/pg2", body("groups", List.of("team1"))).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    private Map<String, String> paged() {
        return Map.of("Authorization", "token " + hub.adminToken, "Accept", TestHub.PAGINATION);
    }

    private static List<String> names(Object items) {
        return TestHub.list(items).stream().map(u -> (String) map(u).get("name")).toList();
    }

    /** JupyterHub 3.0's cases: offset, limit (empty: not given), paged or not, the names expected. */
    @ParameterizedTest(name = "offset={0} limit={1} paged={2}")
    @CsvSource({
        ",,    false, pg1 pg2 pg3 pg4 pg5",  // no pagination asked: the maximum page
        ",,    true,  pg1 pg2 pg3",          // paged: the default page
        "5,,   true,  pg6 pg7 pg8",
        "5,,   false, pg6 pg7 pg8",
        "5, 1, true,  pg6",
        "8, 8, true,  ''",                   // past the end: an empty page
        ",500, false, pg1 pg2 pg3 pg4 pg5",  // a limit above the maximum is the maximum
        ",500, true,  pg1 pg2 pg3 pg4 pg5",
        ",0,   true,  pg1",                  // below 1 is 1
        ",-2,  true,  pg1 pg2",              // the sign is dropped, as JupyterHub's abs()
        "-6,,  true,  pg7 pg8",
        "99999999999999999999999,, true, ''" // further than any list, not an error
    })
    void usersArePagedAsJupyterHubPagesThem(String offset, String limit, boolean paged, String expected) throws Exception {
        List<String> query = new ArrayList<>();
        if (offset != null) {
            query.add("offset=" + offset);
        }
        if (limit != null) {
            query.add("limit=" + limit);
        }
        String path = "/users" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        HttpResponse<String> r = paged ? hub.api("GET", path, paged(), null) : hub.admin("GET", path, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as("JupyterHub answers application/json either way")
                .startsWith("application/json");
        List<String> want = expected.isBlank() ? List.of() : List.of(expected.split(" "));
        if (!paged) {
            assertThat(r.body().strip()).startsWith("[");
            assertThat(names(jsonList(r))).isEqualTo(want);
            return;
        }
        Map<String, Object> page = json(r);
        assertThat(page).containsOnlyKeys("items", "_pagination");
        assertThat(names(page.get("items"))).isEqualTo(want);
        Map<String, Object> p = map(page.get("_pagination"));
        assertThat(p).containsOnlyKeys("offset", "limit", "total", "next").containsEntry("total", USERS.size());
        long o = ((Number) p.get("offset")).longValue();
        int l = ((Number) p.get("limit")).intValue();
        assertThat(l).isBetween(1, MAX_LIMIT);
        if (o < USERS.size() - l) { // o + l < total, for an offset near Long.MAX_VALUE too
            Map<String, Object> next = map(p.get("next"));
            assertThat(next).containsOnlyKeys("offset", "limit", "url").containsEntry("limit", l);
            assertThat(((Number) next.get("offset")).longValue()).isEqualTo(o + l);
        } else {
            assertThat(p.get("next")).as("the last page has no next").isNull();
        }
    }

    @ParameterizedTest
    @CsvSource({"offset=abc", "limit=1.5", "offset=1e3", "limit=", "offset=%20", "limit=0x10"})
    void anythingButAWholeNumberIs400(String query) throws Exception {
        for (String endpoint : List.of("/users", "/groups", "/proxy")) {
            HttpResponse<String> r = hub.api("GET", endpoint + "?" + query, paged(), null);
            assertThat(r.statusCode()).as(endpoint + "?" + query + ": " + r.body()).isEqualTo(400);
            assertThat(json(r)).containsEntry("status", 400)
                    .containsEntry("message", "Invalid argument type, offset and limit must be integers");
        }
    }

    @Test
    void followingNextVisitsEveryUserOnceAndKeepsTheRequestsOtherParameters() throws Exception {
        // name_filter and state are kept; the blank parameter is left out, as JupyterHub's parse_qs leaves it.
        HttpResponse<String> r = hub.api("GET", "/users?name_filter=PG&state=inactive&limit=3&blank=", paged(), null);
        List<String> seen = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (int pages = 0; pages < 10; pages++) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Map<String, Object> page = json(r);
            seen.addAll(names(page.get("items")));
            Map<String, Object> p = map(page.get("_pagination"));
            offsets.add(((Number) p.get("offset")).longValue());
            if (p.get("next") == null) {
                break;
            }
            URI url = URI.create((String) map(p.get("next")).get("url"));
            assertThat(url.getScheme() + "://" + url.getAuthority()).as("back through the proxy the request came through")
                    .isEqualTo(hub.base.toString().replaceAll("/$", ""));
            assertThat(url.getPath()).isEqualTo("/hub/api/users");
            assertThat(url.getRawQuery()).startsWith("name_filter=PG&state=inactive&limit=3&offset=")
                    .doesNotContain("blank");
            HttpRequest.Builder b = HttpRequest.newBuilder(url);
            paged().forEach(b::header);
            r = hub.send(b.GET());
        }
        assertThat(offsets).containsExactly(0L, 3L, 6L);
        assertThat(seen).isEqualTo(USERS);
    }

    @Test
    void nextPointsWhereTheClientCameFrom() throws Exception {
        URI direct = URI.create("http://127.0.0.1:" + hub.hub.port() + "/hub/api/users?limit=2");
        HttpRequest.Builder b = HttpRequest.newBuilder(direct);
        paged().forEach(b::header);
        String url = (String) map(map(json(hub.send(b.GET())).get("_pagination")).get("next")).get("url");
        assertThat(url).as("a client of the hub's own port is sent there again")
                .isEqualTo("http://127.0.0.1:" + hub.hub.port() + "/hub/api/users?limit=2&offset=2");

        // Behind a proxy that ends TLS: the scheme the client used, as JupyterHub reads X-Forwarded-Proto.
        b = HttpRequest.newBuilder(direct).header("X-Forwarded-Proto", "https");
        paged().forEach(b::header);
        url = (String) map(map(json(hub.send(b.GET())).get("_pagination")).get("next")).get("url");
        assertThat(url).startsWith("https://127.0.0.1:" + hub.hub.port() + "/hub/api/users?");
    }

    @Test
    void theMediaTypeIsFoundAmongOthersWhateverItsCaseAndParameters() throws Exception {
        for (String accept : List.of("application/json, application/jupyterhub-pagination+json",
                "Application/JupyterHub-Pagination+JSON", "application/jupyterhub-pagination+json; q=0.9, */*;q=0.1")) {
            HttpResponse<String> r = hub.api("GET", "/users",
                    Map.of("Authorization", "token " + hub.adminToken, "Accept", accept), null);
            assertThat(json(r)).as(accept).containsKeys("items", "_pagination");
        }
        for (String accept : List.of("application/json", "*/*", "application/jupyterhub-pagination")) {
            HttpResponse<String> r = hub.api("GET", "/users",
                    Map.of("Authorization", "token " + hub.adminToken, "Accept", accept), null);
            assertThat(r.body().strip()).as(accept).startsWith("[");
        }
    }

    @Test
    void groupsArePagedByName() throws Exception {
        HttpResponse<String> r = hub.api("GET", "/groups", paged(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> page = json(r);
        assertThat(names(page.get("items"))).containsExactly("team1", "team2", "team3");
        assertThat(map(page.get("_pagination"))).containsEntry("offset", 0).containsEntry("limit", DEFAULT_LIMIT)
                .containsEntry("total", GROUPS.size());
        Map<String, Object> team1 = map(TestHub.list(page.get("items")).get(0));
        assertThat(team1).containsEntry("kind", "group").containsEntry("users", List.of("pg1", "pg2"));
        assertThat(map(TestHub.list(page.get("items")).get(1))).containsEntry("users", List.of("pg1"));

        Map<String, Object> last = json(hub.api("GET", "/groups?offset=6", paged(), null));
        assertThat(names(last.get("items"))).containsExactly("team7");
        assertThat(map(last.get("_pagination")).get("next")).isNull();

        assertThat(names(jsonList(hub.admin("GET", "/groups", null)))).as("not paged: the maximum page")
                .containsExactly("team1", "team2", "team3", "team4", "team5");
    }

    @Test
    void proxyRoutesArePagedBySpecAndStayAnObject() throws Exception {
        hub.startServer("pg3");
        hub.startServer("pg4");
        try {
            Map<String, Object> all = new LinkedHashMap<>();
            HttpResponse<String> r = hub.api("GET", "/proxy?limit=1", paged(), null);
            for (int pages = 0; pages < 10; pages++) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Map<String, Object> page = json(r);
                Map<String, Object> items = map(page.get("items"));
                assertThat(items).hasSize(1);
                all.putAll(items);
                Map<String, Object> p = map(page.get("_pagination"));
                assertThat(p).containsEntry("total", 3).containsEntry("limit", 1);
                if (p.get("next") == null) {
                    break;
                }
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create((String) map(p.get("next")).get("url")));
                paged().forEach(b::header);
                r = hub.send(b.GET());
            }
            assertThat(all.keySet()).containsExactly("/", "/user/pg3/", "/user/pg4/");
            assertThat(map(all.get("/user/pg3/"))).containsEntry("routespec", "/user/pg3/").containsKey("target");

            HttpResponse<String> bare = hub.admin("GET", "/proxy?offset=1&limit=1", null);
            assertThat(json(bare).keySet()).as("not paged: the routes alone, sliced").containsExactly("/user/pg3/");
            assertThat(json(hub.admin("GET", "/proxy", null)).keySet()).containsExactly("/", "/user/pg3/", "/user/pg4/");
        } finally {
            hub.admin("DELETE", "/users/pg3/server", null);
            hub.admin("DELETE", "/users/pg4/server", null);
            hub.awaitNoServer("pg3");
            hub.awaitNoServer("pg4");
        }
    }

    @Test
    void theBuilderRefusesPageLimitsThatCannotWork() {
        Hub.Builder b = Hub.builder().apiPageDefaultLimit(300).apiPageMaxLimit(200);
        org.assertj.core.api.Assertions.assertThatThrownBy(b::build).isInstanceOf(ConfigException.class)
                .hasMessageContaining("apiPageDefaultLimit: must be between 1 and apiPageMaxLimit (200), got 300");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Hub.builder().apiPageMaxLimit(0).apiPageDefaultLimit(0).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("apiPageMaxLimit: must be >= 1, got 0")
                .hasMessageContaining("apiPageDefaultLimit: must be between 1 and apiPageMaxLimit (0), got 0");
    }
}
