package org.hubkit.api;

import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * Checks who is logging in: a shared password, an LDAP bind, an OAuth provider.
 *
 * <p><b>What the hub does with the answer.</b> It takes {@link AuthResult#name()}, applies
 * {@link #normalizeUsername}, validates the result with {@link Usernames#validate}, then applies
 * {@link #accessRules()} (blocked, allowed, admin) before creating a session. A refusal at any
 * step is the same "Invalid username or password" to the person logging in.
 *
 * <p><b>What the hub expects.</b> {@link #authenticate} never blocks its caller, completes with
 * {@link AuthResult#refused()} for bad credentials (not exceptionally), and exceptionally only
 * when it cannot decide (a directory that does not answer). Implementations are thread-safe and
 * never log passwords.
 *
 * @since 0.1
 */
public interface Authenticator extends AutoCloseable {
    /**
     * @param credentials what the person typed
     * @return the decision
     */
    CompletionStage<AuthResult> authenticate(Credentials credentials);

    /**
     * JupyterHub's normalisation: lowercase. Applied to login names and to the names in
     * {@link #accessRules()}.
     *
     * @param name a name as typed or as returned by the identity provider
     * @return the normalised name
     */
    default String normalizeUsername(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /** @return who may log in and who is an admin; by default nobody, as in JupyterHub 5 */
    default AccessRules accessRules() {
        return new AccessRules(java.util.Set.of(), java.util.Set.of(), java.util.Set.of(), false, true);
    }

    /** @return a short name for logs */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases connections and threads. */
    @Override
    default void close() {
    }
}
