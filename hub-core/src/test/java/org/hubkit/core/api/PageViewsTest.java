package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Viewing pages never starts a server: a browser's automatic {@code /favicon.ico} is served, an
 * unknown path is 404, the hub's root goes to the home page, and a stopped server's URL shows
 * JupyterHub's "not running" page with a button. (Before: favicon -> /hub/ -> /hub/spawn, which
 * spawned, so "Stop My Server" was undone by the next page view.)
 */
@Timeout(60)
class PageViewsTest extends HubApiTestBase {
    @Test
    void theFaviconIsServedAtTheRootAndUnderTheHub() throws Exception {
        for (String path : new String[] {"/favicon.ico", "/hub/favicon.ico", "/hub/static/favicon.ico"}) {
            HttpResponse<String> r = new Browser(hub.base).get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("image/");
        }
    }

    @Test
    void unknownTopLevelPathsAre404NotARedirectIntoTheHub() throws Exception {
        for (String path : new String[] {"/robots.txt", "/apple-touch-icon.png", "/nothing/here", "/hubx"}) {
            HttpResponse<String> r = new Browser(hub.base).loggedInAs("viewer").get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).doesNotContain("Jetty");
        }
    }

    @Test
    void viewingPagesAfterStoppingTheServerDoesNotStartItAgain() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("stopper");
        hub.startServer("stopper");
        assertThat(hub.admin("DELETE", "/users/stopper/server", null).statusCode()).isEqualTo(204);
        hub.awaitNoServer("stopper");

        // What a browser does on the next page views, redirects followed by hand.
        for (String path : new String[] {"/favicon.ico", "/", "/hub/", "/hub/home", "/user/stopper/tree", "/hub/user/stopper/"}) {
            String next = path;
            for (int hop = 0; hop < 5 && next != null; hop++) {
                HttpResponse<String> r = b.get(next);
                assertThat(r.statusCode()).as(next).isLessThan(500);
                next = r.statusCode() / 100 == 3 ? r.headers().firstValue("Location").orElse(null) : null;
                assertThat(next == null || !next.startsWith("/hub/spawn")).as("redirected to spawn from " + path).isTrue();
            }
        }
        assertThat(hub.user("stopper")).containsEntry("server", null).containsEntry("pending", null);
        assertThat(hub.server("stopper")).as("no server was started by looking").isNull();
    }

    @Test
    void theRootGoesHomeWhenTheServerIsNotRunning() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("rooted");
        HttpResponse<String> r = b.get("/hub/");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("/hub/home");
    }

    @Test
    void aStoppedServersUrlShowsTheNotRunningPageWithAStartButton() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("notrunning");
        HttpResponse<String> r = b.get("/hub/user/notrunning/lab");
        assertThat(r.statusCode()).isEqualTo(424);
        assertThat(r.body()).contains("not running").contains("/hub/spawn/notrunning");
        assertThat(hub.server("notrunning")).isNull();
    }

    @Test
    void theSpawnPendingPageOffersACancelButtonThatCancelsTheSpawn() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("slowcancel");
        HttpResponse<String> spawn = b.get("/hub/spawn");
        assertThat(spawn.statusCode()).isEqualTo(302);
        assertThat(spawn.headers().firstValue("Location")).hasValue("/hub/spawn-pending/slowcancel");
        assertThat(b.get("/hub/home").body()).as("home while it starts").contains("Your server is starting.");
        HttpResponse<String> pending = b.get("/hub/spawn-pending/slowcancel");
        assertThat(pending.body()).contains("id=\"cancel\"").contains("method:'DELETE'");
        // What the button's script sends.
        HttpResponse<String> cancel = b.send(HttpRequest.newBuilder(hub.base.resolve("/hub/api/users/slowcancel/server"))
                .header("X-XSRFToken", b.cookie("_xsrf").orElseThrow()).DELETE());
        assertThat(cancel.statusCode()).as(cancel.body()).isIn(202, 204);
        hub.awaitNoServer("slowcancel");
    }
}
