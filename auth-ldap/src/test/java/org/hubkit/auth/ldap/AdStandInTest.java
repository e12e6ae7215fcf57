package org.hubkit.auth.ldap;

import com.unboundid.ldap.sdk.LDAPInterface;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link DirectoryCases} against UnboundID's in-memory server, with AD's in-chain rule ({@link AdStandIn}). */
class AdStandInTest extends DirectoryCases {
    static AdStandIn ad;

    @BeforeAll
    static void start() throws Exception {
        ad = new AdStandIn();
    }

    @AfterAll
    static void stop() {
        ad.close();
    }

    @Override
    LdapAuthenticator.Builder directory() {
        return LdapAuthenticator.builder().serverAddress("127.0.0.1").serverPort(ad.port())
                .tlsStrategy(LdapAuthenticator.TlsStrategy.INSECURE);
    }

    @Override
    LDAPInterface admin() {
        return ad.server;
    }

    @Override
    boolean hasInChainRule() {
        return true;
    }

    @Override
    long bindsSeen() {
        return ad.binds.get();
    }
}
