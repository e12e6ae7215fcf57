package org.hubkit.auth.oauth;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.Service;
import org.hubkit.proxy.netty.NettyProxy;
import org.hubkit.testkit.RealComponents;

/**
 * A real in-process hub behind the Netty proxy whose logins go to mock-oauth2-server, a real
 * OpenID Connect provider running in the test JVM on 127.0.0.1 (discovery, JWKS, code flow with
 * PKCE, refresh tokens, userinfo). A test chooses who logs in next, with which claims, through
 * {@link #nextLogin}. Auth state is stored encrypted (a crypt key per run).
 */
final class OidcHub implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CLIENT_ID = "hubkit-test-client";
    static final String CLIENT_SECRET = "the-client-secret-" + UUID.randomUUID();
    final MockOAuth2Server provider;
    final Hub hub;
    final URI base;
    final String adminToken = "admin-" + UUID.randomUUID();
    final HttpClient http = HttpClient.newHttpClient();

    private OidcHub(Path dir, MockOAuth2Server provider, Consumer<OAuthAuthenticator.Builder> auth,
                    BiConsumer<MockOAuth2Server, Hub.Builder> more) {
        this.provider = provider;
        provider.start(InetAddress.getLoopbackAddress(), 0);
        int proxyPort = RealComponents.freePort();
        OAuthAuthenticator.Builder a = authenticator(provider, "default");
        auth.accept(a);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Hub.Builder b = Hub.builder()
                .spawner(LocalProcessSpawner.builder().cmd(List.of("/bin/false")).logDirectory(dir.resolve("logs"))
                        .isolation(LocalProcessSpawner.Isolation.NONE).build())
                .authenticator(a.build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dir.resolve("db")))
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .cryptKeys(List.of(key))
                .addService(new Service("oidc-test-admin", adminToken, true));
        more.accept(provider, b);
        hub = b.build().start();
        base = hub.publicUrl();
    }

    /** A builder for a login at one of the provider's issuers, with the test client's id and secret. */
    static OAuthAuthenticator.Builder authenticator(MockOAuth2Server provider, String issuerId) {
        return OAuthAuthenticator.builder().issuer(URI.create(provider.issuerUrl(issuerId).toString()))
                .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).groupsClaim("groups");
    }

    static OidcHub start(Path dir, Consumer<OAuthAuthenticator.Builder> auth) {
        return new OidcHub(dir, new MockOAuth2Server(), auth, (p, b) -> { });
    }

    static OidcHub start(Path dir, Consumer<OAuthAuthenticator.Builder> auth, Consumer<Hub.Builder> more) {
        return new OidcHub(dir, new MockOAuth2Server(), auth, (p, b) -> more.accept(b));
    }

    /** @param more also given the provider, for a second authenticator at another of its issuers */
    static OidcHub start(Path dir, Consumer<OAuthAuthenticator.Builder> auth, BiConsumer<MockOAuth2Server, Hub.Builder> more) {
        return new OidcHub(dir, new MockOAuth2Server(), auth, more);
    }

    /** With the provider's own login page (mock-oauth2-server's {@code interactiveLogin}): a person types the subject and claims. */
    static OidcHub startInteractive(Path dir, Consumer<OAuthAuthenticator.Builder> auth) {
        return new OidcHub(dir, new MockOAuth2Server(new no.nav.security.mock.oauth2.OAuth2Config(true)), auth, (p, b) -> { });
    }

    /** The next token the provider issues (at issuer {@code issuerId}) is for this subject, with these claims. */
    void nextLogin(String issuerId, String subject, Map<String, Object> claims) {
        provider.enqueueCallback(new DefaultOAuth2TokenCallback(issuerId, subject, "JWT", List.of(CLIENT_ID), claims, 3600));
    }

    void nextLogin(String subject, Map<String, Object> claims) {
        nextLogin("default", subject, claims);
    }

    HubBrowser browser() {
        return new HubBrowser(base);
    }

    /** The user's model from the REST API (with auth_state: the admin service may read it), or null when there is none. */
    @SuppressWarnings("unchecked")
    Map<String, Object> user(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/hub/api/users/" + name))
                .header("Authorization", "token " + adminToken).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 404 ? null : JSON.readValue(r.body(), Map.class);
    }

    @Override
    public void close() {
        try {
            hub.close();
        } finally {
            provider.shutdown();
        }
    }
}
