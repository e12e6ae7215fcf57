package org.hubkit.core.internal.config;

import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.AuthenticatorFactory;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.core.DummyAuthenticator;

/**
 * {@code auth.type: dummy}: {@link DummyAuthenticator}, for demos and tests. Keys: {@code password}
 * (the one password accepted; any when absent) and the access rules ({@link AccessRules#fromConfig},
 * {@code allowAll} true by default when no user is named).
 */
public final class DummyAuthenticatorFactory implements AuthenticatorFactory {
    @Override
    public String type() {
        return "dummy";
    }

    @Override
    public Configured<Authenticator> configure(ConfigNode node, ConfigContext context) {
        String password = node.secret("password", null);
        AccessRules rules = AccessRules.fromConfig(node, true);
        if (password != null && password.isEmpty()) {
            node.problem("password", "must not be empty (leave it out to accept any password)");
        }
        return () -> new DummyAuthenticator(password, rules);
    }
}
