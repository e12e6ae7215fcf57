package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Logins end to end, through the hub's proxy, against mock-oauth2-server (a real OpenID Connect
 * provider in the test JVM): a browser-like client follows every redirect (hub, provider, hub) with
 * its cookie jar. Allowed and refused users and groups, admin from a group, auth state stored,
 * a code used twice, a replayed callback, RP-initiated logout, and nothing secret in the log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MockProviderLoginTest {
    OidcHub oidc;
    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    void start(@TempDir Path dir) {
        Logger root = (Logger) LoggerFactory.getLogger("org.hubkit");
        log.start();
        root.addAppender(log);
        oidc = OidcHub.start(dir, a -> a.allowedUsers(Set.of("alice")).allowedGroups(Set.of("staff"))
                .adminGroups(Set.of("hub-admins")).blockedUsers(Set.of("Barbara")).manageGroups(true));
    }

    @AfterAll
    void stop() {
        ((Logger) LoggerFactory.getLogger("org.hubkit")).detachAppender(log);
        oidc.close();
    }

    @Test
    void anAllowedUserLogsInThroughTheProxyAndKeepsTheTokensAsAuthState() throws Exception {
        oidc.nextLogin("alice-sub", Map.of("preferred_username", "Alice", "groups", List.of("other")));
        HubBrowser b = oidc.browser();

        HttpResponse<String> last = b.login("oidc", "/hub/home");

        assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        assertThat(last.uri().getPath()).isEqualTo("/hub/home");
        assertThat(last.body()).contains("<strong id=\"username\">alice</strong>");
        assertThat(b.visited).as("went through the provider").anyMatch(u -> u.getPath().endsWith("/default/authorize"));
        Map<String, Object> user = oidc.user("alice");
        Map<String, Object> state = TestMaps.map(user.get("auth_state"));
        assertThat(state).containsKeys("access_token", "id_token", "refresh_token");
        assertThat(TestMaps.map(state.get("user"))).containsEntry("sub", "alice-sub");
        assertThat(user.get("groups")).isEqualTo(List.of("other"));
        assertThat(user.get("admin")).isEqualTo(false);
    }

    @Test
    void aMemberOfAnAllowedGroupLogsIn() throws Exception {
        oidc.nextLogin("bob-sub", Map.of("preferred_username", "bob", "groups", List.of("staff")));

        HttpResponse<String> last = oidc.browser().login("oidc", null);

        assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        assertThat(oidc.user("bob").get("groups")).isEqualTo(List.of("staff"));
    }

    @Test
    void aMemberOfTheAdminGroupIsAnAdmin() throws Exception {
        oidc.nextLogin("dana-sub", Map.of("preferred_username", "dana", "groups", List.of("hub-admins")));

        assertThat(oidc.browser().login("oidc", null).statusCode()).isEqualTo(200);

        assertThat(oidc.user("dana").get("admin")).isEqualTo(true);
    }

    @Test
    void someoneInNoAllowedGroupAndNotNamedIsRefusedWithAClearPage() throws Exception {
        oidc.nextLogin("mallory-sub", Map.of("preferred_username", "mallory", "groups", List.of("visitors")));

        HttpResponse<String> last = oidc.browser().login("oidc", null);

        assertThat(last.statusCode()).isEqualTo(403);
        assertThat(last.body()).contains("not allowed to sign in").doesNotContain("Exception");
        assertThat(oidc.user("mallory")).isNull();
    }

    /**
     * mock-oauth2-server answers a used code again (it does not enforce single use), but without
     * the login's nonce, so the ID token check refuses it; {@code IdTokenChecksTest} has a provider
     * that answers {@code invalid_grant}.
     */
    @Test
    void aBlockedUserIsRefusedEvenInAnAllowedGroup() throws Exception {
        oidc.nextLogin("barbara-sub", Map.of("preferred_username", "barbara", "groups", List.of("staff")));

        assertThat(oidc.browser().login("oidc", null).statusCode()).isEqualTo(403);
        assertThat(oidc.user("barbara")).isNull();
    }

    @Test
    void aNameTheHubCannotTakeIsRefused() throws Exception {
        oidc.nextLogin("slash-sub", Map.of("preferred_username", "../etc", "groups", List.of("staff")));

        assertThat(oidc.browser().login("oidc", null).statusCode()).isEqualTo(403);
        assertThat(messages()).anyMatch(m -> m.contains("invalid name"));
    }

    /**
     * mock-oauth2-server answers a used code again (it does not enforce single use), but without
     * the login's nonce, so the ID token check refuses it; {@code IdTokenChecksTest} has a provider
     * that answers {@code invalid_grant}.
     */
    @Test
    void aCodeUsedTwiceIsRefused() throws Exception {
        oidc.nextLogin("carol-sub", Map.of("preferred_username", "carol", "groups", List.of("staff")));
        HubBrowser b = oidc.browser();
        assertThat(b.login("oidc", null).statusCode()).isEqualTo(200);
        URI used = b.callback().orElseThrow();
        String code = LocalProvider.query(used.getRawQuery()).get("code");

        // A new login in the same browser gives a valid state; the old code goes with it.
        HttpResponse<String> toProvider = b.get("/hub/oauth_login/oidc");
        String state = LocalProvider.query(URI.create(toProvider.headers().firstValue("Location").orElseThrow()).getRawQuery())
                .get("state");
        HttpResponse<String> again = b.get(oidc.base.resolve("/hub/oauth_callback?code=" + code + "&state=" + state));

        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(messages()).anyMatch(m -> m.contains("exchanging the code refused by the provider: invalid_grant")
                || m.contains("refused an ID token: Missing JWT nonce"));
    }

    @Test
    void aReplayedCallbackIsRefusedByTheHub() throws Exception {
        oidc.nextLogin("erin-sub", Map.of("preferred_username", "erin", "groups", List.of("staff")));
        HubBrowser b = oidc.browser();
        HttpResponse<String> toProvider = b.get("/hub/oauth_login/oidc");
        String stateCookie = b.cookie("hubkit-oauth-state").orElseThrow();
        HttpResponse<String> back = b.follow(URI.create(toProvider.headers().firstValue("Location").orElseThrow()), 0);
        URI callback = back.uri().resolve(back.headers().firstValue("Location").orElseThrow());
        assertThat(b.get(callback).statusCode()).isEqualTo(302);

        java.net.HttpCookie c = new java.net.HttpCookie("hubkit-oauth-state", stateCookie);
        c.setPath("/hub/");
        c.setVersion(0);
        b.cookies.getCookieStore().add(oidc.base.resolve("/hub/"), c);
        HttpResponse<String> replay = b.get(callback);

        assertThat(replay.statusCode()).isEqualTo(403);
        assertThat(messages()).anyMatch(m -> m.contains("OAuth callback refused: state already used"));
    }

    @Test
    void logoutEndsTheHubSessionThenGoesToTheProvidersEndSessionWithTheIdToken() throws Exception {
        oidc.nextLogin("fay-sub", Map.of("preferred_username", "fay", "groups", List.of("staff")));
        HubBrowser b = oidc.browser();
        assertThat(b.login("oidc", null).statusCode()).isEqualTo(200);
        String idToken = (String) TestMaps.map(oidc.user("fay").get("auth_state")).get("id_token");

        HttpResponse<String> out = b.get("/hub/logout");

        URI to = URI.create(out.headers().firstValue("Location").orElseThrow());
        assertThat(to.toString()).startsWith(oidc.provider.endSessionEndpointUrl("default").toString());
        Map<String, String> q = LocalProvider.query(to.getRawQuery());
        assertThat(q).containsEntry("id_token_hint", idToken).containsEntry("post_logout_redirect_uri",
                oidc.base.resolve("/hub/login").toString());
        assertThat(b.get("/hub/home").statusCode()).as("the hub's session is over").isEqualTo(302);
    }

    @Test
    void theLogHoldsNoCodeTokenOrClientSecret() throws Exception {
        oidc.nextLogin("gus-sub", Map.of("preferred_username", "gus", "groups", List.of("staff")));
        HubBrowser b = oidc.browser();
        assertThat(b.login("oidc", null).statusCode()).isEqualTo(200);
        String code = LocalProvider.query(b.callback().orElseThrow().getRawQuery()).get("code");
        Map<String, Object> state = TestMaps.map(oidc.user("gus").get("auth_state"));

        assertThat(messages()).isNotEmpty().allSatisfy(m -> assertThat(m).doesNotContain(OidcHub.CLIENT_SECRET)
                .doesNotContain(code).doesNotContain((String) state.get("access_token"))
                .doesNotContain((String) state.get("refresh_token")));
    }

    List<String> messages() {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    static Duration patience() {
        return Duration.ofSeconds(10);
    }
}
