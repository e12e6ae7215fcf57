package org.hubkit.auth.ldap;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.AuthenticatorContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The test kit's authenticator contract against a real slapd, over StartTLS with the test's CA. */
class SlapdContractIT extends AuthenticatorContract {
    static Slapd slapd;

    @BeforeAll
    static void start() throws Exception {
        slapd = Slapd.start(Files.createTempDirectory("hubkit-slapd-contract-"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (slapd != null) {
            slapd.close();
        }
    }

    @Override
    protected Authenticator createAuthenticator() {
        return LdapAuthenticator.builder().serverAddress("localhost").serverPort(slapd.port).caFile(slapd.pki.ca.cert())
                .bindDnTemplate(List.of("uid={username}," + TestEntries.PEOPLE)).allowAll(true).build();
    }

    @Override
    protected Credentials validCredentials() {
        return new Credentials("alice", TestEntries.password("alice"), Map.of());
    }

    @Override
    protected Credentials invalidCredentials() {
        return new Credentials("bob", "not bob's password", Map.of());
    }

    @Override
    protected String expectedName() {
        return "alice";
    }
}
