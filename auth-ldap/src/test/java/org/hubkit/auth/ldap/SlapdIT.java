package org.hubkit.auth.ldap;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link DirectoryCases} against a real OpenLDAP slapd from Debian's package, started by the test.
 * slapd has no in-chain matching rule: the nested case runs with {@code nestedGroups: recursive}
 * only.
 */
class SlapdIT extends DirectoryCases {
    static Path dir;
    static Slapd slapd;
    static LDAPConnection admin;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("hubkit-slapd-");
        slapd = Slapd.start(dir);
        admin = slapd.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (slapd != null) {
            slapd.close();
        }
    }

    @Override
    LdapAuthenticator.Builder directory() {
        return LdapAuthenticator.builder().serverAddress("127.0.0.1").serverPort(slapd.port)
                .tlsStrategy(LdapAuthenticator.TlsStrategy.INSECURE);
    }

    @Override
    LDAPInterface admin() {
        return admin;
    }

    @Override
    boolean hasInChainRule() {
        return false;
    }
}
