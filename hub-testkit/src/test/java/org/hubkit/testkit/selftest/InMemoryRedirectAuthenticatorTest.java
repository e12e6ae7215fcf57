package org.hubkit.testkit.selftest;

import java.net.URI;
import java.util.Map;
import org.hubkit.api.Authenticator;
import org.hubkit.testkit.AuthenticatorContract;

/** Runs the contract's redirect and refresh cases from outside its package, with names that keep their case. */
class InMemoryRedirectAuthenticatorTest extends AuthenticatorContract {
    private InMemoryRedirectAuthenticator authenticator;

    @Override
    protected Authenticator createAuthenticator() {
        authenticator = new InMemoryRedirectAuthenticator();
        return authenticator;
    }

    @Override
    protected Map<String, String> loginAtProvider(URI authorizationUrl) {
        return authenticator.approve(authorizationUrl, "Mixed.Case-User");
    }

    @Override
    protected String expectedName() {
        return "Mixed.Case-User";
    }

    @Override
    protected boolean lowercasesNames() {
        return false;
    }
}
