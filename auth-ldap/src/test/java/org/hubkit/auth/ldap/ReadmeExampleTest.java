package org.hubkit.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.junit.jupiter.api.Test;

/**
 * The README's Java example is this code: the test checks that the README shows it verbatim, and
 * logs a member of the staff group in with it against the in-memory directory (plain LDAP there:
 * the example's StartTLS needs a certificate, which {@code SlapdTlsIT} covers).
 */
class ReadmeExampleTest {
    static Authenticator example(String host, int port, String searchPassword, LdapAuthenticator.TlsStrategy tls) {
        // README-EXAMPLE-START
        Authenticator ldap = LdapAuthenticator.builder()
                .serverAddress(List.of(host))                       // e.g. ldap1.example.org, ldap2.example.org
                .serverPort(port)
                .tlsStrategy(tls)                                   // BEFORE_BIND (StartTLS) unless told otherwise
                .lookupDn(true)
                .userSearchBase("ou=people,dc=hubkit,dc=test")
                .userAttribute("uid")
                .lookupDnSearchUser("cn=search,dc=hubkit,dc=test")
                .lookupDnSearchPassword(searchPassword)             // from the environment, never in the code
                .allowedGroups(Set.of("cn=staff,ou=groups,dc=hubkit,dc=test"))
                .adminGroups(Set.of("cn=admins,ou=groups,dc=hubkit,dc=test"))
                .build();
        // README-EXAMPLE-END
        return ldap;
    }

    @Test
    void theReadmeShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/auth/ldap/ReadmeExampleTest.java"), StandardCharsets.UTF_8);
        String snippet = source.substring(source.indexOf("// README-EXAMPLE-START\n") + "// README-EXAMPLE-START\n".length(),
                source.indexOf("        // README-EXAMPLE-END"));
        String unindented = snippet.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, l) -> a + l + "\n");
        assertThat(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8)).contains(unindented);
    }

    @Test
    void theExampleLogsAStaffMemberInAsAnAdmin() throws Exception {
        try (AdStandIn directory = new AdStandIn();
             Authenticator ldap = example("127.0.0.1", directory.port(), TestEntries.SEARCH_PASSWORD,
                     LdapAuthenticator.TlsStrategy.INSECURE)) {
            AuthResult alice = DirectoryCases.await(ldap.authenticate(new Credentials("alice", TestEntries.password("alice"), Map.of())));
            assertThat(alice.accepted()).isTrue();
            assertThat(alice.allowed()).isTrue();
            assertThat(alice.admin()).contains(true);
            assertThat(ldap.hasOwnAllowRules()).isTrue();
        }
    }
}
