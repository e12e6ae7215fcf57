package org.hubkit.auth.oauth;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.hubkit.api.Authenticator;
import org.hubkit.testkit.AuthenticatorContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The test kit's authenticator contract against mock-oauth2-server: the provider's authorization
 * endpoint approves at once and redirects to the callback, whose query the contract hands to
 * {@code complete}. Names keep their case ({@code lowercaseUsernames(false)}, the {@code sub} claim).
 */
class OAuthAuthenticatorContractTest extends AuthenticatorContract {
    static MockOAuth2Server provider;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void startProvider() {
        provider = new MockOAuth2Server();
        provider.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterAll
    static void stopProvider() {
        provider.shutdown();
    }

    @BeforeEach
    void everyTokenIsForTheContractUser() {
        for (int i = 0; i < 8; i++) {
            provider.enqueueCallback(new DefaultOAuth2TokenCallback("default", "Contract-User-Sub", "JWT",
                    List.of(OidcHub.CLIENT_ID), Map.of(), 3600));
        }
    }

    @Override
    protected Authenticator createAuthenticator() {
        return OidcHub.authenticator(provider, "default").usernameClaim("sub").lowercaseUsernames(false).allowAll(true).build();
    }

    @Override
    protected String expectedName() {
        return "Contract-User-Sub";
    }

    @Override
    protected boolean lowercasesNames() {
        return false;
    }

    @Override
    protected Map<String, String> loginAtProvider(URI authorizationUrl) throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(authorizationUrl).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        URI back = URI.create(r.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no redirect: " + r)));
        return LocalProvider.query(back.getRawQuery());
    }
}
