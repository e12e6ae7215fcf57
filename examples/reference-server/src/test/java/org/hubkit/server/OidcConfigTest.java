package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code auth.type: oidc} read from YAML through auth-oauth's factory: defaults, problems named by key, secrets never echoed. */
class OidcConfigTest {
    @Test
    void anOidcSectionBuildsTheAuthenticatorWithTheHubsCallback() {
        ServerConfig c = ServerConfig.parse("""
                hub: {publicUrl: 'https://hub.example.org'}
                auth:
                  type: oidc
                  issuer: https://sso.example.org/realms/research
                  clientId: jupyterhub
                  clientSecret: not-in-any-message
                  allowedGroups: [jupyter-users]
                  groupsClaim: groups
                """);

        assertThat(c.auth().type()).isEqualTo("oidc");
        assertThat(c.auth().value("callbackUrl").toString()).isEqualTo("https://hub.example.org/hub/oauth_callback");
        assertThat(c.auth().value("allowedGroups")).isEqualTo(List.of("jupyter-users"));
        assertThat(c.toString()).doesNotContain("not-in-any-message");
        try (Authenticator a = c.auth().build()) {
            assertThat(a.id()).isEqualTo("oidc");
            assertThat(a.redirectLogin()).isPresent();
            assertThat(a.hasOwnAllowRules()).isTrue();
        }
    }

    @Test
    void missingAndBadValuesAreNamedByTheirKeys() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  type: oidc
                  clientSecret: not-in-any-message
                  allowedGroups: [staff]
                  clockSkew: 900
                """).auth().build());

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("auth.issuer").doesNotContain("not-in-any-message");
    }

    @Test
    void theBuilderNamesWhatOnlyItChecks() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  type: oidc
                  issuer: https://sso.example.org
                  allowedGroups: [staff]
                  clockSkew: 900
                """).auth().build());

        assertThat(e.getMessage()).contains("auth.clientId: required").contains("auth.groupsClaim: required")
                .contains("auth.clockSkew: must be between 0 and 5 minutes");
    }

    @Test
    void thePresetsAreTypesWithTheirOwnKeys() {
        ServerConfig c = ServerConfig.parse("""
                auth:
                  - {type: github, clientId: gh, allowedOrganizations: ['hubkit:admins'], usernamePrefix: gh-}
                  - {type: azuread, clientId: az, tenantId: contoso, allowAll: true}
                  - {type: google, clientId: go, hostedDomains: [example.org]}
                """);
        assertThat(c.auths()).extracting(ServerConfig.Component::type).containsExactly("github", "azuread", "google");
        for (ServerConfig.Component<Authenticator> a : c.auths()) {
            try (Authenticator built = a.build()) {
                assertThat(built.id()).isIn("github", "azuread", "google");
            }
        }

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse(
                "auth: {type: azuread, clientId: az, hostedDomains: [x.org]}").auth().build());
        assertThat(e.getMessage()).contains("auth.hostedDomains: only used with auth.type google");
    }
}
