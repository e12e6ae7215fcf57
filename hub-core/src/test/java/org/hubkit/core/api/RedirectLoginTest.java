package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.RedirectLogin;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub's side of a redirect login (the SPI's {@link RedirectLogin}), with a password login
 * beside it on one page: the state cookie (signed, bound to the browser, single use), the callback
 * handed to the authenticator only after the hub checked the state, {@code next} kept safe, names
 * owned by the authenticator that first logged them in or prefixed, refresh after
 * {@code authRefreshAge} and before a spawn, and the authenticator's logout URL. The "provider"
 * here is the test itself: it reads the authorization URL the authenticator built and calls the
 * callback as a provider's redirect would; auth-oauth's tests do the same against a real OpenID
 * Connect provider.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedirectLoginTest {
    /** Users whose refresh the fake provider refuses. */
    static final Set<String> REVOKED = ConcurrentHashMap.newKeySet();
    TestHub hub;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        hub = TestHub.start(dir, b -> b.authenticator(null)
                .addAuthenticator(SharedPasswordAuthenticator.builder().password(TestHub.PASSWORD)
                        .accessRules(AccessRules.allowAllUsers()).build())
                .addAuthenticator(new FakeProvider("fake", "Sign in with Fake"))
                .addAuthenticator(new FakeProvider("other", "Sign in with Other"), "other-")
                .authRefreshAge(Duration.ofSeconds(1))
                .refreshPreSpawn(true)
                .authStateEnvironment("FAKE_TOKEN", "token"));
    }

    @AfterAll
    void stop() throws Exception {
        hub.close();
    }

    @Test
    void loginPageOffersAButtonPerRedirectLoginAndThePasswordForm() throws Exception {
        HttpResponse<String> page = new Browser(hub.base).get("/hub/login?next=%2Fhub%2Fhome");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"login-fake\" href=\"/hub/oauth_login?authenticator=fake&amp;next=%2Fhub%2Fhome\"")
                .contains(">Sign in with Fake</a>").contains(">Sign in with Other</a>")
                .contains("name=\"password\"");
    }

    @Test
    void aRedirectLoginEndsInAHubSessionAtTheSafeNext() throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", "/hub/home");
        assertThat(authorize.getHost()).isEqualTo("provider.invalid");

        HttpResponse<String> back = callback(b, Map.of("code", "erin", "state", query(authorize).get("state")));

        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        assertThat(back.headers().firstValue("Location")).hasValue("/hub/home");
        assertThat(b.cookie("jupyterhub-hub-login")).isPresent();
        assertThat(b.get("/hub/home").body()).contains("<strong id=\"username\">erin</strong>");
    }

    @Test
    void aForeignNextIsReplacedByTheHub() throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", "//evil.example/x");

        HttpResponse<String> back = callback(b, Map.of("code", "frank", "state", query(authorize).get("state")));

        assertThat(back.headers().firstValue("Location")).hasValue("/hub/");
    }

    @Test
    void aReplayedCallbackIsRefusedEvenWithTheSameCookie() throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", null);
        String stateCookie = b.cookie("hubkit-oauth-state").orElseThrow();
        Map<String, String> params = Map.of("code", "gina", "state", query(authorize).get("state"));
        assertThat(callback(b, params).statusCode()).isEqualTo(302);

        // The hub cleared the cookie; an attacker who kept it sends it again.
        Browser replay = new Browser(hub.base);
        copyCookies(b, replay);
        replay.cookies.getCookieStore().add(hub.base.resolve("/hub/"), cookie("hubkit-oauth-state", stateCookie));
        HttpResponse<String> again;
        try (LogCapture log = new LogCapture("org.hubkit", Level.INFO)) {
            again = callback(replay, params);
            assertThat(log.messages()).contains("OAuth callback refused: state already used (a replayed callback)");
        }

        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(again.body()).contains("could not be verified").doesNotContain("Exception");
        assertThat(FakeProvider.completed).as("callbacks the authenticator saw for gina").containsEntry("gina", 1);
    }

    @Test
    void aForgedMissingOrForeignStateIsRefusedWithoutAskingTheAuthenticator() throws Exception {
        try (LogCapture log = new LogCapture("org.hubkit", Level.INFO)) {
            Browser b = new Browser(hub.base);
            URI authorize = begin(b, "fake", null);
            String state = query(authorize).get("state");
            String stateCookie = b.cookie("hubkit-oauth-state").orElseThrow();

            assertThat(callback(b, Map.of("code", "henry", "state", state + "x")).statusCode()).isEqualTo(403);
            assertThat(callback(new Browser(hub.base), Map.of("code", "henry", "state", state)).statusCode())
                    .as("no state cookie").isEqualTo(400);
            // another browser that got hold of this one's state cookie (a login CSRF)
            Browser other = new Browser(hub.base);
            other.get("/hub/login");
            other.cookies.getCookieStore().add(hub.base.resolve("/hub/"),
                    cookie("hubkit-oauth-state", stateCookie));
            assertThat(callback(other, Map.of("code", "henry", "state", state)).statusCode()).isEqualTo(403);
            // a cookie whose signature is not the hub's
            Browser forged = new Browser(hub.base);
            forged.cookies.getCookieStore().add(hub.base.resolve("/hub/"), cookie("hubkit-oauth-state", "e30.AAAA"));
            assertThat(callback(forged, Map.of("code", "henry", "state", state)).statusCode()).isEqualTo(403);

            assertThat(FakeProvider.completed).doesNotContainKey("henry");
            assertThat(log.messages()).anyMatch(m -> m.contains("OAuth callback refused: state parameter does not match"))
                    .anyMatch(m -> m.contains("OAuth callback refused: no login in progress"))
                    .anyMatch(m -> m.contains("OAuth callback refused: state cookie belongs to another browser"))
                    .anyMatch(m -> m.contains("OAuth callback refused: state cookie not signed by this hub"))
                    .noneMatch(m -> m.contains(state) || m.contains("henry"));
        }
    }

    @Test
    void theProvidersErrorIsAClearPage() throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", null);

        HttpResponse<String> back = callback(b, Map.of("error", "access_denied", "state", query(authorize).get("state")));

        assertThat(back.statusCode()).isEqualTo(403);
        assertThat(back.body()).contains("refused or cancelled at the identity provider");
    }

    @Test
    void aNameOwnedByAnotherAuthenticatorIsRefusedAndAPrefixKeepsNamesApart() throws Exception {
        new Browser(hub.base).loggedInAs("ivy"); // through the password form: ivy belongs to "default"

        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", null);
        HttpResponse<String> refused = callback(b, Map.of("code", "ivy", "state", query(authorize).get("state")));
        assertThat(refused.statusCode()).isEqualTo(403);

        Browser prefixed = new Browser(hub.base);
        URI other = begin(prefixed, "other", null);
        assertThat(callback(prefixed, Map.of("code", "ivy", "state", query(other).get("state"))).statusCode()).isEqualTo(302);
        assertThat(prefixed.get("/hub/home").body()).contains("<strong id=\"username\">other-ivy</strong>");
    }

    @Test
    void aRefusedRefreshEndsTheSessionsAfterAuthRefreshAge() throws Exception {
        Browser b = loggedInThroughFake("jack");
        assertThat(b.get("/hub/home").statusCode()).isEqualTo(200);
        REVOKED.add("jack");
        Thread.sleep(1_100); // authRefreshAge is 1 s

        b.get("/hub/home"); // this request starts the refresh; the provider refuses it
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status;
        do {
            Thread.sleep(50);
            status = b.get("/hub/home").statusCode();
        } while (status == 200 && System.nanoTime() < deadline);

        assertThat(status).as("home after the refused refresh").isEqualTo(302);
    }

    @Test
    void aRefreshUpdatesAuthStateAndGroups() throws Exception {
        Browser b = loggedInThroughFake("kate");
        Thread.sleep(1_100);
        b.get("/hub/home");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!hub.user("kate").get("groups").toString().contains("refreshed") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(hub.user("kate").get("groups")).asString().contains("refreshed");
    }

    @Test
    void theUserModelWaitsForADueRefresh() throws Exception {
        loggedInThroughFake("owen");
        loggedInThroughFake("pia");
        String owen = hub.userToken("owen");
        String pia = hub.userToken("pia");
        REVOKED.add("pia");
        Thread.sleep(1_100);

        HttpResponse<String> fresh = hub.api("GET", "/user", owen, null);
        HttpResponse<String> refused = hub.api("GET", "/user", pia, null);

        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(TestHub.json(fresh).get("groups")).as("refreshed before the answer").asString().contains("refreshed");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    }

    @Test
    void aSpawnRefusedByThePreSpawnRefreshFailsWithAClearMessage() throws Exception {
        Browser b = loggedInThroughFake("liam");
        REVOKED.add("liam");
        String xsrf = b.cookie("_xsrf").orElseThrow();

        HttpResponse<String> r = b.api("POST", "/users/liam/server", null, "X-XSRFToken", xsrf);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("no longer valid");
        assertThat(hub.server("liam")).isNull();
    }

    @Test
    void aSpawnRefreshesFirstAndTheServerGetsTheRefreshedStateInItsEnvironment() throws Exception {
        loggedInThroughFake("nell");

        hub.startServer("nell");

        assertThat(hub.serverEnv("nell")).containsEntry("FAKE_TOKEN", "t2-nell");
        assertThat(hub.user("nell").get("groups")).asString().contains("refreshed");
    }

    @Test
    void logoutGoesWhereTheAuthenticatorSays() throws Exception {
        Browser b = loggedInThroughFake("mia");

        HttpResponse<String> out = b.get("/hub/logout");

        assertThat(out.headers().firstValue("Location")).hasValue("https://provider.invalid/logout?user=mia&back="
                + hub.base.resolve("/hub/login"));
        assertThat(b.get("/hub/home").statusCode()).as("the hub's own session ended first").isEqualTo(302);
    }

    @Test
    void anUnknownLoginIsNotFound() throws Exception {
        assertThat(new Browser(hub.base).get("/hub/oauth_login?authenticator=nope").statusCode()).isEqualTo(404);
        assertThat(new Browser(hub.base).get("/hub/oauth_login/default").statusCode()).as("a password login").isEqualTo(404);
        assertThat(new Browser(hub.base).get("/hub/oauth_login").statusCode()).as("two redirect logins: which?").isEqualTo(404);
    }

    // ------------------------------------------------------------------ helpers

    Browser loggedInThroughFake(String name) throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = begin(b, "fake", null);
        HttpResponse<String> back = callback(b, Map.of("code", name, "state", query(authorize).get("state")));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        return b;
    }

    URI begin(Browser b, String id, String next) throws Exception {
        HttpResponse<String> r = b.get("/hub/oauth_login/" + id + (next == null ? "" : "?next=" + TestHub.enc(next)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        assertThat(b.cookie("hubkit-oauth-state")).isPresent();
        return URI.create(r.headers().firstValue("Location").orElseThrow());
    }

    HttpResponse<String> callback(Browser b, Map<String, String> params) throws Exception {
        StringBuilder q = new StringBuilder();
        params.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(TestHub.enc(v)));
        return b.send(HttpRequest.newBuilder(hub.base.resolve("/hub/oauth_callback" + q)).GET());
    }

    static Map<String, String> query(URI u) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : u.getRawQuery().split("&")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    static HttpCookie cookie(String name, String value) {
        HttpCookie c = new HttpCookie(name, value);
        c.setPath("/hub/");
        c.setVersion(0);
        return c;
    }

    static void copyCookies(Browser from, Browser to) {
        for (HttpCookie c : from.cookies.getCookieStore().getCookies()) {
            to.cookies.getCookieStore().add(to.base.resolve("/hub/"), c);
        }
    }

    /** A redirect login whose "provider" accepts any code as the user's name, checking the nonce it kept. */
    static final class FakeProvider implements Authenticator, RedirectLogin {
        static final Map<String, Integer> completed = new ConcurrentHashMap<>();
        private final String id;
        private final String label;

        FakeProvider(String id, String label) {
            this.id = id;
            this.label = label;
        }

        @Override
        public CompletionStage<AuthResult> authenticate(Credentials credentials) {
            return CompletableFuture.completedFuture(AuthResult.refused());
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String loginLabel() {
            return label;
        }

        @Override
        public AccessRules accessRules() {
            return AccessRules.allowAllUsers();
        }

        @Override
        public Optional<RedirectLogin> redirectLogin() {
            return Optional.of(this);
        }

        @Override
        public Redirect begin(Start start) {
            String nonce = "n-" + start.state().substring(0, 8);
            return new Redirect(URI.create("https://provider.invalid/authorize?state=" + start.state() + "&nonce=" + nonce
                    + "&redirect_uri=" + TestHub.enc(start.callbackUrl().toString())), Map.of("nonce", nonce));
        }

        @Override
        public CompletionStage<AuthResult> complete(Callback callback) {
            String code = callback.parameters().get("code");
            completed.merge(code, 1, Integer::sum);
            String nonce = callback.kept().get("nonce");
            boolean ok = nonce != null && nonce.equals("n-" + callback.parameters().get("state").substring(0, 8))
                    && callback.callbackUrl().getPath().equals("/hub/oauth_callback");
            return CompletableFuture.completedFuture(ok
                    ? new AuthResult(true, code, Optional.empty(), Set.of("provided"), Map.of("token", "t-" + code))
                    : AuthResult.refused());
        }

        @Override
        public CompletionStage<RefreshResult> refresh(UserInfo user) {
            // Answers later, as a provider over the network does: a request that does not wait sees the old state.
            return CompletableFuture.supplyAsync(() -> REVOKED.contains(user.name())
                    ? RefreshResult.refused("revoked at the provider")
                    : RefreshResult.updated(new AuthResult(true, user.name(), Optional.empty(), Set.of("provided", "refreshed"),
                            Map.of("token", "t2-" + user.name()))),
                    CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
        }

        @Override
        public Optional<URI> logoutRedirect(UserInfo user, URI afterLogout) {
            return Optional.of(URI.create("https://provider.invalid/logout?user=" + user.name() + "&back=" + afterLogout));
        }
    }
}
