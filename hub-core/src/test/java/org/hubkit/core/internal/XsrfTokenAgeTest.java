package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A page reuses the browser's {@code _xsrf} token while it is young, and replaces it once it is
 * past half of its 14-day life, so that a form is never served with a token about to expire. The
 * pages run on a bare Jetty over an {@link EngineFixture}, whose cookie secret the test signs with.
 */
@Timeout(60)
class XsrfTokenAgeTest {
    @TempDir
    Path dir;
    EngineFixture fixture;
    Server server;
    URI base;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void start() throws Exception {
        fixture = new EngineFixture(dir, s -> s);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder bodies = new FilterHolder(new BodyReader(1 << 20, 64 << 10, 64L << 20, Duration.ofSeconds(10)));
        bodies.setAsyncSupported(true);
        context.addFilter(bodies, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder pages = new ServletHolder(new PagesServlet(fixture.engine));
        pages.setAsyncSupported(true);
        context.addServlet(pages, "/*");
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private HttpResponse<String> get(String path, String cookies) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Cookie", cookies).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<String> setCookie(HttpResponse<String> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(name.length() + 1, c.indexOf(';'))).findFirst();
    }

    /** A logged-in session's cookie, made as the login does; returns the cookie and the binding its tokens have. */
    private String[] session(String user) {
        UserState u = fixture.user(user);
        String sessionId = fixture.engine.createSession(u);
        String cookie = Web.signedValue(fixture.engine.cookieSecret, sessionId, Instant.now().plus(Duration.ofDays(1)));
        return new String[] {Web.LOGIN_COOKIE + "=" + cookie, Xsrf.sessionBinding(sessionId)};
    }

    @Test
    void aTokenPastHalfItsMaxAgeIsReplacedAndAYoungerOneKept() throws Exception {
        String[] s = session("ageing");
        String secret = fixture.engine.cookieSecret;
        String young = Xsrf.token(secret, s[1], Instant.now().minus(Duration.ofDays(6)));
        String old = Xsrf.token(secret, s[1], Instant.now().minus(Duration.ofDays(8)));
        assertThat(Xsrf.valid(secret, s[1], old)).as("still valid: 8 of 14 days").isTrue();

        HttpResponse<String> keep = get("/hub/home", s[0] + "; _xsrf=" + young);
        assertThat(keep.statusCode()).isEqualTo(200);
        assertThat(setCookie(keep, Web.XSRF_COOKIE)).as("a 6-day-old token is kept").isEmpty();

        HttpResponse<String> renew = get("/hub/home", s[0] + "; _xsrf=" + old);
        assertThat(renew.statusCode()).isEqualTo(200);
        String fresh = setCookie(renew, Web.XSRF_COOKIE).orElseThrow(() -> new AssertionError("no new _xsrf for an 8-day-old one"));
        assertThat(fresh).isNotEqualTo(old);
        assertThat(Xsrf.valid(secret, s[1], fresh)).isTrue();
        assertThat(Long.parseLong(fresh.substring(0, fresh.indexOf('.')), 36))
                .as("issued now").isGreaterThan(Instant.now().minus(Duration.ofMinutes(1)).getEpochSecond());
    }
}
