package org.hubkit.testkit.selftest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;

/** An authenticator over a fixed map of user to password: the smallest real one, to run the contract against. */
final class InMemoryPasswordAuthenticator implements Authenticator {
    private final Map<String, byte[]> passwords;

    /** @param passwords password per user name; names are normalised, so "Alice" logs in as "alice" */
    InMemoryPasswordAuthenticator(Map<String, String> passwords) {
        this.passwords = passwords.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                e -> normalizeUsername(e.getKey()), e -> e.getValue().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public CompletionStage<AuthResult> authenticate(Credentials credentials) {
        if (credentials.password().isEmpty()) {
            return CompletableFuture.completedFuture(AuthResult.refused());
        }
        byte[] expected = passwords.get(normalizeUsername(credentials.username()));
        byte[] given = credentials.password().getBytes(StandardCharsets.UTF_8);
        // Compare even for unknown users so that timing does not tell which names exist.
        boolean matches = MessageDigest.isEqual(expected == null ? new byte[given.length] : expected, given);
        return CompletableFuture.completedFuture(expected != null && matches
                ? AuthResult.accepted(credentials.username().strip())
                : AuthResult.refused());
    }

    @Override
    public AccessRules accessRules() {
        return AccessRules.allow(passwords.keySet());
    }
}
