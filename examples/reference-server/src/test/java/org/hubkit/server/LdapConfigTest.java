package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth.type: ldap} through auth-ldap's factory: its README's two examples build; problems are named by key; the service password is never echoed. */
class LdapConfigTest {
    static final Path README = Path.of("../../auth-ldap/README.md");

    static List<String> readmeExamples() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        return Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme).results().map(m -> m.group(1)).toList();
    }

    @Test
    void theReadmesOpenLdapAndActiveDirectoryExamplesBuild(@TempDir Path dir) throws Exception {
        List<String> examples = readmeExamples();
        assertThat(examples).hasSize(2);
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        Path file = dir.resolve("hubkit.yaml");
        for (String yaml : examples) {
            Files.writeString(file, yaml.replace("/etc/ssl/certs/example-org-ca.pem", ca.toString()));
            ServerConfig c = ServerConfig.read(file, getClass().getClassLoader(), Map.of("LDAP_SEARCH_PASSWORD", "not-in-any-message"));
            assertThat(c.auth().type()).isEqualTo("ldap");
            assertThat((List<?>) c.auth().value("allowedGroups")).singleElement().asString().containsIgnoringCase(",ou=groups,");
            assertThat(c.toString()).doesNotContain("not-in-any-message");
            try (Authenticator a = c.auth().build()) { // connects on first use only
                assertThat(a.id()).isEqualTo("ldap");
                assertThat(a.hasOwnAllowRules()).isTrue();
                assertThat(a.acceptsPasswords()).isTrue();
            }
        }
    }

    @Test
    void aFlowListThatSplitsADnIsNamed() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  type: ldap
                  serverAddress: ldap.example.org
                  bindDnTemplate: uid={username},ou=people,dc=example,dc=org
                  allowedGroups: [cn=staff,ou=groups,dc=example,dc=org]
                """).auth().build());
        assertThat(e.getMessage()).contains("auth.allowedGroups[0]: 'cn=staff' is a DN of one part");
    }

    @Test
    void problemsAreNamedByTheirKeysWithoutTheSecret() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  type: ldap
                  serverAddress: ldap.example.org
                  tlsStrategy: starttls
                  lookupDn: true
                  lookupDnSearchUser: cn=svc,dc=example,dc=org
                  lookupDnSearchPassword: not-in-any-message
                  allowedGroups: ['not a dn']
                """).auth().build());
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("auth.tlsStrategy").doesNotContain("not-in-any-message");

        ConfigException built = catchThrowableOfType(ConfigException.class, () -> ServerConfig.parse("""
                auth:
                  type: ldap
                  serverAddress: ldap.example.org
                  lookupDn: true
                  lookupDnSearchUser: cn=svc,dc=example,dc=org
                  lookupDnSearchPassword: not-in-any-message
                  allowedGroups: ['not a dn']
                """).auth().build());
        assertThat(built.getMessage()).contains("auth.userSearchBase: required with lookupDn")
                .contains("auth.allowedGroups: not a DN").doesNotContain("not-in-any-message");
    }
}
