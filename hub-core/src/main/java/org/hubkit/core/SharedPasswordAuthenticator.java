package org.hubkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Credentials;
import org.hubkit.core.Secrets;

/**
 * Everyone who is allowed logs in with one shared password, as JupyterHub's
 * {@code SharedPasswordAuthenticator}: the user password (at least 8 characters) logs a user
 * in; an optional admin password (at least 32 characters, different) also makes them an admin.
 * Passwords are compared in constant time and never logged. Who may log in is decided by the
 * {@link AccessRules} (by default: nobody, as in JupyterHub 5; set allowed users or allow all).
 *
 * @since 0.1
 */
public final class SharedPasswordAuthenticator implements Authenticator {
    private final String password;
    private final String adminPassword;
    private final AccessRules rules;

    private SharedPasswordAuthenticator(Builder b) {
        this.password = b.password;
        this.adminPassword = b.adminPassword;
        this.rules = b.rules;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<AuthResult> authenticate(Credentials c) {
        String given = c.password();
        if (given.isEmpty() || c.username().isBlank()) {
            return CompletableFuture.completedFuture(AuthResult.refused());
        }
        // Both comparisons always run, so timing does not tell which password was close.
        boolean isAdmin = Secrets.constantTimeEquals(adminPassword == null ? "" : adminPassword, given) & adminPassword != null;
        boolean isUser = Secrets.constantTimeEquals(password == null ? "" : password, given) & password != null;
        if (isAdmin) {
            return CompletableFuture.completedFuture(AuthResult.accepted(c.username()).withAdmin(true));
        }
        return CompletableFuture.completedFuture(isUser ? AuthResult.accepted(c.username()) : AuthResult.refused());
    }

    @Override
    public AccessRules accessRules() {
        return rules;
    }

    @Override
    public String name() {
        return "SharedPasswordAuthenticator";
    }

    /** Builds a {@link SharedPasswordAuthenticator}. */
    public static final class Builder {
        private String password;
        private String adminPassword;
        private AccessRules rules = AccessRules.allow(java.util.Set.of());

        private Builder() {
        }

        /** @param password the shared user password, at least 8 characters @return this */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** @param adminPassword an optional admin password, at least 32 characters @return this */
        public Builder adminPassword(String adminPassword) {
            this.adminPassword = adminPassword;
            return this;
        }

        /** @param rules allowed, blocked and admin users @return this */
        public Builder accessRules(AccessRules rules) {
            this.rules = rules;
            return this;
        }

        /** @return the authenticator @throws ConfigException naming every bad field */
        public SharedPasswordAuthenticator build() {
            List<String> problems = new ArrayList<>();
            if (password == null && adminPassword == null) {
                problems.add("password: required (or adminPassword)");
            }
            if (password != null && password.length() < 8) {
                problems.add("password: must be at least 8 characters");
            }
            if (adminPassword != null && adminPassword.length() < 32) {
                problems.add("adminPassword: must be at least 32 characters");
            }
            if (password != null && password.equals(adminPassword)) {
                problems.add("adminPassword: must differ from password");
            }
            if (rules == null) {
                problems.add("accessRules: required");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new SharedPasswordAuthenticator(this);
        }
    }
}
