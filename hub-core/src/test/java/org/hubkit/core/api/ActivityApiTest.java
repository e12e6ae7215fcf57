package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;
import static org.hubkit.core.api.TestHub.map;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /hub/api/users/{name}/activity}, as the single-user server sends it with its own API
 * token: timestamps only move forward, the future and unknown servers are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ActivityApiTest extends HubApiTestBase {
    private static final DateTimeFormatter PY_ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);


    /** Starts the user's server and returns its own API token (JUPYTERHUB_API_TOKEN). */
    private String serverToken(String user) throws Exception {
        hub.startServer(user);
        Map<String, String> env = hub.serverEnv(user);
        assertThat(env.get("JUPYTERHUB_ACTIVITY_URL")).endsWith("/hub/api/users/" + user + "/activity");
        return env.get("JUPYTERHUB_API_TOKEN");
    }

    private static String ts(Instant t) {
        return PY_ISO.format(t);
    }

    private static Map<String, Object> activity(Instant t) {
        return body("servers", Map.of("", Map.of("last_activity", ts(t))), "last_activity", ts(t));
    }

    private Object userActivity(String user) throws Exception {
        return hub.user(user).get("last_activity");
    }

    private Object serverActivity(String user) throws Exception {
        return hub.server(user).get("last_activity");
    }

    @Test
    void activityFromTheServersTokenUpdatesLastActivity() throws Exception {
        String token = serverToken("act1");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS).plusMillis(5);
        HttpResponse<String> r = hub.api("POST", "/users/act1/activity", token, activity(now));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(userActivity("act1")).isEqualTo(ts(now));
        assertThat(serverActivity("act1")).isEqualTo(ts(now));

        // The user-level timestamp alone is accepted too, and a later one moves it forward.
        Instant later = now.plusSeconds(30);
        assertThat(hub.api("POST", "/users/act1/activity", token, body("last_activity", ts(later))).statusCode()).isEqualTo(200);
        assertThat(userActivity("act1")).isEqualTo(ts(later));
        assertThat(serverActivity("act1")).isEqualTo(ts(now));
    }

    @Test
    void anOlderTimestampDoesNotMoveLastActivityBack() throws Exception {
        String token = serverToken("act2");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS).plusMillis(5);
        assertThat(hub.api("POST", "/users/act2/activity", token, activity(now)).statusCode()).isEqualTo(200);

        HttpResponse<String> older = hub.api("POST", "/users/act2/activity", token, activity(now.minus(Duration.ofHours(1))));
        assertThat(older.statusCode()).as(older.body()).isEqualTo(200);
        assertThat(userActivity("act2")).isEqualTo(ts(now));
        assertThat(serverActivity("act2")).isEqualTo(ts(now));
    }

    @Test
    void aTimestampMoreThanAnHourAheadIsRefused() throws Exception {
        String token = serverToken("act3");
        Object userBefore = userActivity("act3");
        Object serverBefore = serverActivity("act3");
        for (Duration ahead : List.of(Duration.ofHours(2), Duration.ofMinutes(61))) {
            Instant future = Instant.now().plus(ahead);
            HttpResponse<String> r = hub.api("POST", "/users/act3/activity", token, activity(future));
            assertThat(r.statusCode()).as("%s ahead: %s", ahead, r.body()).isEqualTo(400);
            HttpResponse<String> userOnly = hub.api("POST", "/users/act3/activity", token, body("last_activity", ts(future)));
            assertThat(userOnly.statusCode()).isEqualTo(400);
        }
        assertThat(userActivity("act3")).isEqualTo(userBefore);
        assertThat(serverActivity("act3")).isEqualTo(serverBefore);

        Instant soon = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MICROS);
        assertThat(hub.api("POST", "/users/act3/activity", token, body("last_activity", ts(soon))).statusCode())
                .as("within the hour is fine").isEqualTo(200);
    }

    @Test
    void malformedActivityAndUnknownServersAreRefused() throws Exception {
        String token = serverToken("act4");
        Object before = userActivity("act4");
        String now = ts(Instant.now());
        Map<String, Object> cases = Map.of(
                "unknown server", body("servers", Map.of("nosuch", Map.of("last_activity", now)), "last_activity", now),
                "server without last_activity", body("servers", Map.of("", Map.of())),
                "not a timestamp", body("last_activity", "yesterday-ish"),
                "empty body object", body(),
                "servers not a dict", body("servers", List.of("")));
        for (var c : cases.entrySet()) {
            HttpResponse<String> r = hub.api("POST", "/users/act4/activity", token, c.getValue());
            assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(400);
        }
        assertThat(hub.api("POST", "/users/act4/activity", token, "[1, 2]").statusCode()).as("a JSON list").isEqualTo(400);
        assertThat(userActivity("act4")).as("nothing recorded, not even the valid user-level time").isEqualTo(before);
    }

    @Test
    void onlyTheUsersOwnServerTokenOrUsersActivityScopeMayPost() throws Exception {
        String token = serverToken("act5");
        String other = hub.userToken("bystander");
        // Using act5's own tokens counts as act5 being active (as in JupyterHub), so check the server's time.
        Object before = serverActivity("act5");
        String now = ts(Instant.now());

        HttpResponse<String> stranger = hub.api("POST", "/users/act5/activity", other, body("last_activity", now));
        assertThat(stranger.statusCode()).as("another user's token: scope held only for itself").isEqualTo(404);
        HttpResponse<String> crossed = hub.api("POST", "/users/bystander/activity", token, body("last_activity", now));
        assertThat(crossed.statusCode()).as("act5's server token for another user").isEqualTo(404);
        String readOnly = hub.userToken("act5", body("scopes", List.of("read:users!user=act5")));
        HttpResponse<String> noScope = hub.api("POST", "/users/act5/activity", readOnly, body("last_activity", now));
        assertThat(noScope.statusCode()).as("a token of act5 without users:activity").isEqualTo(403);
        assertThat(hub.api("POST", "/users/act5/activity", (String) null, body("last_activity", now)).statusCode()).isEqualTo(403);
        assertThat(serverActivity("act5")).isEqualTo(before);

        // The server token can do little else: it is not act5's full identity.
        assertThat(hub.api("GET", "/users/act5/tokens", token, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("DELETE", "/users/act5/server", token, null).statusCode()).isEqualTo(403);
        Map<String, Object> me = json(hub.api("GET", "/user", token, null));
        assertThat(me).containsEntry("name", "act5");
        assertThat(map(me).get("scopes").toString()).contains("users:activity!user=act5", "access:servers!server=act5/");

        assertThat(hub.api("POST", "/users/act5/activity", token, body("last_activity", now)).statusCode()).isEqualTo(200);
        assertThat(hub.admin("POST", "/users/act5/activity", body("last_activity", now)).statusCode())
                .as("an admin service holds users:activity").isEqualTo(200);
    }
}
