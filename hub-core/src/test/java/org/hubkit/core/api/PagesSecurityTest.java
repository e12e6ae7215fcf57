package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.json;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The login form, the login cookie, redirects after login, XSRF on cookie-authenticated API calls, and logs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class PagesSecurityTest extends HubApiTestBase {
    final HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private HttpResponse<String> withCookie(String path, String loginCookie) throws Exception {
        return plain.send(HttpRequest.newBuilder(hub.base.resolve(path)).header("Cookie", "jupyterhub-hub-login=" + loginCookie)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String loginCookieHeader(HttpResponse<String> r) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("jupyterhub-hub-login=")).findFirst()
                .orElse(null);
    }

    @Test
    void aWrongPasswordAnswers403InvalidUsernameOrPassword() throws Exception {
        Browser b = new Browser(hub.base);
        HttpResponse<String> r = b.login("mallory", "not the password");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("Invalid username or password");
        assertThat(loginCookieHeader(r)).isNull();
        assertThat(b.cookie("jupyterhub-hub-login")).isEmpty();
        assertThat(b.login("mallory", "").statusCode()).as("empty password").isEqualTo(403);
        assertThat(hub.admin("GET", "/users/mallory", null).statusCode()).as("no user was created").isEqualTo(404);
    }

    @Test
    void aLoginPostWithoutAMatchingXsrfTokenIsRefused() throws Exception {
        Browser b = new Browser(hub.base);
        assertThat(b.get("/hub/login").statusCode()).isEqualTo(200);
        String creds = "username=xsrfuser&password=" + TestHub.enc(TestHub.PASSWORD);
        HttpResponse<String> without = b.postForm("/hub/login", creds);
        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(loginCookieHeader(without)).isNull();
        HttpResponse<String> wrong = b.postForm("/hub/login", creds + "&_xsrf=" + "0".repeat(64));
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(loginCookieHeader(wrong)).isNull();
        // A form from another site has no cookie at all.
        HttpResponse<String> noCookie = plain.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(creds + "&_xsrf=abc")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noCookie.statusCode()).isEqualTo(403);
        assertThat(loginCookieHeader(noCookie)).isNull();

        String xsrf = b.cookie("_xsrf").orElseThrow();
        HttpResponse<String> right = b.postForm("/hub/login", creds + "&_xsrf=" + xsrf);
        assertThat(right.statusCode()).as("the same form with the token works").isEqualTo(302);
    }

    @Test
    void theLoginCookieIsHttpOnlySameSiteAndScopedToTheHub() throws Exception {
        HttpResponse<String> r = new Browser(hub.base).login("cookiemonster", TestHub.PASSWORD);
        assertThat(r.statusCode()).isEqualTo(302);
        String cookie = loginCookieHeader(r);
        assertThat(cookie).isNotNull();
        List<String> attributes = Arrays.stream(cookie.split(";")).map(String::strip).toList();
        assertThat(attributes).anySatisfy(a -> assertThat(a).isEqualToIgnoringCase("HttpOnly"));
        assertThat(attributes).anySatisfy(a -> assertThat(a).matches("(?i)SameSite=(Lax|Strict)"));
        assertThat(attributes).contains("Path=/hub/");
        assertThat(attributes).noneMatch(a -> a.toLowerCase().startsWith("domain="));
        String value = cookie.substring("jupyterhub-hub-login=".length(), cookie.indexOf(';'));
        assertThat(value).as("the cookie is not the user name").doesNotContain("cookiemonster");
    }

    @Test
    void nextNeverLeadsOffTheHub() throws Exception {
        List<String> evil = List.of("//evil.example", "//evil.example/hub/", "https://evil.example", "http://evil.example/",
                "/\\evil.example", "\\\\evil.example", "///evil.example", "/\\/evil.example", "https:evil.example",
                "javascript:alert(1)", " //evil.example", "/\t/evil.example");
        for (String next : evil) {
            HttpResponse<String> r = new Browser(hub.base).login("nexter", TestHub.PASSWORD, next);
            assertThat(r.statusCode()).as(next).isEqualTo(302);
            assertStaysOnTheHub(next, r.headers().firstValue("Location").orElseThrow());
        }
        Browser b = new Browser(hub.base).loggedInAs("nexter");
        // Already logged in: GET /hub/login?next=... redirects at once.
        for (String next : evil) {
            HttpResponse<String> r = b.get("/hub/login?next=" + TestHub.enc(next));
            assertThat(r.statusCode()).as(next).isEqualTo(302);
            assertStaysOnTheHub(next, r.headers().firstValue("Location").orElseThrow());
        }
        // A path on the hub is followed, so the checks above are not vacuous.
        HttpResponse<String> good = b.get("/hub/login?next=" + TestHub.enc("/hub/home?tab=1"));
        assertThat(good.headers().firstValue("Location")).contains("/hub/home?tab=1");
    }

    private void assertStaysOnTheHub(String next, String location) {
        assertThat(location).as("next=%s", next).startsWith("/").doesNotStartWith("//").doesNotContain("\\")
                .doesNotContain("evil.example");
        URI resolved = hub.base.resolve(location);
        assertThat(resolved.getHost()).as("next=%s", next).isEqualTo(hub.base.getHost());
        assertThat(resolved.getPort()).isEqualTo(hub.base.getPort());
    }

    @Test
    void aTamperedLoginCookieIsIgnored() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("tamper");
        String good = b.cookie("jupyterhub-hub-login").orElseThrow();
        assertThat(withCookie("/hub/api/user", good).statusCode()).as("the untouched cookie works").isEqualTo(200);

        String[] parts = good.split("\\|");
        assertThat(parts).hasSize(3);
        char last = good.charAt(good.length() - 1);
        List<String> tampered = List.of(
                good.substring(0, good.length() - 1) + (last == 'A' ? 'B' : 'A'),
                flip(parts[0]) + "|" + parts[1] + "|" + parts[2],
                parts[0] + "|" + (Long.parseLong(parts[1]) + 86_400) + "|" + parts[2],
                parts[0] + "|" + parts[1] + "|",
                parts[0] + "|" + parts[1],
                parts[0],
                "tamper");
        for (String cookie : tampered) {
            HttpResponse<String> api = withCookie("/hub/api/user", cookie);
            assertThat(api.statusCode()).as(cookie).isEqualTo(403);
            HttpResponse<String> home = withCookie("/hub/home", cookie);
            assertThat(home.statusCode()).as(cookie).isEqualTo(302);
            assertThat(home.headers().firstValue("Location").orElseThrow()).startsWith("/hub/login");
        }
    }

    private static String flip(String s) {
        char c = s.charAt(0);
        return (c == 'a' ? 'b' : 'a') + s.substring(1);
    }

    @Test
    void logoutClearsTheLoginCookieAndEndsTheSession() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("leaver");
        String cookie = b.cookie("jupyterhub-hub-login").orElseThrow();
        HttpResponse<String> r = b.get("/hub/logout");
        List<String> cleared = r.headers().allValues("Set-Cookie");
        assertThat(cleared).anySatisfy(c -> assertThat(c).startsWith("jupyterhub-hub-login=;").containsIgnoringCase("Max-Age=0")
                .contains("Path=/hub/"));
        assertThat(withCookie("/hub/api/user", cookie).statusCode()).as("the old cookie, replayed").isEqualTo(403);
        assertThat(b.get("/hub/home").headers().firstValue("Location").orElseThrow()).startsWith("/hub/login");
    }

    @Test
    void aCookieAuthenticatedApiPostNeedsTheXsrfHeader() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("formuser");
        String xsrf = b.cookie("_xsrf").orElseThrow();

        HttpResponse<String> read = b.api("GET", "/user", null);
        assertThat(read.statusCode()).as("reads need no XSRF header").isEqualTo(200);
        assertThat(json(read)).containsEntry("name", "formuser");

        HttpResponse<String> without = b.api("POST", "/users/formuser/tokens", "{}", "Content-Type", "application/json");
        assertThat(without.statusCode()).isEqualTo(403);
        HttpResponse<String> wrong = b.api("POST", "/users/formuser/tokens", "{}", "X-XSRFToken", "f".repeat(64));
        assertThat(wrong.statusCode()).isEqualTo(403);
        HttpResponse<String> delete = b.api("DELETE", "/users/formuser/server", null);
        assertThat(delete.statusCode()).as("DELETE needs it too").isEqualTo(403);
        int tokens = ((List<?>) json(hub.admin("GET", "/users/formuser/tokens", null)).get("api_tokens")).size();
        assertThat(tokens).as("nothing was created").isZero();

        HttpResponse<String> with = b.api("POST", "/users/formuser/tokens", "{}", "X-XSRFToken", xsrf);
        assertThat(with.statusCode()).as(with.body()).isEqualTo(201);
        assertThat(json(with)).containsKey("token");
    }

    @Test
    void theHubNeverLogsTokensOrPasswords() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger hubkit = (Logger) LoggerFactory.getLogger("org.hubkit");
        Level before = hubkit.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.setContext(root.getLoggerContext());
        logs.start();
        root.addAppender(logs);
        hubkit.setLevel(Level.DEBUG);
        List<String> secrets = new ArrayList<>();
        try {
            String wrongPassword = "wrong-" + TestHub.PASSWORD;
            assertThat(new Browser(hub.base).login("logged", wrongPassword).statusCode()).isEqualTo(403);
            secrets.add(wrongPassword);
            Browser b = new Browser(hub.base).loggedInAs("logged");
            secrets.add(TestHub.PASSWORD);
            String loginCookie = b.cookie("jupyterhub-hub-login").orElseThrow();
            secrets.add(loginCookie);
            secrets.add(loginCookie.split("\\|")[0]);
            secrets.add(b.cookie("_xsrf").orElseThrow());

            HttpResponse<String> made = hub.admin("POST", "/users/logged/tokens", Map.of("note", "for logs"));
            assertThat(made.statusCode()).isEqualTo(201);
            String token = (String) json(made).get("token");
            secrets.add(token);
            assertThat(hub.api("GET", "/user", token, null).statusCode()).isEqualTo(200);
            assertThat(hub.api("GET", "/user", token + "0", null).statusCode()).isEqualTo(403);
            secrets.add(token + "0");
            secrets.add(hub.adminToken);

            hub.startServer("logged");
            String serverToken = hub.serverEnv("logged").get("JUPYTERHUB_API_TOKEN");
            secrets.add(serverToken);
            assertThat(hub.api("POST", "/users/logged/activity", serverToken,
                    Map.of("last_activity", java.time.Instant.now().toString())).statusCode()).isEqualTo(200);

            HttpResponse<String> authorize = b.get("/hub/api/oauth2/authorize?client_id=jupyterhub-user-logged"
                    + "&redirect_uri=%2Fuser%2Flogged%2Foauth_callback&response_type=code&state=s");
            assertThat(authorize.statusCode()).isEqualTo(302);
            String code = OAuthProviderTest.query(authorize.headers().firstValue("Location").orElseThrow()).get("code");
            secrets.add(code);
            HttpResponse<String> exchanged = hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
                            "client_id=jupyterhub-user-logged&client_secret=" + serverToken + "&grant_type=authorization_code&code="
                                    + code + "&redirect_uri=%2Fuser%2Flogged%2Foauth_callback")));
            assertThat(exchanged.statusCode()).isEqualTo(200);
            secrets.add((String) json(exchanged).get("access_token"));
            assertThat(hub.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/oauth2/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(
                            "client_id=jupyterhub-user-logged&client_secret=" + serverToken + "x&grant_type=authorization_code&code="
                                    + code + "&redirect_uri=%2Fuser%2Flogged%2Foauth_callback"))).statusCode()).isEqualTo(401);
            secrets.add(serverToken + "x");

            assertThat(hub.admin("DELETE", "/users/logged/server", null).statusCode()).isEqualTo(204);
            assertThat(b.get("/hub/logout").statusCode()).isEqualTo(302);
        } finally {
            root.detachAppender(logs);
            hubkit.setLevel(before);
        }
        List<String> lines;
        synchronized (logs) {
            lines = logs.list.stream().map(PagesSecurityTest::describe).toList();
        }
        assertThat(lines).as("the capture works").anyMatch(l -> l.contains("logged in"))
                .anyMatch(l -> l.contains("Spawning server") || l.contains("is ready"));
        for (String secret : secrets) {
            assertThat(secret).isNotBlank();
            assertThat(lines).as("a log line holds a secret").noneMatch(l -> l.contains(secret));
        }
    }

    private static String describe(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getLoggerName()).append(' ').append(e.getThreadName()).append(' ')
                .append(e.getFormattedMessage()).append(' ').append(e.getMDCPropertyMap());
        if (e.getArgumentArray() != null) {
            for (Object a : e.getArgumentArray()) {
                b.append(' ').append(a);
            }
        }
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }
}
