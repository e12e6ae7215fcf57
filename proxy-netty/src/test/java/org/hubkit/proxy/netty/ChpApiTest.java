package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hubkit.api.Route;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * configurable-http-proxy's {@code test/api_spec.js} behaviours, against a proxy started the way
 * {@link ProxyMain} starts it, over HTTP on loopback.
 */
class ChpApiTest {
    private static final String TOKEN = "s3cret-token";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    @RegisterExtension
    final Resources resources = new Resources();
    private Backend defaultBackend;
    private Backend other;
    private ChpCompatibleProxy chp;

    @BeforeEach
    void start() throws Exception {
        defaultBackend = resources.track(Backend.start("default"));
        other = resources.track(Backend.start("other"));
        chp = resources.track(launch(Map.of("CONFIGPROXY_AUTH_TOKEN", TOKEN), "--default-target",
                defaultBackend.uri().toString()));
    }

    static ChpCompatibleProxy launch(Map<String, String> env, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--ip", "127.0.0.1", "--port", "0", "--api-ip", "127.0.0.1"));
        args.addAll(List.of(extra));
        return ProxyMain.launch(args.toArray(String[]::new), env);
    }

    private String api(String path) {
        return "http://127.0.0.1:" + chp.apiPort() + "/api/routes" + path;
    }

    private HttpResponse<String> call(String method, String url, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return call(method, api(path), body, "token " + TOKEN);
    }

    private HttpResponse<String> proxied(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chp.proxy().port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode routes() throws Exception {
        HttpResponse<String> res = call("GET", "", null);
        assertThat(res.statusCode()).isEqualTo(200);
        return json.readTree(res.body());
    }

    @Test
    void defaultTargetServesAnyUrlAndTheRoot() throws Exception {
        assertThat(proxied("/any/random/url").body()).isEqualTo("default /any/random/url");
        assertThat(proxied("/").body()).isEqualTo("default /");
    }

    @Test
    void getRoutesFetchesTheRoutingTable() throws Exception {
        HttpResponse<String> res = call("GET", "", null);

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).contains("application/json");
        JsonNode table = json.readTree(res.body());
        assertThat(table.fieldNames()).toIterable().containsExactly("/");
        assertThat(table.get("/").get("target").asText()).isEqualTo(defaultBackend.uri().toString());
        assertThat(table.get("/").get("last_activity").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(json.readTree(call("GET", "/", null).body())).isEqualTo(table);
    }

    @Test
    void getOneRouteReturnsItOr404() throws Exception {
        call("POST", "/user/foo", "{\"target\":\"" + other.uri() + "\"}");

        HttpResponse<String> found = call("GET", "/user/foo", null);
        HttpResponse<String> missing = call("GET", "/user/nobody", null);

        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(json.readTree(found.body()).get("target").asText()).isEqualTo(other.uri().toString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEmpty();
    }

    @Test
    void postCreatesARouteStoringTheBodyAsGiven() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS); // last_activity has milliseconds
        HttpResponse<String> res = call("POST", "/user/foo/",
                "{\"target\":\"" + other.uri() + "\",\"user\":\"foo\",\"server_name\":\"\",\"jupyterhub\":true,"
                        + "\"n\":null,\"nested\":{\"a\":[1,2]}}");

        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(res.body()).isEmpty();
        JsonNode route = routes().get("/user/foo");
        assertThat(route.get("user").asText()).isEqualTo("foo");
        assertThat(route.get("server_name").asText()).isEmpty();
        assertThat(route.get("jupyterhub").asBoolean()).isTrue();
        assertThat(route.has("n")).isTrue();
        assertThat(route.get("n").isNull()).isTrue();
        assertThat(route.get("nested").get("a").get(1).asInt()).isEqualTo(2);
        assertThat(Instant.parse(route.get("last_activity").asText())).as("set when posted")
                .isBetween(before, Instant.now());
        assertThat(proxied("/user/foo/tree").body()).isEqualTo("other /user/foo/tree");
        // the SPI sees the same route, its data without target
        Route spi = chp.proxy().routes().toCompletableFuture().join().get("/user/foo");
        assertThat(spi.target()).isEqualTo(other.uri());
        assertThat(spi.data()).containsEntry("user", "foo").containsEntry("jupyterhub", true).doesNotContainKey("target");
    }

    @Test
    void postReplacesAnExistingRouteAndItsData() throws Exception {
        call("POST", "/user/foo", "{\"target\":\"" + defaultBackend.uri() + "\",\"old\":1}");
        call("POST", "/user/foo", "{\"target\":\"" + other.uri() + "\"}");

        JsonNode route = routes().get("/user/foo");
        assertThat(route.get("target").asText()).isEqualTo(other.uri().toString());
        assertThat(route.has("old")).isFalse();
    }

    @Test
    void postHandlesUriEscapes() throws Exception {
        HttpResponse<String> res = call("POST", "/user/foo%40bar", "{\"target\":\"" + other.uri() + "\"}");

        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(routes().has("/user/foo@bar")).isTrue();
        assertThat(proxied("/user/foo@bar/path").body()).isEqualTo("other /user/foo@bar/path");
        assertThat(call("GET", "/user/foo%40bar", null).statusCode()).isEqualTo(200);
    }

    @Test
    void postWithoutAPathCreatesTheRootRoute() throws Exception {
        HttpResponse<String> res = call("POST", "", "{\"target\":\"" + other.uri() + "\"}");

        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(routes().get("/").get("target").asText()).isEqualTo(other.uri().toString());
        assertThat(proxied("/x").body()).isEqualTo("other /x");
    }

    @Test
    void postRejectsBodiesThatAreNotJsonWithATarget() throws Exception {
        HttpResponse<String> empty = call("POST", "/user/a", "");
        HttpResponse<String> broken = call("POST", "/user/a", "{bad");
        HttpResponse<String> trailing = call("POST", "/user/a", "{\"target\":\"http://127.0.0.1:1\"} x");
        HttpResponse<String> number = call("POST", "/user/a", "{\"target\":5}");
        HttpResponse<String> missing = call("POST", "/user/a", "{\"user\":\"a\"}");
        HttpResponse<String> array = call("POST", "/user/a", "[1]");

        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).startsWith("Body not valid JSON: ");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).startsWith("Body not valid JSON: ");
        assertThat(trailing.statusCode()).isEqualTo(400);
        for (HttpResponse<String> res : List.of(number, missing, array)) {
            assertThat(res.statusCode()).isEqualTo(400);
            assertThat(res.body()).isEqualTo("Must specify 'target' as string");
        }
        assertThat(routes().has("/user/a")).isFalse();
    }

    @Test
    void deleteRemovesARouteAndAnswers404WhenAbsent() throws Exception {
        call("POST", "/user/bar", "{\"target\":\"" + other.uri() + "\"}");

        HttpResponse<String> deleted = call("DELETE", "/user/bar", null);
        HttpResponse<String> again = call("DELETE", "/user/bar", null);

        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(routes().has("/user/bar")).isFalse();
        assertThat(proxied("/user/bar/x").body()).isEqualTo("default /user/bar/x");
    }

    @Test
    void inactiveSinceWithABadValueAnswers400() throws Exception {
        HttpResponse<String> res = call("GET", "?inactive_since=endoftheuniverse", null);

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).isEqualTo("Invalid datestamp 'endoftheuniverse' must be ISO8601.");
    }

    @Test
    void inactiveSinceFiltersOutRecentlyActiveRoutes() throws Exception {
        Instant now = Instant.now();
        chp.proxy().deleteRoute("/").toCompletableFuture().join();
        chp.proxy().addRoute(new Route("/yesterday", other.uri(), Map.of(), now.minus(Duration.ofDays(1))))
                .toCompletableFuture().join();
        call("POST", "/today", "{\"target\":\"" + other.uri() + "\"}");

        assertThat(keys("?inactive_since=" + Instant.ofEpochMilli(1))).isEmpty();
        assertThat(keys("?inactive_since=" + now.minus(Duration.ofHours(1)))).containsExactly("/yesterday");
        assertThat(keys("?inactiveSince=" + now.plus(Duration.ofHours(1)))).containsExactlyInAnyOrder("/yesterday", "/today");
        assertThat(keys("?inactive_since=")).containsExactlyInAnyOrder("/yesterday", "/today");
    }

    private List<String> keys(String query) throws Exception {
        HttpResponse<String> res = call("GET", query, null);
        assertThat(res.statusCode()).as(query).isEqualTo(200);
        List<String> out = new ArrayList<>();
        json.readTree(res.body()).fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void requiresTheTokenElseAnswers403WithAnEmptyBody() throws Exception {
        for (String auth : new String[] {null, "token wrong", "Bearer " + TOKEN, "token"}) {
            for (String method : new String[] {"GET", "POST", "DELETE"}) {
                HttpResponse<String> res = call(method, api("/user/x"), method.equals("POST") ? "{bad" : null, auth);
                assertThat(res.statusCode()).as(method + " with " + auth).isEqualTo(403);
                assertThat(res.body()).isEmpty();
            }
        }
        assertThat(call("GET", api(""), null, "token   " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void anOpenApiNeedsNoToken() throws Exception {
        try (ChpCompatibleProxy open = launch(Map.of())) {
            HttpResponse<String> res = call("GET", "http://127.0.0.1:" + open.apiPort() + "/api/routes", null, null);

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("{}");
        }
    }

    @Test
    void otherMethodsAnswer405AndOtherPaths404() throws Exception {
        HttpResponse<String> put = call("PUT", "/user/x", "{}");
        HttpResponse<String> other = call("GET", "http://127.0.0.1:" + chp.apiPort() + "/api/foo", null, "token " + TOKEN);
        HttpResponse<String> glued = call("GET", "http://127.0.0.1:" + chp.apiPort() + "/api/routesx", null, "token " + TOKEN);

        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.body()).isEqualTo("Method not supported");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(glued.statusCode()).isEqualTo(404);
    }

    @Test
    void routesAddedThroughTheSpiShowInTheApiWithTheirData() throws Exception {
        chp.proxy().addRoute(Route.of("/user/alice/", other.uri(), Map.of("user", "alice", "server_name", "")))
                .toCompletableFuture().join();

        JsonNode route = json.readTree(call("GET", "/user/alice", null).body());

        assertThat(route.get("target").asText()).isEqualTo(other.uri().toString());
        assertThat(route.get("user").asText()).isEqualTo("alice");
        assertThat(route.has("last_activity")).isTrue();
    }

    @Test
    void hostRoutingKeysRoutesByHostAndAddsItToTheData() throws Exception {
        try (ChpCompatibleProxy hosts = launch(Map.of(), "--host-routing")) {
            String base = "http://127.0.0.1:" + hosts.apiPort() + "/api/routes";
            assertThat(call("POST", base + "/alice.example.org/", "{\"target\":\"" + other.uri() + "\"}", null).statusCode())
                    .isEqualTo(201);

            JsonNode route = json.readTree(call("GET", base + "/alice.example.org", null, null).body());

            assertThat(route.get("host").asText()).isEqualTo("alice.example.org");
        }
    }
}
