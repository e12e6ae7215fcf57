package org.hubkit.examples.consumer;

import java.util.Map;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.testkit.AuthenticatorContract;

/**
 * The test kit from outside Hubkit's build, as a third party's implementation would use it: the
 * contract's tests run (under the Surefire 3 this pom declares; {@code failIfNoTests} would fail
 * the build if none did).
 */
class SharedPasswordContractTest extends AuthenticatorContract {
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
