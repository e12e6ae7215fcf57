package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * XSRF tokens are bound to the browser's session (the class of GHSA-7r3h-4ph8-w38g, fixed in
 * JupyterHub 4.1): a value the attacker chose and planted as the {@code _xsrf} cookie, a token
 * from before login, or another session's token are all refused; cookie-authenticated writes
 * from another origin are refused too.
 */
@Timeout(60)
class XsrfBindingTest extends HubApiTestBase {
    private static HttpResponse<String> createToken(Browser b, String user, String... headers) throws Exception {
        return b.api("POST", "/users/" + user + "/tokens", "{}", headers);
    }

    private int tokenCount(String user) throws Exception {
        return ((List<?>) TestHub.json(hub.admin("GET", "/users/" + user + "/tokens", null)).get("api_tokens")).size();
    }

    @Test
    void aPlantedCookieMatchingTheHeaderIsNotEnough() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("planted");
        // The old check only compared cookie and header: an attacker who can set cookies picks both.
        String chosen = "a".repeat(64);
        // Sent without the browser's cookie jar, so the planted pair is all the hub sees.
        HttpResponse<String> r = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/users/planted/tokens"))
                .header("Cookie", "jupyterhub-hub-login=" + b.cookie("jupyterhub-hub-login").orElseThrow() + "; _xsrf=" + chosen)
                .header("X-XSRFToken", chosen).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(tokenCount("planted")).isZero();
    }

    @Test
    void theTokenFromBeforeLoginIsWorthlessAfterIt() throws Exception {
        Browser b = new Browser(hub.base);
        assertThat(b.get("/hub/login").statusCode()).isEqualTo(200);
        String beforeLogin = b.cookie("_xsrf").orElseThrow();
        HttpResponse<String> login = b.login("rotated", TestHub.PASSWORD);
        assertThat(login.statusCode()).isEqualTo(302);
        String afterLogin = b.cookie("_xsrf").orElseThrow();
        assertThat(afterLogin).as("a new token at login").isNotEqualTo(beforeLogin);

        assertThat(createToken(b, "rotated", "X-XSRFToken", beforeLogin).statusCode()).isEqualTo(403);
        assertThat(createToken(b, "rotated", "X-XSRFToken", afterLogin).statusCode()).isEqualTo(201);
    }

    @Test
    void anotherSessionsTokenIsRefused() throws Exception {
        Browser mallory = new Browser(hub.base).loggedInAs("mallory");
        Browser victim = new Browser(hub.base).loggedInAs("victim");
        String mallorysToken = mallory.cookie("_xsrf").orElseThrow();
        HttpResponse<String> r = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/users/victim/tokens"))
                .header("Cookie", "jupyterhub-hub-login=" + victim.cookie("jupyterhub-hub-login").orElseThrow()
                        + "; _xsrf=" + mallorysToken)
                .header("X-XSRFToken", mallorysToken).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(tokenCount("victim")).isZero();
    }

    @Test
    void aLoginFormPostedWithAPlantedTokenIsRefused() throws Exception {
        Browser b = new Browser(hub.base);
        String chosen = "b".repeat(64);
        HttpResponse<String> r = b.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", "_xsrf=" + chosen)
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + chosen + "&username=forged&password="
                        + TestHub.enc(TestHub.PASSWORD))));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(b.cookie("jupyterhub-hub-login")).isEmpty();
    }

    /** The {@code _xsrf} token the login form sets for a browser that sends {@code cookies}. */
    private String tokenFromTheLoginForm(String cookies) throws Exception {
        HttpResponse<String> form = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login")).header("Cookie", cookies).GET());
        assertThat(form.statusCode()).isEqualTo(200);
        return form.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("_xsrf="))
                .map(c -> c.substring("_xsrf=".length(), c.indexOf(';'))).findFirst().orElseThrow();
    }

    @Test
    void aBrowserIdTheHubDidNotIssueGetsNoTokenThatLogsIn() throws Exception {
        // An attacker who can plant cookies (a sibling subdomain) picks a browser id, fetches the
        // login form's token for it from their own client, then plants both in the victim's browser
        // and has it post the login form with the attacker's credentials (a login CSRF).
        for (String planted : List.of("c".repeat(64), "d".repeat(64) + ".forged-signature", "e".repeat(64) + ".")) {
            String cookies = "hubkit-browser=" + planted;
            String token = tokenFromTheLoginForm(cookies);
            HttpResponse<String> r = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Cookie", cookies + "; _xsrf=" + token)
                    .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + TestHub.enc(token) + "&username=attacker&password="
                            + TestHub.enc(TestHub.PASSWORD))));
            assertThat(r.statusCode()).as(planted).isEqualTo(403);
            assertThat(r.headers().allValues("Set-Cookie")).as(planted).noneMatch(c -> c.startsWith("jupyterhub-hub-login="));
        }
        // What the hub issues instead is a signed id, and with it the same steps work, even with a
        // planted one (with a narrower path, say) sent ahead of it.
        HttpResponse<String> form = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                .header("Cookie", "hubkit-browser=" + "c".repeat(64)).GET());
        String issued = form.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("hubkit-browser="))
                .map(c -> c.substring("hubkit-browser=".length(), c.indexOf(';'))).findFirst()
                .orElseThrow(() -> new AssertionError("no fresh browser id for a planted one"));
        assertThat(issued).isNotEqualTo("c".repeat(64)).contains(".");
        String token = tokenFromTheLoginForm("hubkit-browser=" + issued);
        HttpResponse<String> ok = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", "hubkit-browser=" + "c".repeat(64) + "; hubkit-browser=" + issued + "; _xsrf=" + token)
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + TestHub.enc(token) + "&username=signed&password="
                        + TestHub.enc(TestHub.PASSWORD))));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(302);
    }

    @Test
    void cookieWritesFromAnotherOriginAreRefusedEvenWithTheRightToken() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("origins");
        String xsrf = b.cookie("_xsrf").orElseThrow();
        assertThat(createToken(b, "origins", "X-XSRFToken", xsrf, "Origin", "https://evil.example").statusCode()).isEqualTo(403);
        assertThat(createToken(b, "origins", "X-XSRFToken", xsrf, "Origin", "null").statusCode()).isEqualTo(403);
        assertThat(createToken(b, "origins", "X-XSRFToken", xsrf, "Sec-Fetch-Site", "cross-site").statusCode()).isEqualTo(403);
        assertThat(createToken(b, "origins", "X-XSRFToken", xsrf, "Sec-Fetch-Site", "same-site").statusCode()).isEqualTo(403);
        assertThat(tokenCount("origins")).isZero();
        assertThat(createToken(b, "origins", "X-XSRFToken", xsrf, "Origin", hub.base.toString().replaceAll("/$", ""),
                "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(201);
    }

    @Test
    void tokenAuthenticatedCallsNeedNoXsrf() throws Exception {
        String token = hub.userToken("tokenuser");
        HttpResponse<String> r = hub.api("POST", "/users/tokenuser/tokens", token, java.util.Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
}
