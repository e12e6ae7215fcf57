package org.hubkit.auth.oauth;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Credentials;
import org.hubkit.api.RedirectLogin;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.hubkit.auth.oauth.internal.CodeFlow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Authenticator} for any OAuth 2 or OpenID Connect provider, with the options of
 * JupyterHub's OAuthenticator 17 ({@code GenericOAuthenticator}) and the checks it lacks.
 *
 * <p><b>What it does.</b> The authorization-code flow with the hub's {@code state} and PKCE
 * (S256); the provider's endpoints from OpenID Connect discovery ({@link Builder#issuer}) or given
 * one by one for a plain OAuth 2 provider. An ID token is verified before anything in it is used:
 * its signature against the provider's JWKS (refetched when a token names a key it does not know,
 * so a key rotation is followed), the algorithm against an allow-list, {@code iss}, {@code aud}
 * (and {@code azp}), {@code exp} and {@code iat} within a bounded clock skew, and the
 * {@code nonce} this login sent. The username comes from {@link Builder#usernameClaim} (a claim
 * or a dotted path into the ID token's claims merged with the userinfo answer), groups from
 * {@link Builder#groupsClaim}. Allow rules combine as in OAuthenticator 16+: a user is allowed when
 * {@code allowAll}, named in {@code allowedUsers} or {@code adminUsers}, in one of
 * {@code allowedGroups} or {@code adminGroups}, or (the hub checks it) an existing user with
 * {@code allowExistingUsers}; {@code blockedUsers} are always refused. The tokens and user info are
 * returned as auth state, which the hub stores encrypted, and refreshed with the refresh token when
 * the hub asks ({@code authRefreshAge}); a refresh the provider refuses ends the user's sessions.
 * Logout goes to the provider's {@code end_session_endpoint} with {@code id_token_hint}, or to a
 * configured URL.
 *
 * <p><b>Threads and secrets.</b> Thread-safe. Provider calls run on the authenticator's own
 * threads, never the caller's; {@link #close} stops them. The client secret, codes and tokens are
 * never logged and never in a message.
 *
 * @since 0.3
 */
public final class OAuthAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(OAuthAuthenticator.class);

    private final String id;
    private final String label;
    private final boolean lowercase;
    private final AccessRules rules;
    private final boolean groupRules;
    private final CodeFlow flow;

    private OAuthAuthenticator(Builder b, CodeFlow flow) {
        this.id = b.id;
        this.label = b.loginLabel;
        this.lowercase = b.lowercaseUsernames;
        this.rules = new AccessRules(Set.copyOf(b.allowedUsers), Set.copyOf(b.blockedUsers), Set.copyOf(b.adminUsers), b.allowAll,
                b.allowExistingUsers);
        this.groupRules = !b.allowedGroups.isEmpty() || !b.adminGroups.isEmpty() || !b.allowedOrganizations.isEmpty()
                || !b.allowedGitlabGroups.isEmpty();
        this.flow = flow;
        if (!rules.allowsAnyone() && !groupRules) {
            LOG.warn("Authenticator {}: no allow rule is set (allowedUsers, allowedGroups, adminUsers, adminGroups, allowAll, "
                    + "allowedOrganizations, allowedGitlabGroups): "
                    + "nobody can log in through it{}", id, b.allowExistingUsers ? " except users an admin adds" : "");
        }
    }

    /** @return a builder; {@code clientId} and either {@code issuer} or the endpoints are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Google's defaults: issuer {@code https://accounts.google.com}, the username from
     * {@code email}, id {@code google}. {@link Builder#hostedDomains} restricts logins to Google
     * Workspace domains, checked against the {@code hd} claim (never the e-mail's domain).
     *
     * @return a builder with Google's defaults
     */
    public static Builder google() {
        Builder b = new Builder();
        b.preset = Preset.GOOGLE;
        return b.id("google").loginLabel("Sign in with Google").issuer(URI.create("https://accounts.google.com"))
                .usernameClaim("email");
    }

    /**
     * GitHub's defaults (plain OAuth 2, no OpenID Connect): its authorize, token and user
     * endpoints, the username from {@code login}, id {@code github}, scope {@code read:user} (and
     * {@code read:org} with {@link Builder#allowedOrganizations}).
     *
     * @return a builder with GitHub's defaults
     */
    public static Builder github() {
        Builder b = new Builder();
        b.preset = Preset.GITHUB;
        return b.id("github").loginLabel("Sign in with GitHub").usernameClaim("login");
    }

    /**
     * GitLab's defaults (gitlab.com unless {@link Builder#gitlabUrl}): its OAuth endpoints and
     * {@code /api/v4/user}, the username from {@code username}, id {@code gitlab}, scope
     * {@code read_user} (and {@code read_api} with {@link Builder#allowedGitlabGroups}).
     *
     * @return a builder with GitLab's defaults
     */
    public static Builder gitlab() {
        Builder b = new Builder();
        b.preset = Preset.GITLAB;
        return b.id("gitlab").loginLabel("Sign in with GitLab").usernameClaim("username");
    }

    /**
     * Azure AD / Entra ID's defaults: the tenant's v2.0 issuer
     * ({@code https://login.microsoftonline.com/{tenantId}/v2.0}), the username from
     * {@code preferred_username}, groups from {@code groups}, and for a user in more groups than
     * a token holds (the "groups overage" claim), the groups read from Microsoft Graph.
     *
     * @param tenantId the directory (tenant) id or its domain; not {@code common} or {@code organizations},
     *        whose tokens no single issuer verifies
     * @return a builder with Azure AD's defaults
     */
    public static Builder azureAd(String tenantId) {
        Builder b = new Builder();
        b.preset = Preset.AZURE_AD;
        b.tenantId = tenantId;
        return b.id("azuread").loginLabel("Sign in with Microsoft").usernameClaim("preferred_username").groupsClaim("groups");
    }

    enum Preset { NONE, GOOGLE, GITHUB, GITLAB, AZURE_AD }

    /** Typed passwords are not this login's: always refused. */
    @Override
    public CompletionStage<AuthResult> authenticate(Credentials credentials) {
        return CompletableFuture.completedFuture(AuthResult.refused());
    }

    /** Strips the name and, unless {@link Builder#lowercaseUsernames} is off, lowercases it. */
    @Override
    public String normalizeUsername(String name) {
        return normalize(name, lowercase);
    }

    static String normalize(String name, boolean lowercase) {
        String n = name.strip();
        return lowercase ? n.toLowerCase(Locale.ROOT) : n;
    }

    @Override
    public AccessRules accessRules() {
        return rules;
    }

    @Override
    public boolean hasOwnAllowRules() {
        return groupRules;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String loginLabel() {
        return label;
    }

    @Override
    public String name() {
        return "OAuthAuthenticator(" + id + ")";
    }

    @Override
    public Optional<RedirectLogin> redirectLogin() {
        return Optional.of(flow);
    }

    @Override
    public CompletionStage<RefreshResult> refresh(UserInfo user) {
        return flow.refresh(user);
    }

    @Override
    public Optional<URI> logoutRedirect(UserInfo user, URI afterLogout) {
        return flow.logoutRedirect(user, afterLogout);
    }

    @Override
    public CompletionStage<Optional<java.util.function.Predicate<UserInfo>>> backchannelLogout(java.util.Map<String, String> form) {
        return flow.backchannelLogout(form);
    }

    @Override
    public void close() {
        flow.close();
    }

    /**
     * Configures an {@link OAuthAuthenticator}. Not thread-safe; {@link #build()} checks every
     * field and names each bad one in one {@link ConfigException}.
     *
     * @since 0.3
     */
    public static final class Builder {
        String id = "oidc";
        String loginLabel = "Sign in with OpenID Connect";
        URI issuer;
        URI authorizeUrl;
        URI tokenUrl;
        URI userdataUrl;
        URI jwksUrl;
        URI endSessionUrl;
        URI logoutRedirectUrl;
        boolean providerLogout = true;
        String clientId;
        String clientSecret;
        URI callbackUrl;
        List<String> scope;
        String usernameClaim = "preferred_username";
        String groupsClaim;
        Set<String> allowedUsers = new LinkedHashSet<>();
        Set<String> blockedUsers = new LinkedHashSet<>();
        Set<String> adminUsers = new LinkedHashSet<>();
        Set<String> allowedGroups = new LinkedHashSet<>();
        Set<String> adminGroups = new LinkedHashSet<>();
        boolean allowAll;
        boolean allowExistingUsers;
        boolean manageGroups;
        boolean lowercaseUsernames = true;
        List<String> algorithms = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
        Duration clockSkew = Duration.ofSeconds(60);
        Duration httpTimeout = Duration.ofSeconds(10);
        Duration jwksRefreshInterval = Duration.ofSeconds(30);
        Preset preset = Preset.NONE;
        Set<String> hostedDomains = new LinkedHashSet<>();
        Set<String> allowedOrganizations = new LinkedHashSet<>();
        URI githubApiUrl = URI.create("https://api.github.com");
        Set<String> allowedGitlabGroups = new LinkedHashSet<>();
        URI gitlabUrl = URI.create("https://gitlab.com");
        String tenantId;
        URI graphUrl = URI.create("https://graph.microsoft.com");

        private Builder() {
        }

        /** @param domains Google preset: the Workspace domains ({@code hd} claim) that may log in; empty for any @return this */
        public Builder hostedDomains(Set<String> domains) {
            this.hostedDomains = new LinkedHashSet<>(domains);
            return this;
        }

        /** @param organizations GitHub preset: {@code org} or {@code org:team} entries whose members may log in; they become the user's groups @return this */
        public Builder allowedOrganizations(Set<String> organizations) {
            this.allowedOrganizations = new LinkedHashSet<>(organizations);
            return this;
        }

        /** @param url GitHub preset: the REST API (GitHub Enterprise: {@code https://host/api/v3}); default {@code https://api.github.com} @return this */
        public Builder githubApiUrl(URI url) {
            this.githubApiUrl = url;
            return this;
        }

        /** @param groups GitLab preset: group paths whose members may log in; they become the user's groups @return this */
        public Builder allowedGitlabGroups(Set<String> groups) {
            this.allowedGitlabGroups = new LinkedHashSet<>(groups);
            return this;
        }

        /** @param url GitLab preset: the GitLab instance; default {@code https://gitlab.com} @return this */
        public Builder gitlabUrl(URI url) {
            this.gitlabUrl = url;
            return this;
        }

        /** @param url Azure AD preset: Microsoft Graph, for the groups overage; default {@code https://graph.microsoft.com} @return this */
        public Builder graphUrl(URI url) {
            this.graphUrl = url;
            return this;
        }

        /** @param id this login's id in the hub (letters, digits, {@code -}, {@code _}); default {@code oidc} @return this */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** @param label the login button's text @return this */
        public Builder loginLabel(String label) {
            this.loginLabel = label;
            return this;
        }

        /**
         * @param issuer the OpenID Connect issuer: the endpoints and keys come from its
         *        {@code /.well-known/openid-configuration}, fetched on the first login; ID tokens must name it
         * @return this
         */
        public Builder issuer(URI issuer) {
            this.issuer = issuer;
            return this;
        }

        /** @param url the authorization endpoint (instead of discovery, or overriding it) @return this */
        public Builder authorizeUrl(URI url) {
            this.authorizeUrl = url;
            return this;
        }

        /** @param url the token endpoint @return this */
        public Builder tokenUrl(URI url) {
            this.tokenUrl = url;
            return this;
        }

        /** @param url the userinfo endpoint, asked with the access token for the user's claims @return this */
        public Builder userdataUrl(URI url) {
            this.userdataUrl = url;
            return this;
        }

        /** @param url the provider's JWKS, to verify ID tokens when there is no discovery @return this */
        public Builder jwksUrl(URI url) {
            this.jwksUrl = url;
            return this;
        }

        /** @param url the provider's end-session endpoint (instead of the discovered one) @return this */
        public Builder endSessionUrl(URI url) {
            this.endSessionUrl = url;
            return this;
        }

        /** @param url where logout sends the browser instead of the provider's end-session endpoint @return this */
        public Builder logoutRedirectUrl(URI url) {
            this.logoutRedirectUrl = url;
            return this;
        }

        /** @param enabled whether logout goes on to the provider's end-session endpoint when it has one; default true @return this */
        public Builder providerLogout(boolean enabled) {
            this.providerLogout = enabled;
            return this;
        }

        /** @param clientId the client id registered at the provider @return this */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** @param secret the client secret (none for a public client); never logged @return this */
        public Builder clientSecret(String secret) {
            this.clientSecret = secret;
            return this;
        }

        /** @param url the callback URL registered at the provider; default the hub's own {@code /hub/oauth_callback} @return this */
        public Builder callbackUrl(URI url) {
            this.callbackUrl = url;
            return this;
        }

        /** @param scope the scopes asked for; default {@code openid profile email} with an issuer, none without @return this */
        public Builder scope(List<String> scope) {
            this.scope = scope == null ? null : List.copyOf(scope);
            return this;
        }

        /** @param claim the claim, or dotted path ({@code attributes.login}), holding the username; default {@code preferred_username} @return this */
        public Builder usernameClaim(String claim) {
            this.usernameClaim = claim;
            return this;
        }

        /** @param claim the claim, or dotted path, holding the user's groups (a list of strings, or one string) @return this */
        public Builder groupsClaim(String claim) {
            this.groupsClaim = claim;
            return this;
        }

        /** @param names users allowed to log in @return this */
        public Builder allowedUsers(Set<String> names) {
            this.allowedUsers = new LinkedHashSet<>(names);
            return this;
        }

        /** @param names users never allowed @return this */
        public Builder blockedUsers(Set<String> names) {
            this.blockedUsers = new LinkedHashSet<>(names);
            return this;
        }

        /** @param names users made admins when they log in @return this */
        public Builder adminUsers(Set<String> names) {
            this.adminUsers = new LinkedHashSet<>(names);
            return this;
        }

        /** @param groups provider groups whose members may log in (needs {@link #groupsClaim}) @return this */
        public Builder allowedGroups(Set<String> groups) {
            this.allowedGroups = new LinkedHashSet<>(groups);
            return this;
        }

        /** @param groups provider groups whose members are admins, set at every login (needs {@link #groupsClaim}) @return this */
        public Builder adminGroups(Set<String> groups) {
            this.adminGroups = new LinkedHashSet<>(groups);
            return this;
        }

        /** @param allow allow everyone the provider authenticates @return this */
        public Builder allowAll(boolean allow) {
            this.allowAll = allow;
            return this;
        }

        /** @param allow also allow users already in the hub (added by an admin, or who logged in before); default false @return this */
        public Builder allowExistingUsers(boolean allow) {
            this.allowExistingUsers = allow;
            return this;
        }

        /** @param manage make the user's hub groups those the provider names in {@link #groupsClaim}, at every login and refresh @return this */
        public Builder manageGroups(boolean manage) {
            this.manageGroups = manage;
            return this;
        }

        /** @param lowercase lowercase usernames (JupyterHub's default); off keeps a {@code sub} claim's case @return this */
        public Builder lowercaseUsernames(boolean lowercase) {
            this.lowercaseUsernames = lowercase;
            return this;
        }

        /** @param names the JWS algorithms an ID token may be signed with; default the RSA, RSA-PSS and EC ones @return this */
        public Builder algorithms(List<String> names) {
            this.algorithms = List.copyOf(names);
            return this;
        }

        /** @param skew how far the provider's clock may be from ours for {@code exp} and {@code iat}; default 60 s, at most 5 min @return this */
        public Builder clockSkew(Duration skew) {
            this.clockSkew = skew;
            return this;
        }

        /** @param timeout connect and read timeout of each call to the provider; default 10 s @return this */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = timeout;
            return this;
        }

        /**
         * @param interval the shortest time between two fetches of the JWKS for tokens naming an unknown key
         *        (a rotation); default 30 s, so that made-up key ids cannot make the hub hammer the provider
         * @return this
         */
        public Builder jwksRefreshInterval(Duration interval) {
            this.jwksRefreshInterval = interval;
            return this;
        }

        /** The preset's endpoints and scopes, where the caller set none. */
        private void presetDefaults() {
            switch (preset) {
                case GITHUB -> {
                    String web = githubApiUrl.getHost().equals("api.github.com") ? "https://github.com"
                            : githubApiUrl.getScheme() + "://" + githubApiUrl.getAuthority();
                    authorizeUrl = authorizeUrl != null ? authorizeUrl : URI.create(web + "/login/oauth/authorize");
                    tokenUrl = tokenUrl != null ? tokenUrl : URI.create(web + "/login/oauth/access_token");
                    userdataUrl = userdataUrl != null ? userdataUrl : URI.create(githubApiUrl.toString().replaceAll("/$", "") + "/user");
                    scope = scope != null ? scope : allowedOrganizations.isEmpty() ? List.of("read:user") : List.of("read:user", "read:org");
                }
                case GITLAB -> {
                    String g = gitlabUrl.toString().replaceAll("/$", "");
                    authorizeUrl = authorizeUrl != null ? authorizeUrl : URI.create(g + "/oauth/authorize");
                    tokenUrl = tokenUrl != null ? tokenUrl : URI.create(g + "/oauth/token");
                    userdataUrl = userdataUrl != null ? userdataUrl : URI.create(g + "/api/v4/user");
                    scope = scope != null ? scope : allowedGitlabGroups.isEmpty() ? List.of("read_user") : List.of("read_user", "read_api");
                }
                case AZURE_AD -> {
                    if (issuer == null && tenantId != null && tenantId.matches("[A-Za-z0-9.-]{1,100}")) {
                        issuer = URI.create("https://login.microsoftonline.com/" + tenantId + "/v2.0");
                    }
                }
                default -> { }
            }
        }

        private boolean issuerIsTheTenants() {
            return issuer != null && issuer.getPath().startsWith("/" + tenantId + "/");
        }

        private org.hubkit.auth.oauth.internal.ProviderChecks checks() {
            return switch (preset) {
                case GOOGLE -> org.hubkit.auth.oauth.internal.ProviderChecks.google(Set.copyOf(hostedDomains));
                case GITHUB -> org.hubkit.auth.oauth.internal.ProviderChecks.github(githubApiUrl, Set.copyOf(allowedOrganizations));
                case GITLAB -> org.hubkit.auth.oauth.internal.ProviderChecks.gitlab(gitlabUrl, Set.copyOf(allowedGitlabGroups));
                case AZURE_AD -> org.hubkit.auth.oauth.internal.ProviderChecks.azureAd(graphUrl);
                case NONE -> org.hubkit.auth.oauth.internal.ProviderChecks.NONE;
            };
        }

        /** @return the authenticator @throws ConfigException naming every bad field */
        public OAuthAuthenticator build() {
            List<String> problems = new ArrayList<>();
            presetDefaults();
            if (preset == Preset.AZURE_AD && (tenantId == null || !tenantId.matches("[A-Za-z0-9.-]{1,100}"))) {
                problems.add("tenantId: required for Azure AD, the directory (tenant) id or domain, got " + tenantId);
            } else if (preset == Preset.AZURE_AD && issuerIsTheTenants() && List.of("common", "organizations", "consumers")
                    .contains(tenantId.toLowerCase(Locale.ROOT))) {
                // Their discovery names a templated issuer ({tenantid}) that no ID token carries: nothing could be verified.
                problems.add("tenantId: '" + tenantId + "' is multi-tenant, which needs per-tenant issuers; give the directory id");
            }
            if (!hostedDomains.isEmpty() && preset != Preset.GOOGLE) {
                problems.add("hostedDomains: only for the Google preset");
            }
            if (!allowedOrganizations.isEmpty() && preset != Preset.GITHUB) {
                problems.add("allowedOrganizations: only for the GitHub preset");
            }
            if (!allowedGitlabGroups.isEmpty() && preset != Preset.GITLAB) {
                problems.add("allowedGitlabGroups: only for the GitLab preset");
            }
            checkUrl(problems, "githubApiUrl", githubApiUrl);
            checkUrl(problems, "gitlabUrl", gitlabUrl);
            checkUrl(problems, "graphUrl", graphUrl);
            if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) {
                problems.add("id: must be 1-64 letters, digits, '-' or '_', got " + id);
            }
            if (loginLabel == null || loginLabel.isBlank()) {
                problems.add("loginLabel: required");
            }
            if (clientId == null || clientId.isBlank()) {
                problems.add("clientId: required");
            }
            checkUrl(problems, "issuer", issuer);
            checkUrl(problems, "authorizeUrl", authorizeUrl);
            checkUrl(problems, "tokenUrl", tokenUrl);
            checkUrl(problems, "userdataUrl", userdataUrl);
            checkUrl(problems, "jwksUrl", jwksUrl);
            checkUrl(problems, "endSessionUrl", endSessionUrl);
            checkUrl(problems, "logoutRedirectUrl", logoutRedirectUrl);
            checkUrl(problems, "callbackUrl", callbackUrl);
            if (issuer == null && (authorizeUrl == null || tokenUrl == null)) {
                problems.add("issuer: required, or both authorizeUrl and tokenUrl for a provider without OpenID Connect discovery");
            }
            if (issuer == null && tokenUrl != null && userdataUrl == null && (scope == null || !scope.contains("openid"))) {
                problems.add("userdataUrl: required without an issuer and the openid scope (the username comes from it)");
            }
            if (usernameClaim == null || usernameClaim.isBlank()) {
                problems.add("usernameClaim: required");
            }
            boolean groupsFromApi = preset == Preset.GITHUB || preset == Preset.GITLAB; // the organisations or groups checked
            if ((!allowedGroups.isEmpty() || !adminGroups.isEmpty() || manageGroups) && !groupsFromApi
                    && (groupsClaim == null || groupsClaim.isBlank())) {
                problems.add("groupsClaim: required with allowedGroups, adminGroups or manageGroups");
            }
            if (algorithms.isEmpty()) {
                problems.add("algorithms: at least one");
            }
            for (String a : algorithms) {
                if (!CodeFlow.isAsymmetricAlgorithm(a)) {
                    problems.add("algorithms: '" + a + "' is not an asymmetric JWS algorithm (RS*, PS*, ES*, EdDSA)");
                }
            }
            if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
                problems.add("clockSkew: must be between 0 and 5 minutes, got " + clockSkew);
            }
            if (httpTimeout == null || httpTimeout.isNegative() || httpTimeout.isZero()) {
                problems.add("httpTimeout: must be a positive duration, got " + httpTimeout);
            }
            if (jwksRefreshInterval == null || jwksRefreshInterval.isNegative()) {
                problems.add("jwksRefreshInterval: must not be negative, got " + jwksRefreshInterval);
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            List<String> scopes = scope != null ? scope : issuer != null ? List.of("openid", "profile", "email") : List.of();
            CodeFlow flow = new CodeFlow(new CodeFlow.Config(id, issuer, authorizeUrl, tokenUrl, userdataUrl, jwksUrl, endSessionUrl,
                    logoutRedirectUrl, providerLogout, clientId, clientSecret, callbackUrl, scopes, usernameClaim, groupsClaim,
                    Set.copyOf(allowedGroups), Set.copyOf(adminGroups), Set.copyOf(adminUsers), manageGroups, algorithms, clockSkew,
                    httpTimeout, jwksRefreshInterval, checks()), this::normalize);
            return new OAuthAuthenticator(this, flow);
        }

        private String normalize(String name) {
            return OAuthAuthenticator.normalize(name, lowercaseUsernames);
        }

        private static void checkUrl(List<String> problems, String field, URI url) {
            if (url != null && (url.getScheme() == null || url.getHost() == null
                    || !(url.getScheme().equals("https") || url.getScheme().equals("http")))) {
                problems.add(field + ": must be an http or https URL, got " + url);
            }
        }
    }
}
