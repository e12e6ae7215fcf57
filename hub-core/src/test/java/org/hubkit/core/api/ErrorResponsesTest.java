package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.core.api.TestHub.body;
import static org.hubkit.core.api.TestHub.json;

import ch.qos.logback.classic.Level;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors never show internals: the API answers JupyterHub's {@code {"status", "message"}} with a
 * 4xx for bad input and a bare 500 for a bug, pages answer a short page, and nothing carries a
 * stack trace, an exception's message or Jetty's name and version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ErrorResponsesTest {
    /** A user name for which the authenticator throws, standing in for a bug anywhere behind a servlet. */
    static final String EXPLODE = "explode";
    static final String INTERNALS = "internal detail at com.example.Secret line 42";
    TestHub hub;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        hub = TestHub.start(dir, b -> b.authenticator(new ExplodingAuthenticator()));
    }

    @AfterAll
    void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    /**
     * Delegates to the shared password, but throws (as a bug would) for names holding
     * {@link #EXPLODE}: an {@link AssertionError} for those holding {@code error} (an
     * {@code Error} gets past the servlets to Jetty), else an {@link IllegalStateException}.
     */
    static final class ExplodingAuthenticator implements Authenticator {
        final Authenticator delegate = SharedPasswordAuthenticator.builder().password(TestHub.PASSWORD)
                .accessRules(AccessRules.allowAllUsers()).build();

        @Override
        public CompletionStage<AuthResult> authenticate(Credentials credentials) {
            explodeFor(credentials.username());
            return delegate.authenticate(credentials);
        }

        @Override
        public String normalizeUsername(String name) {
            explodeFor(name);
            return delegate.normalizeUsername(name);
        }

        private static void explodeFor(String name) {
            if (name.contains(EXPLODE + "-error")) {
                throw new AssertionError(INTERNALS);
            }
            if (name.contains(EXPLODE)) {
                throw new IllegalStateException(INTERNALS);
            }
        }

        @Override
        public AccessRules accessRules() {
            return delegate.accessRules();
        }
    }

    private static void assertNoInternals(HttpResponse<String> r) {
        assertThat(r.body()).as(r.body()).doesNotContainIgnoringCase("jetty").doesNotContain(INTERNALS)
                .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("at org.");
        assertThat(r.headers().firstValue("Server")).as("no Server header").isEmpty();
        assertThat(r.headers().firstValue("X-Powered-By")).isEmpty();
    }

    private static void assertJsonError(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(r.uri() + " " + r.request().method() + " " + r.body())
                .startsWith("application/json");
        Map<String, Object> error = json(r);
        assertThat(error).containsOnlyKeys("status", "message").containsEntry("status", status);
        assertThat(error.get("message")).isInstanceOf(String.class);
        assertNoInternals(r);
    }

    private List<Object> tokensOf(String user) throws Exception {
        return TestHub.list(json(hub.admin("GET", "/users/" + user + "/tokens", null)).get("api_tokens"));
    }

    @Test
    void anExpiresInThatIsNotAPositiveFiniteNumberOfAtMostTenYearsIs400() throws Exception {
        hub.ensureUser("expiring", false);
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("9e18", "{\"expires_in\": 9e18}");
        bodies.put("1e30", "{\"expires_in\": 1e30}");
        bodies.put("a huge integer", "{\"expires_in\": 123456789012345678901234567890}");
        bodies.put("Long.MAX_VALUE", "{\"expires_in\": 9223372036854775807}");
        bodies.put("eleven years", "{\"expires_in\": " + 11L * 366 * 86_400 + "}");
        bodies.put("-1", "{\"expires_in\": -1}");
        bodies.put("0", "{\"expires_in\": 0}");
        bodies.put("a string", "{\"expires_in\": \"3600\"}");
        bodies.put("a boolean", "{\"expires_in\": true}");
        bodies.put("a list", "{\"expires_in\": [3600]}");
        for (var b : bodies.entrySet()) {
            HttpResponse<String> r = hub.admin("POST", "/users/expiring/tokens", b.getValue());
            assertJsonError(r, 400);
            assertThat(json(r).get("message").toString()).as(b.getKey()).contains("expires_in");
        }
        assertThat(tokensOf("expiring")).as("no token was made").isEmpty();

        HttpResponse<String> ok = hub.admin("POST", "/users/expiring/tokens", body("expires_in", 10L * 365 * 86_400));
        assertThat(ok.statusCode()).as("ten years is fine: " + ok.body()).isEqualTo(201);
        assertThat(json(ok).get("expires_at")).isNotNull();
    }

    @Test
    void aNoteLongerThanJupyterHubsColumnIs400AndOneThatFitsIsKeptWhole() throws Exception {
        hub.ensureUser("noted", false);
        assertJsonError(hub.admin("POST", "/users/noted/tokens", body("note", "n".repeat(900_000))), 400);
        assertJsonError(hub.admin("POST", "/users/noted/tokens", body("note", "n".repeat(1024))), 400);
        assertJsonError(hub.admin("POST", "/users/noted/tokens", body("note", List.of("a list"))), 400);
        assertJsonError(hub.admin("POST", "/users/noted/tokens", body("note", "nul\u0000inside")), 400);
        assertThat(tokensOf("noted")).isEmpty();

        String longest = "é".repeat(1023);
        HttpResponse<String> ok = hub.admin("POST", "/users/noted/tokens", body("note", longest));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(json(ok)).containsEntry("note", longest);
        assertThat(tokensOf("noted")).singleElement().satisfies(t -> assertThat(TestHub.map(t)).containsEntry("note", longest));
    }

    @Test
    void aBugBehindTheApiIsAGeneric500AndItsTraceGoesToTheLogOnly() throws Exception {
        HttpResponse<String> r;
        List<String> logged;
        try (LogCapture logs = new LogCapture("org.hubkit", Level.INFO)) {
            r = hub.admin("POST", "/users/" + EXPLODE, null);
            logged = logs.messages();
        }
        assertJsonError(r, 500);
        assertThat(json(r)).containsEntry("message", "Internal Server Error");
        assertThat(logged).anyMatch(l -> l.contains("POST /hub/api/users/explode failed") && l.contains(INTERNALS));
    }

    @Test
    void aBugBehindAPageIsAShortPageWithoutTheTrace() throws Exception {
        HttpResponse<String> r = new Browser(hub.base).login(EXPLODE, TestHub.PASSWORD);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(r.body()).contains("Something went wrong");
        assertNoInternals(r);
    }

    @Test
    void anErrorThatGetsPastTheServletsIsStillJsonUnderTheApiAndAShortPageElsewhere() throws Exception {
        HttpResponse<String> api = hub.admin("POST", "/users/" + EXPLODE + "-error", null);
        assertJsonError(api, 500);
        HttpResponse<String> page = new Browser(hub.base).login(EXPLODE + "-error", TestHub.PASSWORD);
        assertThat(page.statusCode()).isEqualTo(500);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("500");
        assertNoInternals(page);
    }

    @Test
    void noResponseNamesTheServerSoftware() throws Exception {
        URI direct = URI.create("http://127.0.0.1:" + hub.hub.port());
        for (String path : List.of("/hub/api/", "/hub/login", "/hub/api/users", "/hub/nothing-here", "/elsewhere")) {
            for (URI base : List.of(hub.base, direct)) {
                HttpResponse<String> r = hub.send(HttpRequest.newBuilder(base.resolve(path)).GET());
                assertThat(r.headers().firstValue("Server")).as(base + path).isEmpty();
                assertThat(r.body()).as(base + path).doesNotContainIgnoringCase("jetty");
            }
        }
    }

    @Test
    void aRequestJettyRefusesAndHangsUpOnSaysSoSoTheProxyDoesNotReuseTheConnection() throws Exception {
        // Jetty closes the connection after refusing a NUL in the path without saying so in its answer.
        try (Socket s = new Socket("127.0.0.1", hub.hub.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /hub/api/users/nul%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").containsIgnoringCase("\r\nConnection: close\r\n");
        }
        // Through the proxy, which keeps connections to the hub: a POST after such an answer is not lost.
        for (int i = 0; i < 20; i++) {
            assertJsonError(hub.admin("POST", "/users/nul%00", "{}"), 400);
            HttpResponse<String> next = hub.admin("POST", "/users", "{");
            assertThat(next.statusCode()).as("round %d: %s", i, next.body()).isEqualTo(400);
        }
    }

    @Test
    void requestsJettyRefusesBeforeRoutingGetTheJsonErrorWithoutInternals() throws Exception {
        URI direct = URI.create("http://127.0.0.1:" + hub.hub.port());
        // An encoded '/' in a path segment is ambiguous: Jetty refuses it before any servlet runs.
        for (URI base : List.of(hub.base, direct)) {
            for (String method : List.of("GET", "POST", "DELETE", "PATCH")) {
                HttpResponse<String> api = hub.send(HttpRequest.newBuilder(base.resolve("/hub/api/users/a%2Fb"))
                        .header("Authorization", "token " + hub.adminToken)
                        .method(method, HttpRequest.BodyPublishers.ofString("{}")));
                assertJsonError(api, 400);
            }
            // Jetty tells its error handler nothing about a request it refuses before routing, not even the path.
            HttpResponse<String> page = hub.send(HttpRequest.newBuilder(base.resolve("/hub/spawn/a%2Fb"))
                    .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").GET());
            assertJsonError(page, 400);
        }
        // Headers too large for Jetty: refused by the server itself, before any context.
        HttpResponse<String> big = hub.send(HttpRequest.newBuilder(direct.resolve("/hub/api/users"))
                .header("X-Big", "b".repeat(20_000)).GET());
        assertJsonError(big, 431);
    }
}
