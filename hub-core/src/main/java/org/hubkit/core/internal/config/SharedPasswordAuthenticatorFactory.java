package org.hubkit.core.internal.config;

import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.AuthenticatorFactory;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigException;
import org.hubkit.api.ConfigNode;
import org.hubkit.core.SharedPasswordAuthenticator;

/**
 * {@code auth.type: shared-password}: {@link SharedPasswordAuthenticator}. Keys: {@code password},
 * {@code adminPassword} and the access rules ({@link AccessRules#fromConfig}, {@code allowAll}
 * false by default). A missing password is refused only when the authenticator is built, so
 * that a program may supply one (the reference server's {@code HUBKIT_PASSWORD}) in between.
 */
public final class SharedPasswordAuthenticatorFactory implements AuthenticatorFactory {
    @Override
    public String type() {
        return "shared-password";
    }

    @Override
    public Configured<Authenticator> configure(ConfigNode node, ConfigContext context) {
        String password = node.secret("password", null);
        String adminPassword = node.secret("adminPassword", null);
        AccessRules rules = AccessRules.fromConfig(node, false);
        if (password != null && password.length() < 8) {
            node.problem("password", "must be at least 8 characters");
        }
        if (adminPassword != null && adminPassword.length() < 32) {
            node.problem("adminPassword", "must be at least 32 characters");
        } else if (adminPassword != null && adminPassword.equals(password)) {
            node.problem("adminPassword", "must differ from " + node.key("password"));
        }
        String alternative = node.key("adminPassword");
        return () -> {
            if (password == null && adminPassword == null) {
                throw ConfigException.of("password", "required (or " + alternative + ")");
            }
            return SharedPasswordAuthenticator.builder().password(password).adminPassword(adminPassword)
                    .accessRules(rules).build();
        };
    }
}
