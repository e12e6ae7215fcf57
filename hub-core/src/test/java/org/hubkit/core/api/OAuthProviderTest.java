package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.enc;
import static org.hubkit.core.api.TestHub.json;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub as OAuth2 provider for a running single-user server: authorize with a hub login, then
 * the server exchanges the code with its own API token as client secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class OAuthProviderTest {
    static final String CALLBACK = "/user/oa/oauth_callback";

    TestHub hub;
    String clientId;
    String secret;
    Browser oa;
    Browser eve;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        hub = TestHub.start(dir);
        hub.startServer("oa");
        Map<String, String> env = hub.serverEnv("oa");
        clientId = env.get("JUPYTERHUB_CLIENT_ID");
        secret = env.get("JUPYTERHUB_API_TOKEN");
        assertThat(clientId).isEqualTo("jupyterhub-user-oa");
        assertThat(env.get("JUPYTERHUB_OAUTH_CALLBACK_URL")).isEqualTo(CALLBACK);
        assertThat(secret).isNotBlank();
        oa = new Browser(hub.base).loggedInAs("oa");
        eve = new Browser(hub.base).loggedInAs("eve");
    }

    @AfterAll
    void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    static String authorizePath(String clientId, String redirectUri, String state) {
        return "/hub/api/oauth2/authorize?client_id=" + enc(clientId) + "&redirect_uri=" + enc(redirectUri)
                + "&response_type=code&state=" + enc(state);
    }

    static Map<String, String> query(String location) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = URI.create(location).getRawQuery();
        for (String kv : q == null ? new String[0] : q.split("&")) {
            int eq = kv.indexOf('=');
            out.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Runs the browser's half: authorize and return the code. */
    String code(Browser browser) throws Exception {
        HttpResponse<String> r = browser.get(authorizePath(clientId, CALLBACK, "xyz"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(CALLBACK + "?");
        return query(location).get("code");
    }

    HttpResponse<String> exchange(String id, String clientSecret, String code, String redirectUri) throws Exception {
        String form = "client_id=" + enc(id) + "&client_secret=" + enc(clientSecret) + "&grant_type=authorization_code"
                + "&code=" + enc(code) + "&redirect_uri=" + enc(redirectUri);
        return hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    @Test
    void authorizeRedirectsToTheRegisteredCallbackWithCodeAndState() throws Exception {
        HttpResponse<String> r = oa.get(authorizePath(clientId, CALLBACK, "xyz"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(URI.create(location).getPath()).isEqualTo(CALLBACK);
        Map<String, String> q = query(location);
        assertThat(q).containsEntry("state", "xyz").containsKey("code");
        assertThat(q.get("code")).hasSizeGreaterThanOrEqualTo(16);
        assertThat(r.headers().firstValue("X-JupyterHub-Version")).isPresent();
    }

    @Test
    void authorizeWithoutAHubLoginRedirectsToTheLoginPage() throws Exception {
        String path = authorizePath(clientId, CALLBACK, "xyz");
        HttpResponse<String> r = new Browser(hub.base).get(path);
        assertThat(r.statusCode()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/hub/login?next=");
        String next = URLDecoder.decode(location.substring("/hub/login?next=".length()), StandardCharsets.UTF_8);
        assertThat(next).isEqualTo(path);
        assertThat(location).doesNotContain("code=");
    }

    @Test
    void authorizeWithAnUnregisteredRedirectUriAnswers400WithoutRedirecting() throws Exception {
        for (String redirect : List.of("https://evil.example/user/oa/oauth_callback", "/user/oa/oauth_callback/../../evil",
                "/user/eve/oauth_callback", CALLBACK + "?x=1", "")) {
            HttpResponse<String> r = oa.get(authorizePath(clientId, redirect, "xyz"));
            assertThat(r.statusCode()).as(redirect).isEqualTo(400);
            assertThat(r.headers().firstValue("Location")).as(redirect).isEmpty();
            assertThat(r.body()).doesNotContain("code=");
        }
        HttpResponse<String> none = oa.get("/hub/api/oauth2/authorize?client_id=" + clientId + "&response_type=code");
        assertThat(none.statusCode()).as("no redirect_uri").isEqualTo(400);
        assertThat(none.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void authorizeForAnUnknownClientAnswers400() throws Exception {
        HttpResponse<String> r = oa.get(authorizePath("jupyterhub-user-nobody", "/user/nobody/oauth_callback", "xyz"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).isEmpty();
    }

    @Test
    void authorizeForAnotherUsersServerAnswers403() throws Exception {
        HttpResponse<String> r = eve.get(authorizePath(clientId, CALLBACK, "xyz"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).doesNotContain("code=");
    }

    @Test
    void exchangingTheCodeWithTheServersSecretGivesAWorkingToken() throws Exception {
        String code = code(oa);
        HttpResponse<String> r = exchange(clientId, secret, code, CALLBACK);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> answer = json(r);
        assertThat(answer).containsKeys("access_token", "token_type", "expires_in", "scope");
        assertThat(answer.get("token_type").toString()).isEqualToIgnoringCase("bearer");
        String access = (String) answer.get("access_token");

        HttpResponse<String> me = hub.api("GET", "/user", Map.of("Authorization", "Bearer " + access), null);
        assertThat(me.statusCode()).isEqualTo(200);
        Map<String, Object> model = json(me);
        assertThat(model).containsEntry("name", "oa").containsEntry("kind", "user");
        @SuppressWarnings("unchecked")
        List<String> scopes = (List<String>) model.get("scopes");
        assertThat(scopes).contains("access:servers!server=oa/", "read:users:name!user=oa", "read:users:groups!user=oa");
        assertThat(scopes).doesNotContain("tokens!user=oa", "servers!user=oa", "read:tokens!user=oa");
        assertThat(model.get("session_id")).as("the token belongs to the browser's session").isNotNull();
        // The access token is not a general API token of oa.
        assertThat(hub.api("GET", "/users/oa/tokens", access, null).statusCode()).isEqualTo(403);
        assertThat(hub.api("DELETE", "/users/oa/server", access, null).statusCode()).isEqualTo(403);

        HttpResponse<String> reuse = exchange(clientId, secret, code, CALLBACK);
        assertThat(reuse.statusCode()).as("a code is single use").isEqualTo(400);
        assertThat(reuse.body()).doesNotContain("access_token");
    }

    @Test
    void aWrongSecretAnswers401AndDoesNotUseUpTheCode() throws Exception {
        String code = code(oa);
        HttpResponse<String> wrong = exchange(clientId, secret + "x", code, CALLBACK);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain("access_token");
        HttpResponse<String> noSecret = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
                        "client_id=" + clientId + "&grant_type=authorization_code&code=" + code + "&redirect_uri=" + enc(CALLBACK))));
        assertThat(noSecret.statusCode()).isEqualTo(401);
        HttpResponse<String> otherToken = exchange(clientId, hub.userToken("oa"), code, CALLBACK);
        assertThat(otherToken.statusCode()).as("a token of the user is not the client secret").isEqualTo(401);

        HttpResponse<String> right = exchange(clientId, secret, code, CALLBACK);
        assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
    }

    @Test
    void theClientMayAuthenticateWithHttpBasic() throws Exception {
        String code = code(oa);
        String basic = Base64.getEncoder().encodeToString((enc(clientId) + ":" + enc(secret)).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=" + enc(code)
                        + "&redirect_uri=" + enc(CALLBACK))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r)).containsKey("access_token");
    }

    @Test
    void aWrongRedirectUriAtTheTokenEndpointAnswers400() throws Exception {
        String code = code(oa);
        HttpResponse<String> r = exchange(clientId, secret, code, "/user/oa/other_callback");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).doesNotContain("access_token");
        HttpResponse<String> bogus = exchange(clientId, secret, "not-a-code", CALLBACK);
        assertThat(bogus.statusCode()).isEqualTo(400);
    }

    @Test
    void logoutClearsTheCookieAndRevokesOnlyThatSessionsOAuthTokens() throws Exception {
        Browser first = new Browser(hub.base).loggedInAs("oa");
        Browser second = new Browser(hub.base).loggedInAs("oa");
        String firstToken = (String) json(exchange(clientId, secret, code(first), CALLBACK)).get("access_token");
        String secondToken = (String) json(exchange(clientId, secret, code(second), CALLBACK)).get("access_token");
        String firstCookie = first.cookie("jupyterhub-hub-login").orElseThrow();
        assertThat(hub.api("GET", "/user", firstToken, null).statusCode()).isEqualTo(200);

        HttpResponse<String> logout = first.get("/hub/logout");
        assertThat(logout.statusCode()).isIn(200, 302);
        assertThat(logout.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c)
                .startsWith("jupyterhub-hub-login=").containsIgnoringCase("Max-Age=0").contains("Path=/hub/"));
        assertThat(first.cookie("jupyterhub-hub-login")).as("the browser dropped the cookie").isEmpty();

        assertThat(hub.api("GET", "/user", firstToken, null).statusCode()).as("that session's OAuth token").isEqualTo(403);
        assertThat(hub.api("GET", "/user", secondToken, null).statusCode()).as("another session's").isEqualTo(200);
        HttpResponse<String> replay = hub.api("GET", "/user", Map.of("Cookie", "jupyterhub-hub-login=" + firstCookie), null);
        assertThat(replay.statusCode()).as("the old cookie, replayed").isEqualTo(403);
        assertThat(first.get(authorizePath(clientId, CALLBACK, "xyz")).headers().firstValue("Location").orElseThrow())
                .startsWith("/hub/login");
    }

    @Test
    void theOAuthTokenOpensOnlyThatOneServer() throws Exception {
        String access = (String) json(exchange(clientId, secret, code(oa), CALLBACK)).get("access_token");
        @SuppressWarnings("unchecked")
        List<String> scopes = (List<String>) json(hub.api("GET", "/user", access, null)).get("scopes");
        assertThat(scopes).contains("access:servers!server=oa/").doesNotContain("access:servers!user=oa");
    }
}
