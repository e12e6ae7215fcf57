package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.hubkit.api.AccessRules;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who owns a name across restarts: a hub that replaces its only authenticator keeps its users (the
 * new one logs them in), while in a hub with several, a name stays with the authenticator that
 * first logged it in.
 */
class AuthenticatorOwnershipTest {
    @Test
    void replacingTheOnlyAuthenticatorKeepsTheUsersButSeveralKeepNamesApart(@TempDir Path dir) throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            new Browser(hub.base).loggedInAs("nora"); // owned by the shared password ("default")
        }
        try (TestHub hub = TestHub.start(dir, b -> b.authenticator(new RedirectLoginTest.FakeProvider("fake", "Fake")))) {
            assertThat(redirectLogin(hub, "fake", "nora")).as("the only authenticator, a new one").isEqualTo(302);
        }
        try (TestHub hub = TestHub.start(dir, b -> b.authenticator(null)
                .addAuthenticator(SharedPasswordAuthenticator.builder().password(TestHub.PASSWORD)
                        .accessRules(AccessRules.allowAllUsers()).build())
                .addAuthenticator(new RedirectLoginTest.FakeProvider("other", "Other")))) {
            assertThat(redirectLogin(hub, "other", "nora")).as("nora belongs to fake, which this hub also lacks: taken over")
                    .isEqualTo(302);
            assertThat(new Browser(hub.base).login("nora", TestHub.PASSWORD).statusCode())
                    .as("a password login under other's name").isEqualTo(403);
        }
    }

    static int redirectLogin(TestHub hub, String id, String name) throws Exception {
        Browser b = new Browser(hub.base);
        URI authorize = URI.create(b.get("/hub/oauth_login/" + id).headers().firstValue("Location").orElseThrow());
        Map<String, String> q = RedirectLoginTest.query(authorize);
        return b.send(java.net.http.HttpRequest.newBuilder(hub.base.resolve("/hub/oauth_callback?code=" + name + "&state="
                + TestHub.enc(q.get("state")))).GET()).statusCode();
    }
}
