package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /hub/spawn[/user[/server]]} starts a server, as in JupyterHub, when the user comes
 * from the hub's own pages (or types the address); from another site, whose link brings the
 * {@code SameSite=Lax} login cookie along, it only shows a "Start server" form, which POSTs with
 * the {@code _xsrf} token. So an admin lured to a link does not create servers for anyone.
 */
@Timeout(90)
class SpawnLinkTest extends HubApiTestBase {
    private static final Pattern FORM = Pattern.compile("<form method=\"post\" action=\"([^\"]+)\">"
            + "<input type=\"hidden\" name=\"_xsrf\" value=\"([^\"]+)\">");

    private HttpResponse<String> get(Browser b, String path, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(hub.base.resolve(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return b.send(r);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> servers(String user) throws Exception {
        return (Map<String, Object>) hub.user(user).get("servers");
    }

    @Test
    void aLinkFromAnotherSiteShowsAStartFormAndStartsNothing() throws Exception {
        hub.ensureUser("lured", true);
        hub.ensureUser("victim", false);
        Browser admin = new Browser(hub.base).loggedInAs("lured");
        String[][] foreign = {
            {"Sec-Fetch-Site", "cross-site"},
            {"Sec-Fetch-Site", "same-site"},
            {"Referer", "https://attacker.example/page"},
            {"Origin", "https://attacker.example"},
        };
        for (String[] h : foreign) {
            HttpResponse<String> r = get(admin, "/hub/spawn/victim/planted", h);
            assertThat(r.statusCode()).as("%s: %s", h[0] + ": " + h[1], r.body()).isEqualTo(200);
            assertThat(r.body()).contains("Start server").contains("server planted of victim");
            Matcher form = FORM.matcher(r.body());
            assertThat(form.find()).as(r.body()).isTrue();
            assertThat(form.group(1)).isEqualTo("/hub/spawn/victim/planted");
            assertThat(form.group(2)).isEqualTo(admin.cookie("_xsrf").orElseThrow());
        }
        assertThat(servers("victim")).as("no server was created for the victim").isEmpty();

        // The form, submitted from the hub's own page, starts it.
        String xsrf = admin.cookie("_xsrf").orElseThrow();
        HttpResponse<String> confirmed = admin.send(HttpRequest.newBuilder(hub.base.resolve("/hub/spawn/victim/planted"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Sec-Fetch-Site", "same-origin")
                .header("Origin", hub.base.toString()).POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + TestHub.enc(xsrf))));
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
        assertThat(servers("victim")).containsKey("planted");

        // Without its token (a form on the attacker's page) the POST is refused, as before.
        HttpResponse<String> forged = admin.send(HttpRequest.newBuilder(hub.base.resolve("/hub/spawn/victim/other"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + TestHub.enc(xsrf))));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(servers("victim")).doesNotContainKey("other");
    }

    @Test
    void aLinkFromTheHubsOwnPagesStillStartsTheServer() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("ownlink");
        HttpResponse<String> fromHome = get(b, "/hub/spawn/ownlink/a", "Sec-Fetch-Site", "same-origin",
                "Referer", hub.base.resolve("/hub/home").toString());
        assertThat(fromHome.statusCode()).as(fromHome.body()).isEqualTo(302);
        assertThat(servers("ownlink")).containsKey("a");

        HttpResponse<String> typed = get(b, "/hub/spawn/ownlink/b", "Sec-Fetch-Site", "none");
        assertThat(typed.statusCode()).as(typed.body()).isEqualTo(302);
        HttpResponse<String> olderBrowser = get(b, "/hub/spawn/ownlink/c", "Referer", hub.base.resolve("/hub/home").toString());
        assertThat(olderBrowser.statusCode()).as(olderBrowser.body()).isEqualTo(302);
        assertThat(servers("ownlink")).containsKeys("b", "c");
    }
}
