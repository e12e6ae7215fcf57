package org.hubkit.auth.oauth.internal;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.AuthenticatorFactory;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.auth.oauth.OAuthAuthenticator;

/**
 * {@code auth.type: oidc} and {@code auth.type: generic-oauth}: {@link OAuthAuthenticator}. Every
 * key is the builder's field of the same name; {@code clientId}, {@code clientSecret} and
 * {@code callbackUrl} default to {@code $OAUTH_CLIENT_ID}, {@code $OAUTH_CLIENT_SECRET} and
 * {@code $OAUTH_CALLBACK_URL} as in OAuthenticator, the callback then to the hub's public URL +
 * {@code /hub/oauth_callback}.
 */
public abstract class OAuthAuthenticatorFactory implements AuthenticatorFactory {
    private final String type;

    OAuthAuthenticatorFactory(String type) {
        this.type = type;
    }

    /** {@code auth.type: oidc}: an OpenID Connect provider found by its {@code issuer}. */
    public static final class Oidc extends OAuthAuthenticatorFactory {
        public Oidc() {
            super("oidc");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            if (!node.has("issuer")) {
                node.problem("issuer", "required for auth.type oidc (use generic-oauth for a provider without discovery)");
            }
            return OAuthAuthenticator.builder();
        }
    }

    /** {@code auth.type: generic-oauth}: a plain OAuth 2 provider, its endpoints given one by one (an issuer is optional). */
    public static final class GenericOAuth extends OAuthAuthenticatorFactory {
        public GenericOAuth() {
            super("generic-oauth");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            return OAuthAuthenticator.builder().loginLabel("Sign in with OAuth");
        }
    }

    /** {@code auth.type: google}: {@link OAuthAuthenticator#google()}, with {@code hostedDomains}. */
    public static final class Google extends OAuthAuthenticatorFactory {
        public Google() {
            super("google");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            return OAuthAuthenticator.google().hostedDomains(set(node.strings("hostedDomains")));
        }
    }

    /** {@code auth.type: github}: {@link OAuthAuthenticator#github()}, with {@code allowedOrganizations} and {@code githubApiUrl}. */
    public static final class GitHub extends OAuthAuthenticatorFactory {
        public GitHub() {
            super("github");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            return OAuthAuthenticator.github().allowedOrganizations(set(node.strings("allowedOrganizations")))
                    .githubApiUrl(node.url("githubApiUrl", URI.create("https://api.github.com")));
        }
    }

    /** {@code auth.type: gitlab}: {@link OAuthAuthenticator#gitlab()}, with {@code allowedGitlabGroups} and {@code gitlabUrl}. */
    public static final class GitLab extends OAuthAuthenticatorFactory {
        public GitLab() {
            super("gitlab");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            return OAuthAuthenticator.gitlab().allowedGitlabGroups(set(node.strings("allowedGitlabGroups")))
                    .gitlabUrl(node.url("gitlabUrl", URI.create("https://gitlab.com")));
        }
    }

    /** {@code auth.type: azuread}: {@link OAuthAuthenticator#azureAd(String)}, with {@code tenantId} and {@code graphUrl}. */
    public static final class AzureAd extends OAuthAuthenticatorFactory {
        public AzureAd() {
            super("azuread");
        }

        @Override
        OAuthAuthenticator.Builder preset(ConfigNode node) {
            return OAuthAuthenticator.azureAd(node.string("tenantId", null))
                    .graphUrl(node.url("graphUrl", URI.create("https://graph.microsoft.com")));
        }
    }

    /** @return the type's builder with its defaults, having read the type's own keys */
    abstract OAuthAuthenticator.Builder preset(ConfigNode node);

    @Override
    public String type() {
        return type;
    }

    @Override
    public Configured<Authenticator> configure(ConfigNode node, ConfigContext context) {
        OAuthAuthenticator.Builder b = preset(node);
        read(node, context, b);
        return b::build;
    }

    /** Reads the keys every OAuth type shares into {@code b}; a key left out keeps the preset's default. */
    static void read(ConfigNode node, ConfigContext context, OAuthAuthenticator.Builder b) {
        var env = context.environment();
        ifPresent(node, "id", b::id);
        ifPresent(node, "loginLabel", b::loginLabel);
        URI issuer = node.url("issuer", null);
        if (issuer != null) {
            b.issuer(issuer);
        }
        b.authorizeUrl(node.url("authorizeUrl", null)).tokenUrl(node.url("tokenUrl", null)).userdataUrl(node.url("userdataUrl", null))
                .jwksUrl(node.url("jwksUrl", null)).endSessionUrl(node.url("endSessionUrl", null))
                .logoutRedirectUrl(node.url("logoutRedirectUrl", null)).providerLogout(node.bool("providerLogout", true));
        b.clientId(node.string("clientId", env.get("OAUTH_CLIENT_ID")));
        b.clientSecret(node.secret("clientSecret", env.get("OAUTH_CLIENT_SECRET")));
        String envCallback = env.get("OAUTH_CALLBACK_URL");
        b.callbackUrl(node.url("callbackUrl", envCallback != null ? URI.create(envCallback)
                : context.publicUrl().resolve("/hub/oauth_callback")));
        List<String> scope = node.strings("scope");
        if (node.has("scope")) {
            b.scope(scope);
        }
        ifPresent(node, "usernameClaim", b::usernameClaim);
        ifPresent(node, "groupsClaim", b::groupsClaim);
        AccessRules rules = AccessRules.fromConfig(node, false);
        b.allowedUsers(rules.allowedUsers()).blockedUsers(rules.blockedUsers()).adminUsers(rules.adminUsers()).allowAll(rules.allowAll());
        b.allowedGroups(set(node.strings("allowedGroups"))).adminGroups(set(node.strings("adminGroups")));
        b.allowExistingUsers(node.bool("allowExistingUsers", false));
        b.manageGroups(node.bool("manageGroups", false));
        b.lowercaseUsernames(node.bool("lowercaseUsernames", true));
        List<String> algorithms = node.strings("algorithms");
        if (node.has("algorithms")) {
            b.algorithms(algorithms);
        }
        b.clockSkew(node.seconds("clockSkew", Duration.ofSeconds(60)));
        b.httpTimeout(node.seconds("httpTimeout", Duration.ofSeconds(10)));
    }

    private static void ifPresent(ConfigNode node, String key, java.util.function.Consumer<String> set) {
        String v = node.string(key, null);
        if (v != null) {
            set.accept(v);
        }
    }

    private static Set<String> set(List<String> names) {
        return new LinkedHashSet<>(names);
    }
}
