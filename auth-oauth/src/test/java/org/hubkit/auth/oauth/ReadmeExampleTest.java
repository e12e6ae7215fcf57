package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.hubkit.api.Authenticator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example is this code: the test checks that the README shows it verbatim, and logs
 * a member of the {@code jupyter-users} group in with it, end to end against mock-oauth2-server.
 */
class ReadmeExampleTest {
    static Authenticator example(URI issuer, String clientSecret) {
        // README-EXAMPLE-START
        Authenticator keycloak = OAuthAuthenticator.builder()
                .issuer(issuer)                                   // e.g. https://sso.example.org/realms/research
                .clientId("jupyterhub")
                .clientSecret(clientSecret)                       // from the environment, never in the code
                .usernameClaim("preferred_username")
                .groupsClaim("groups")
                .allowedGroups(Set.of("jupyter-users"))
                .adminGroups(Set.of("jupyter-admins"))
                .manageGroups(true)
                .build();
        // README-EXAMPLE-END
        return keycloak;
    }

    @Test
    void theReadmeShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/auth/oauth/ReadmeExampleTest.java"), StandardCharsets.UTF_8);
        String snippet = source.substring(source.indexOf("// README-EXAMPLE-START\n") + "// README-EXAMPLE-START\n".length(),
                source.indexOf("        // README-EXAMPLE-END"));
        String unindented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, l) -> a + l + "\n");
        assertThat(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8)).contains(unindented);
    }

    @Test
    void theExampleLogsAGroupMemberIn(@TempDir Path dir) throws Exception {
        try (OidcHub oidc = OidcHub.start(dir, a -> { }, (provider, b) -> b.authenticator(
                example(URI.create(provider.issuerUrl("default").toString()), OidcHub.CLIENT_SECRET)))) {
            // The example's client is "jupyterhub": the provider's token is for that audience.
            oidc.provider.enqueueCallback(new DefaultOAuth2TokenCallback("default", "uma-sub", "JWT", List.of("jupyterhub"),
                    Map.of("preferred_username", "uma", "groups", List.of("jupyter-users")), 3600));
            HttpResponse<String> home = oidc.browser().login("oidc", "/hub/home");

            assertThat(home.statusCode()).as(home.body()).isEqualTo(200);
            assertThat(oidc.user("uma").get("groups")).isEqualTo(List.of("jupyter-users"));
        }
    }
}
