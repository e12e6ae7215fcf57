package org.hubkit.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For tests and demos only, as JupyterHub's {@code DummyAuthenticator}: any username logs in,
 * with any password, or only with {@code password} when one is set (then an empty password is
 * refused). Logs a loud warning when created. Allows every name unless other
 * {@link AccessRules} are given.
 *
 * @since 0.1
 */
public final class DummyAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(DummyAuthenticator.class);
    private final String password;
    private final AccessRules rules;

    /**
     * @param password the one password accepted, or {@code null} to accept any
     * @param rules who may log in
     */
    public DummyAuthenticator(String password, AccessRules rules) {
        this.password = password;
        this.rules = rules == null ? AccessRules.allowAllUsers() : rules;
        LOG.warn("**************************************************************************");
        LOG.warn("DummyAuthenticator is in use: {}. Never use it on a hub others can reach.",
                password == null ? "ANYONE can log in as ANY user with ANY password" : "anyone with the one password can log in as any user");
        LOG.warn("**************************************************************************");
    }

    /** An authenticator accepting any name and any password. */
    public DummyAuthenticator() {
        this(null, null);
    }

    @Override
    public CompletionStage<AuthResult> authenticate(Credentials c) {
        if (c.username().isBlank()) {
            return CompletableFuture.completedFuture(AuthResult.refused());
        }
        if (password != null && !Secrets.constantTimeEquals(password, c.password())) {
            return CompletableFuture.completedFuture(AuthResult.refused());
        }
        return CompletableFuture.completedFuture(AuthResult.accepted(c.username()));
    }

    @Override
    public AccessRules accessRules() {
        return rules;
    }

    @Override
    public String name() {
        return "DummyAuthenticator";
    }
}
