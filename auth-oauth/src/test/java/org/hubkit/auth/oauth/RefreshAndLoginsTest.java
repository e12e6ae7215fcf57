package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the hub: the auth state refreshed with the refresh token once it is older than
 * {@code authRefreshAge}, a refresh the provider refuses ending the session (against
 * {@link LocalProvider}, which can be told to refuse refresh grants), and two OpenID Connect logins
 * on one login page (two issuers of mock-oauth2-server, one with a username prefix).
 */
class RefreshAndLoginsTest {
    @Test
    void theStateIsRefreshedAfterAuthRefreshAgeAndARefusedRefreshEndsTheSession(@TempDir Path dir) throws Exception {
        try (LocalProvider provider = new LocalProvider();
             OidcHub oidc = OidcHub.start(dir, a -> a.issuer(provider.issuer).clientId("hub").allowAll(true),
                     b -> b.authRefreshAge(Duration.ofSeconds(1)))) {
            provider.nextSubject = "rita";
            provider.expiresIn = 1; // expired by the time the hub refreshes: a refresh-token grant
            HubBrowser b = oidc.browser();
            assertThat(b.login("oidc", "/hub/home").statusCode()).isEqualTo(200);
            Object firstToken = TestMaps.map(oidc.user("rita").get("auth_state")).get("access_token");

            Thread.sleep(1_100);
            assertThat(b.get("/hub/home").statusCode()).isEqualTo(200); // starts the refresh, goes on meanwhile
            awaitTrue(() -> provider.refreshGrants.get() == 1
                    && !firstToken.equals(TestMaps.map(oidc.user("rita").get("auth_state")).get("access_token")));

            provider.refuseRefresh = true;
            Thread.sleep(1_100);
            b.get("/hub/home");
            awaitTrue(() -> b.get("/hub/home").statusCode() == 302);
            assertThat(b.get("/hub/home").headers().firstValue("Location").orElseThrow()).startsWith("/hub/login");
        }
    }

    @Test
    void twoLoginsOnOnePageKeepTheirUsersApart(@TempDir Path dir) throws Exception {
        try (OidcHub oidc = OidcHub.start(dir, a -> a.id("staff").loginLabel("Staff login").allowAll(true),
                (provider, b) -> b.addAuthenticator(OidcHub.authenticator(provider, "guests").id("guests")
                        .loginLabel("Guest login").allowAll(true).build(), "guest-"))) {
            HubBrowser b = oidc.browser();
            HttpResponse<String> page = b.get("/hub/login");
            assertThat(page.body()).contains(">Staff login</a>").contains(">Guest login</a>")
                    .doesNotContain("type=\"password\"");

            oidc.nextLogin("default", "sam-sub", Map.of("preferred_username", "sam"));
            assertThat(b.login("staff", null).statusCode()).isEqualTo(200);
            oidc.nextLogin("guests", "sam-sub", Map.of("preferred_username", "sam"));
            HubBrowser guest = oidc.browser();
            HttpResponse<String> asGuest = guest.login("guests", "/hub/home");

            assertThat(asGuest.body()).contains("<strong id=\"username\">guest-sam</strong>");
            assertThat(oidc.user("sam")).isNotNull();
            assertThat(oidc.user("guest-sam")).isNotNull();
        }
    }

    @Test
    void allowExistingUsersLetsInUsersAnAdminAddedAndNobodyElse(@TempDir Path dir) throws Exception {
        try (OidcHub oidc = OidcHub.start(dir, a -> a.allowExistingUsers(true))) {
            HttpResponse<String> created = oidc.http.send(java.net.http.HttpRequest.newBuilder(oidc.base.resolve("/hub/api/users/olga"))
                    .header("Authorization", "token " + oidc.adminToken).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);

            oidc.nextLogin("olga-sub", Map.of("preferred_username", "olga"));
            assertThat(oidc.browser().login("oidc", null).statusCode()).as("an existing user").isEqualTo(200);
            oidc.nextLogin("pete-sub", Map.of("preferred_username", "pete"));
            assertThat(oidc.browser().login("oidc", null).statusCode()).as("a new one").isEqualTo(403);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s");
            }
            Thread.sleep(50);
        }
    }
}
