package org.hubkit.auth.ldap;

import java.util.List;
import java.util.Map;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.AuthenticatorContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The test kit's authenticator contract against the in-memory directory ({@code SlapdContractIT} runs it against slapd). */
class LdapAuthenticatorContractTest extends AuthenticatorContract {
    static AdStandIn directory;

    @BeforeAll
    static void start() throws Exception {
        directory = new AdStandIn();
    }

    @AfterAll
    static void stop() {
        directory.close();
    }

    @Override
    protected Authenticator createAuthenticator() {
        return LdapAuthenticator.builder().serverAddress("127.0.0.1").serverPort(directory.port())
                .tlsStrategy(LdapAuthenticator.TlsStrategy.INSECURE).bindDnTemplate(List.of("uid={username}," + TestEntries.PEOPLE))
                .allowAll(true).build();
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
