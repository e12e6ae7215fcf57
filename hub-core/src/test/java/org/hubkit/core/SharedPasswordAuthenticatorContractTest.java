package org.hubkit.core;

import java.util.Map;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.AuthenticatorContract;

/**
 * {@link SharedPasswordAuthenticator} passes the authenticator contract. The class is
 * {@code AuthenticatorContract}'s Javadoc example (hub-testkit's {@code JavadocExamplesTest}
 * checks that they stay the same).
 */
class SharedPasswordAuthenticatorContractTest extends AuthenticatorContract {
    @Override
    protected Authenticator createAuthenticator() {
        return SharedPasswordAuthenticator.builder().password("shared-secret-1")
                .accessRules(AccessRules.allow(Set.of("alice"))).build();
    }

    @Override
    protected Credentials validCredentials() {
        return new Credentials("Alice", "shared-secret-1", Map.of());
    }

    @Override
    protected Credentials invalidCredentials() {
        return new Credentials("alice", "shared-secret-2", Map.of());
    }

    @Override
    protected String expectedName() {
        return "alice";
    }
}
