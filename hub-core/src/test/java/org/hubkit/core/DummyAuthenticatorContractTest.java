package org.hubkit.core;

import java.util.Map;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.AuthenticatorContract;

/** {@link DummyAuthenticator} with a password passes the authenticator contract. */
class DummyAuthenticatorContractTest extends AuthenticatorContract {
    @Override
    protected Authenticator createAuthenticator() {
        return new DummyAuthenticator("demo-password", null);
    }

    @Override
    protected Credentials validCredentials() {
        return new Credentials("BOB", "demo-password", Map.of());
    }

    @Override
    protected Credentials invalidCredentials() {
        return new Credentials("bob", "not-the-password", Map.of());
    }

    @Override
    protected String expectedName() {
        return "bob";
    }
}
