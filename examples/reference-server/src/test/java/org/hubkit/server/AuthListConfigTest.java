package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.hubkit.api.ConfigException;
import org.hubkit.core.Hub;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth} as a list: several logins on one page, each entry read by its type's factory and named {@code auth[i]}. */
class AuthListConfigTest {
    static final String TWO = """
            auth:
              - type: oidc
                id: staff
                loginLabel: Staff login
                issuer: https://sso.example.org/realms/staff
                clientId: jupyterhub
                allowAll: true
              - type: shared-password
                usernamePrefix: guest-
                password: a long shared password
                allowedUsers: [visitor]
            """;

    @Test
    void eachEntryIsReadByItsType() {
        ServerConfig c = ServerConfig.parse(TWO);

        assertThat(c.auths()).extracting(ServerConfig.Component::type).containsExactly("oidc", "shared-password");
        assertThat(c.auths()).extracting(ServerConfig.Component::kind).containsExactly("auth[0]", "auth[1]");
        assertThat(c.auth().value("issuer")).isEqualTo(URI.create("https://sso.example.org/realms/staff"));
        assertThat(c.usernamePrefix(0)).isEmpty();
        assertThat(c.usernamePrefix(1)).isEqualTo("guest-");
        assertThat(c.toString()).doesNotContain("a long shared password");
    }

    @Test
    void problemsAreNamedByTheEntrysKey() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  - type: oidc
                    clientId: jupyterhub
                  - type: shared-password
                    passwrd: typo
                    usernamePrefix: a/b
                  - 3
                """));

        assertThat(e.getMessage()).contains("auth[0].issuer: required").contains("auth[1].passwrd: unknown key (did you mean auth[1].password")
                .contains("auth[1].usernamePrefix: must not contain '/'").contains("auth[2]: must be a mapping");
    }

    @Test
    void theHubShowsBothLoginsOnItsPage(@TempDir Path dir) throws Exception {
        int proxyPort = RealComponents.freePort();
        ServerConfig c = ServerConfig.parse(TWO + "hub: {port: 0, dataDir: '" + dir + "'}\nproxy: {port: " + proxyPort + "}\n");
        try (Hub hub = ReferenceServer.buildHub(c).start()) {
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(hub.publicUrl().resolve("/hub/login"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(page.body()).contains(">Staff login</a>").contains("name=\"password\"");
        }
    }

    @Test
    void twoLoginsWithOneIdAreRefusedNamingAuth() {
        ServerConfig c = ServerConfig.parse("""
                auth:
                  - {type: oidc, issuer: 'https://a.example.org', clientId: a, allowAll: true}
                  - {type: oidc, issuer: 'https://b.example.org', clientId: b, allowAll: true}
                """);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ReferenceServer.buildHub(c));

        assertThat(e.getMessage()).contains("auth: id 'oidc' is used twice");
        assertThat(List.of(e.details().get(0).key())).containsExactly("auth");
    }

    @Test
    void theHubsRefreshKeysAreRead() {
        ServerConfig.HubSection h = ServerConfig.parse("hub: {authRefreshAge: 60, refreshPreSpawn: true}").hub();
        assertThat(h.authRefreshAge()).isEqualTo(java.time.Duration.ofSeconds(60));
        assertThat(h.refreshPreSpawn()).isTrue();
        assertThat(ServerConfig.parse("").hub().authRefreshAge()).isEqualTo(java.time.Duration.ofSeconds(300));
        assertThat(catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("hub: {authRefreshAge: 0}")).getMessage())
                .contains("hub.authRefreshAge");
    }
}
