package org.hubkit.testkit.selftest;

import java.util.Map;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.AuthenticatorContract;

/** Runs the authenticator contract from outside its package, as an implementation's own tests do. */
class InMemoryPasswordAuthenticatorTest extends AuthenticatorContract {
    @Override
    protected Authenticator createAuthenticator() {
        return new InMemoryPasswordAuthenticator(Map.of("Alice", "correct horse", "bob", "battery staple"));
    }

    @Override
    protected Credentials validCredentials() {
        return new Credentials("Alice", "correct horse", Map.of());
    }

    @Override
    protected Credentials invalidCredentials() {
        return new Credentials("alice", "wrong horse", Map.of());
    }

    @Override
    protected String expectedName() {
        return "alice";
    }
}
