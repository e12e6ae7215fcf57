package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AuthResult;
import org.hubkit.api.RedirectLogin;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every ID token check, one wrong token at a time, against {@link LocalProvider} (a provider of the
 * test's own: mock-oauth2-server signs correct tokens only). Each refusal is an ordinary
 * {@link AuthResult#refused()} and one log line that names the check and holds no token or code.
 */
class IdTokenChecksTest {
    static final URI CALLBACK = URI.create("http://127.0.0.1:8000/hub/oauth_callback");
    LocalProvider provider;
    OAuthAuthenticator auth;
    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        provider = new LocalProvider();
        auth = OAuthAuthenticator.builder().issuer(provider.issuer).clientId("hub").clientSecret("s3cret-client")
                .usernameClaim("preferred_username").groupsClaim("groups").allowAll(true)
                .jwksRefreshInterval(Duration.ZERO).build();
        Logger logger = (Logger) LoggerFactory.getLogger("org.hubkit.auth.oauth");
        log.start();
        logger.addAppender(log);
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger("org.hubkit.auth.oauth")).detachAppender(log);
        auth.close();
        provider.close();
    }

    AuthResult login() throws Exception {
        RedirectLogin flow = auth.redirectLogin().orElseThrow();
        RedirectLogin.Redirect to = flow.begin(new RedirectLogin.Start("state-" + System.nanoTime(), CALLBACK));
        Map<String, String> back = provider.approve(to.location());
        return flow.complete(new RedirectLogin.Callback(back, to.kept(), CALLBACK)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    List<String> messages() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aGoodTokenLogsInWithTheClaimsAndTokensAsAuthState() throws Exception {
        AuthResult r = login();

        assertThat(r.accepted()).isTrue();
        assertThat(r.name()).isEqualTo("alice");
        assertThat(r.authState()).containsKeys("access_token", "refresh_token", "id_token", "user");
        assertThat(TestMaps.map(r.authState().get("user"))).containsEntry("sub", "alice").containsEntry("groups", List.of("staff"));
    }

    @Test
    void theUsernameMayComeFromAClaimPath() throws Exception {
        try (OAuthAuthenticator nested = OAuthAuthenticator.builder().issuer(provider.issuer).clientId("hub")
                .usernameClaim("attributes.login").allowAll(true).build()) {
            provider.tamper = c -> c.claim("attributes", Map.of("login", "Nested.Name"));
            RedirectLogin flow = nested.redirectLogin().orElseThrow();
            RedirectLogin.Redirect to = flow.begin(new RedirectLogin.Start("state-path", CALLBACK));
            AuthResult r = flow.complete(new RedirectLogin.Callback(provider.approve(to.location()), to.kept(), CALLBACK))
                    .toCompletableFuture().get(20, TimeUnit.SECONDS);

            assertThat(r.accepted()).isTrue();
            assertThat(nested.normalizeUsername(r.name())).isEqualTo("nested.name");
        }
    }

    @Test
    void anIdTokenForAnotherAudienceIsRefused() throws Exception {
        provider.tamper = c -> c.audience("another-client");
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused an ID token") && m.toLowerCase().contains("audience"));
    }

    @Test
    void anIdTokenSignedWithAnUnknownKeyIsRefused() throws Exception {
        provider.signNextWith = LocalProvider.newKey();
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused an ID token"));
    }

    @Test
    void anIdTokenWithAnotherNonceIsRefused() throws Exception {
        provider.tamper = c -> c.claim("nonce", "not-this-logins-nonce");
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused an ID token") && m.toLowerCase().contains("nonce"));
    }

    @Test
    void anExpiredIdTokenIsRefused() throws Exception {
        provider.tamper = c -> c.expirationTime(Date.from(Instant.now().minusSeconds(120)));
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused an ID token") && m.toLowerCase().contains("expired"));
    }

    @Test
    void anIdTokenFromAnotherIssuerIsRefused() throws Exception {
        provider.tamper = c -> c.issuer("http://127.0.0.1:1/other");
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused an ID token") && m.toLowerCase().contains("issuer"));
    }

    @Test
    void anIdTokenIssuedLongAgoIsRefused() throws Exception {
        provider.tamper = c -> c.issueTime(Date.from(Instant.now().minus(Duration.ofMinutes(30))));
        assertThat(login().accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("too long ago"));
    }

    @Test
    void aKeyRotationAtTheProviderIsFollowed() throws Exception {
        assertThat(login().accepted()).isTrue();
        int fetches = provider.jwksFetches.get();
        provider.rotate();

        AuthResult afterRotation = login();

        assertThat(afterRotation.accepted()).as("a token signed with the new key").isTrue();
        assertThat(provider.jwksFetches.get()).as("JWKS fetched again for the unknown key id").isGreaterThan(fetches);
    }

    @Test
    void aCodeUsedTwiceIsRefused() throws Exception {
        RedirectLogin flow = auth.redirectLogin().orElseThrow();
        RedirectLogin.Redirect to = flow.begin(new RedirectLogin.Start("state-twice", CALLBACK));
        RedirectLogin.Callback cb = new RedirectLogin.Callback(provider.approve(to.location()), to.kept(), CALLBACK);
        assertThat(flow.complete(cb).toCompletableFuture().get(20, TimeUnit.SECONDS).accepted()).isTrue();

        assertThat(flow.complete(cb).toCompletableFuture().get(20, TimeUnit.SECONDS).accepted()).isFalse();
        assertThat(messages()).anyMatch(m -> m.contains("refused by the provider: invalid_grant"));
    }

    @Test
    void theAuthorizationUrlCarriesStateNonceAndAPkceChallenge() {
        RedirectLogin.Redirect to = auth.redirectLogin().orElseThrow().begin(new RedirectLogin.Start("the-state", CALLBACK));
        Map<String, String> q = LocalProvider.query(to.location().getRawQuery());

        assertThat(q).containsEntry("state", "the-state").containsEntry("code_challenge_method", "S256")
                .containsEntry("redirect_uri", CALLBACK.toString()).containsEntry("client_id", "hub")
                .containsKeys("nonce", "code_challenge");
        assertThat(q.get("scope")).isEqualTo("openid profile email");
        assertThat(to.kept()).containsKeys("nonce", "code_verifier");
        assertThat(to.toString()).doesNotContain(to.kept().get("code_verifier"));
    }

    @Test
    void aRefreshRereadsTheUserWhileTheTokenIsValidAndUsesTheRefreshTokenOnceItExpired() throws Exception {
        AuthResult r = login();
        Map<String, Object> state = r.authState();

        RefreshResult valid = refresh(state);
        assertThat(valid.valid()).isTrue();
        assertThat(valid.authState().get("access_token")).as("still the same token").isEqualTo(state.get("access_token"));
        assertThat(provider.refreshGrants.get()).isZero();

        Map<String, Object> expired = new java.util.LinkedHashMap<>(state);
        expired.put("expires_at", Instant.now().getEpochSecond() - 1);
        RefreshResult renewed = refresh(expired);
        assertThat(renewed.valid()).isTrue();
        assertThat(renewed.authState().get("access_token")).isNotEqualTo(state.get("access_token"));
        assertThat(provider.refreshGrants.get()).isEqualTo(1);

        provider.refuseRefresh = true;
        Map<String, Object> expiredAgain = new java.util.LinkedHashMap<>(renewed.authState());
        expiredAgain.put("expires_at", Instant.now().getEpochSecond() - 1);
        assertThat(refresh(expiredAgain).valid()).as("the provider refused the refresh token").isFalse();

        expiredAgain.remove("refresh_token");
        assertThat(refresh(expiredAgain).reason()).isEqualTo("the access token expired and there is no refresh token");
    }

    @Test
    void aRevokedAccessTokenIsARefusal() throws Exception {
        AuthResult r = login();
        provider.revoke((String) r.authState().get("access_token"));

        RefreshResult refused = refresh(r.authState());

        assertThat(refused.valid()).isFalse();
        assertThat(refused.reason()).contains("no longer accepts the access token (HTTP 401)");
    }

    RefreshResult refresh(Map<String, Object> state) throws Exception {
        return auth.refresh(new UserInfo("alice", false, Set.of(), state)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void logsHoldNoCodeTokenOrSecret() throws Exception {
        AuthResult r = login();
        provider.tamper = c -> c.audience("x");
        login();

        for (String m : messages()) {
            assertThat(m).doesNotContain("s3cret-client").doesNotContain((String) r.authState().get("access_token"))
                    .doesNotContain((String) r.authState().get("refresh_token"))
                    .doesNotContain(((String) r.authState().get("id_token")).substring(0, 40));
        }
    }
}
