package org.hubkit.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.auth.ldap.DirectoryCases.await;
import static org.hubkit.auth.ldap.TestEntries.password;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.hubkit.api.Credentials;
import org.hubkit.auth.ldap.LdapAuthenticator.TlsStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StartTLS and LDAPS against slapd with a CA the test made: accepted with that CA as {@code caFile},
 * refused against the JDK's trust store, and refused from a slapd whose certificate (from the same
 * CA) names another host, unless host names are not checked. The host-name cases connect to
 * {@code localhost}: UnboundID's verifier accepts any trusted certificate for a numeric loopback
 * address ({@code 127.0.0.1}), by design.
 */
class SlapdTlsIT {
    @TempDir
    static Path dir;
    static Slapd slapd;
    static Slapd elsewhere;

    @BeforeAll
    static void start() throws Exception {
        slapd = Slapd.start(java.nio.file.Files.createDirectories(dir.resolve("a")));
        elsewhere = Slapd.startNamedElsewhere(java.nio.file.Files.createDirectories(dir.resolve("b")));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Slapd s : new Slapd[] {slapd, elsewhere}) {
            if (s != null) {
                s.close();
            }
        }
    }

    static LdapAuthenticator.Builder tls(String host, TlsStrategy tls) {
        return tls(slapd, host, tls);
    }

    static LdapAuthenticator.Builder tls(Slapd server, String host, TlsStrategy tls) {
        return LdapAuthenticator.builder().serverAddress(host).tlsStrategy(tls)
                .serverPort(tls == TlsStrategy.ON_CONNECT ? server.ldapsPort : server.port)
                .bindDnTemplate(List.of("uid={username}," + TestEntries.PEOPLE)).allowAll(true);
    }

    static boolean logsIn(LdapAuthenticator.Builder b) throws Exception {
        try (LdapAuthenticator a = b.build()) {
            return await(a.authenticate(new Credentials("alice", password("alice"), Map.of()))).accepted();
        }
    }

    @Test
    void startTlsAndLdapsWithTheTestCa() throws Exception {
        assertThat(logsIn(tls("127.0.0.1", TlsStrategy.BEFORE_BIND).caFile(slapd.pki.ca.cert()))).isTrue();
        assertThat(logsIn(tls("localhost", TlsStrategy.BEFORE_BIND).caFile(slapd.pki.ca.cert()))).isTrue();
        assertThat(logsIn(tls("127.0.0.1", TlsStrategy.ON_CONNECT).caFile(slapd.pki.ca.cert()))).isTrue();
    }

    @Test
    void anUntrustedCertificateOrAnotherHostNameCannotLogAnyoneIn() {
        Map<String, String> outcomes = new java.util.TreeMap<>();
        for (TlsStrategy t : List.of(TlsStrategy.BEFORE_BIND, TlsStrategy.ON_CONNECT)) {
            outcomes.put("JDK trust store, " + t, outcome(tls("127.0.0.1", t)));
            outcomes.put("wrong host, " + t, outcome(tls(elsewhere, "localhost", t).caFile(elsewhere.pki.ca.cert())));
        }
        assertThat(outcomes).allSatisfy((what, outcome) -> assertThat(outcome).as(what).startsWith("failed"));
    }

    private static String outcome(LdapAuthenticator.Builder b) {
        try {
            return logsIn(b) ? "logged in" : "refused";
        } catch (ExecutionException e) {
            return "failed: " + e.getCause();
        } catch (Exception e) {
            return "threw " + e;
        }
    }

    @Test
    void hostNamesCanBeLeftUnchecked() throws Exception {
        for (TlsStrategy t : List.of(TlsStrategy.BEFORE_BIND, TlsStrategy.ON_CONNECT)) {
            assertThat(logsIn(tls(elsewhere, "localhost", t).caFile(elsewhere.pki.ca.cert()).verifyHostname(false))).as("%s", t).isTrue();
        }
    }
}
