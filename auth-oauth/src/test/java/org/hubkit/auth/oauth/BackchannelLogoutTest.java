package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenID Connect back-channel logout through the hub: the provider (here {@link LocalProvider}, as
 * mock-oauth2-server sends no logout tokens) posts a signed logout token to
 * {@code /hub/oauth_backchannel_logout/oidc}; a valid one ends that user's sessions, and a
 * replayed one, one signed with a key the provider does not publish, or one for another client
 * are refused with 400 and end nothing.
 */
class BackchannelLogoutTest {
    @Test
    void aSignedLogoutTokenEndsThatUsersSessionsAndNothingElseDoes(@TempDir Path dir) throws Exception {
        try (LocalProvider provider = new LocalProvider();
             OidcHub oidc = OidcHub.start(dir, a -> a.issuer(provider.issuer).clientId("hub").allowAll(true))) {
            provider.nextSubject = "rosa";
            HubBrowser rosa = oidc.browser();
            assertThat(rosa.login("oidc", "/hub/home").statusCode()).isEqualTo(200);
            provider.nextSubject = "otto";
            HubBrowser otto = oidc.browser();
            assertThat(otto.login("oidc", "/hub/home").statusCode()).isEqualTo(200);

            assertThat(post(oidc, provider.logoutToken("rosa", null, "hub", LocalProvider.newKey()))).as("unknown key").isEqualTo(400);
            assertThat(post(oidc, provider.logoutToken("rosa", null, "another-client", null))).as("other audience").isEqualTo(400);
            assertThat(post(oidc, "not-a-jwt")).isEqualTo(400);
            assertThat(rosa.get("/hub/home").statusCode()).as("still logged in").isEqualTo(200);

            String token = provider.logoutToken("rosa", "sid-rosa", "hub", null);
            assertThat(post(oidc, token)).isEqualTo(200);
            assertThat(rosa.get("/hub/home").statusCode()).as("rosa's session ended").isEqualTo(302);
            assertThat(otto.get("/hub/home").statusCode()).as("otto's did not").isEqualTo(200);
            assertThat(post(oidc, token)).as("the same token again").isEqualTo(400);

            assertThat(post(oidc, provider.logoutToken(null, "sid-otto", "hub", null))).as("by sid alone").isEqualTo(200);
            assertThat(otto.get("/hub/home").statusCode()).isEqualTo(302);
        }
    }

    static int post(OidcHub oidc, String logoutToken) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        oidc.base.resolve("/hub/oauth_backchannel_logout/oidc"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("logout_token=" + URLEncoder.encode(logoutToken, StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }
}
