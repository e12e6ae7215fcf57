package org.hubkit.auth.oauth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import com.nimbusds.openid.connect.sdk.LogoutRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.LogoutTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import com.nimbusds.openid.connect.sdk.validators.LogoutTokenValidator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.hubkit.api.AuthResult;
import org.hubkit.api.HubException;
import org.hubkit.api.RedirectLogin;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorization-code flow with PKCE and a nonce, token exchange, ID token verification,
 * userinfo, refresh and RP-initiated logout, on Nimbus. Nimbus's exceptions stop here: a login the
 * provider or the checks refuse is {@link AuthResult#refused()} with one log line saying why (never
 * a code, token or secret); a provider that cannot be reached is a {@link HubException}.
 *
 * <p><b>Locking rule:</b> the provider's endpoints are resolved once (discovery on first use) under
 * this object's monitor and then read without it; everything else is immutable or thread-safe
 * (Nimbus's caching JWK source).
 */
public final class CodeFlow implements RedirectLogin, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CodeFlow.class);
    private static final String NONCE = "nonce";
    private static final String VERIFIER = "code_verifier";
    /** The oldest ID token accepted from a token endpoint: it was issued for this login, moments ago. */
    private static final Duration MAX_ID_TOKEN_AGE = Duration.ofMinutes(10);
    /** An access token this close to its expiry is refreshed rather than used again. */
    private static final long EXPIRY_MARGIN_SECONDS = 30;

    /** Everything the builder checked. */
    public record Config(String id, URI issuer, URI authorizeUrl, URI tokenUrl, URI userdataUrl, URI jwksUrl, URI endSessionUrl,
                         URI logoutRedirectUrl, boolean providerLogout, String clientId, String clientSecret, URI callbackUrl,
                         List<String> scope, String usernameClaim, String groupsClaim, Set<String> allowedGroups,
                         Set<String> adminGroups, Set<String> adminUsers, boolean manageGroups, List<String> algorithms,
                         Duration clockSkew, Duration httpTimeout, Duration jwksRefreshInterval, ProviderChecks checks) {
        @Override
        public String toString() {
            return "Config[id=" + id + ", issuer=" + issuer + ", clientId=" + clientId + ", clientSecret=***]";
        }
    }

    /** The provider's endpoints, as discovered or configured. */
    private record Endpoints(URI authorize, URI token, URI userinfo, URI endSession, IDTokenValidator idTokens,
                             LogoutTokenValidator logoutTokens) { }

    private final Config config;
    private final UnaryOperator<String> normalize;
    private final ClientID clientId;
    private final ExecutorService threads;
    private volatile Endpoints endpoints;
    /** Logout tokens' {@code jti} seen, with when to forget them (epoch seconds): each is accepted once. */
    private final Map<String, Long> usedLogoutTokens = new java.util.concurrent.ConcurrentHashMap<>();

    public CodeFlow(Config config, UnaryOperator<String> normalize) {
        this.config = config;
        this.normalize = normalize;
        this.clientId = new ClientID(config.clientId());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hubkit-oauth-" + config.id() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** @return whether a JWS algorithm name is one of the asymmetric ones an ID token may use (never HS* or none) */
    public static boolean isAsymmetricAlgorithm(String name) {
        JWSAlgorithm a = JWSAlgorithm.parse(name);
        return JWSAlgorithm.Family.RSA.contains(a) || JWSAlgorithm.Family.EC.contains(a) || JWSAlgorithm.Family.ED.contains(a);
    }

    // ------------------------------------------------------------------ endpoints

    private Endpoints endpoints() {
        Endpoints e = endpoints;
        if (e == null) {
            synchronized (this) {
                e = endpoints;
                if (e == null) {
                    e = resolve();
                    endpoints = e;
                }
            }
        }
        return e;
    }

    private Endpoints resolve() {
        int timeout = (int) config.httpTimeout().toMillis();
        URI authorize = config.authorizeUrl();
        URI token = config.tokenUrl();
        URI userinfo = config.userdataUrl();
        URI jwks = config.jwksUrl();
        URI endSession = config.endSessionUrl();
        if (config.issuer() != null) {
            OIDCProviderMetadata m;
            try {
                m = OIDCProviderMetadata.resolve(new Issuer(config.issuer().toString()), timeout, timeout);
            } catch (com.nimbusds.oauth2.sdk.GeneralException | IOException e) {
                throw new HubException("OpenID Connect discovery at " + config.issuer() + " failed: " + e.getMessage(), e);
            }
            authorize = authorize != null ? authorize : m.getAuthorizationEndpointURI();
            token = token != null ? token : m.getTokenEndpointURI();
            userinfo = userinfo != null ? userinfo : m.getUserInfoEndpointURI();
            jwks = jwks != null ? jwks : m.getJWKSetURI();
            endSession = endSession != null ? endSession : m.getEndSessionEndpointURI();
            LOG.info("Authenticator {}: discovered the endpoints of {}", config.id(), config.issuer());
        }
        if (authorize == null || token == null) {
            throw new HubException("Authenticator " + config.id() + ": the provider names no authorization or token endpoint");
        }
        IDTokenValidator validator = null;
        LogoutTokenValidator logoutValidator = null;
        if (jwks != null && config.issuer() != null) {
            JWKSource<SecurityContext> keys;
            try {
                keys = JWKSourceBuilder.<SecurityContext>create(jwks.toURL(), new DefaultResourceRetriever(timeout, timeout, 512 * 1024))
                        .cache(Duration.ofMinutes(15).toMillis(), timeout)
                        .rateLimited(Math.max(1, config.jwksRefreshInterval().toMillis()))
                        .retrying(false)
                        .build();
            } catch (java.net.MalformedURLException e) {
                throw new HubException("Authenticator " + config.id() + ": bad JWKS URL " + jwks, e);
            }
            Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
            config.algorithms().forEach(a -> algorithms.add(JWSAlgorithm.parse(a)));
            JWSVerificationKeySelector<SecurityContext> selector = new JWSVerificationKeySelector<>(algorithms, keys);
            validator = new IDTokenValidator(new Issuer(config.issuer().toString()), clientId, selector, null);
            validator.setMaxClockSkew((int) config.clockSkew().toSeconds());
            // typ logout+jwt is recommended, not required: providers that leave it out are still checked in full
            logoutValidator = new LogoutTokenValidator(new Issuer(config.issuer().toString()), clientId, false, selector, null);
        }
        return new Endpoints(authorize, token, userinfo, endSession, validator, logoutValidator);
    }

    private boolean openid() {
        return config.scope().contains("openid");
    }

    // ------------------------------------------------------------------ login

    @Override
    public Redirect begin(Start start) {
        Endpoints e = endpoints();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        AuthorizationRequest.Builder b = new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE), clientId)
                .endpointURI(e.authorize())
                .redirectionURI(callback(start.callbackUrl()))
                .state(new State(start.state()))
                .codeChallenge(verifier, CodeChallengeMethod.S256);
        if (!config.scope().isEmpty()) {
            b.scope(new Scope(config.scope().toArray(String[]::new)));
        }
        if (openid()) {
            b.customParameter(NONCE, nonce.getValue());
        }
        return new Redirect(b.build().toURI(), Map.of(NONCE, nonce.getValue(), VERIFIER, verifier.getValue()));
    }

    private URI callback(URI hubs) {
        return config.callbackUrl() != null ? config.callbackUrl() : hubs;
    }

    @Override
    public CompletionStage<AuthResult> complete(Callback callback) {
        return CompletableFuture.supplyAsync(() -> completeNow(callback), threads);
    }

    private AuthResult completeNow(Callback callback) {
        String code = callback.parameters().get("code");
        String nonce = callback.kept().get(NONCE);
        String verifier = callback.kept().get(VERIFIER);
        if (code == null || code.isEmpty()) {
            return refused("the callback has no code");
        }
        if (nonce == null || verifier == null) {
            return refused("the login's nonce or PKCE verifier is missing");
        }
        Endpoints e = endpoints();
        Tokens tokens = tokenRequest(e, new AuthorizationCodeGrant(new AuthorizationCode(code), callback(callback.callbackUrl()),
                new CodeVerifier(verifier)), "exchanging the code");
        if (tokens == null) {
            return AuthResult.refused();
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        JWT idToken = tokens instanceof OIDCTokens o ? o.getIDToken() : null;
        if (openid()) {
            if (idToken == null) {
                return refused("the token response holds no ID token");
            }
            IDTokenClaimsSet verified = verifyIdToken(e, idToken, new Nonce(nonce), true);
            if (verified == null) {
                return AuthResult.refused();
            }
            claims.putAll(verified.toJSONObject());
        }
        Map<String, Object> userinfo = userinfo(e, tokens, claims);
        if (userinfo == null) {
            return AuthResult.refused();
        }
        claims.putAll(userinfo);
        return result(claims, authState(tokens, null, claims));
    }

    /** @return the tokens, or null when the provider refused (logged); throws when it cannot be reached */
    private Tokens tokenRequest(Endpoints e, AuthorizationGrant grant, String what) {
        TokenRequest request = config.clientSecret() == null || config.clientSecret().isEmpty()
                ? new TokenRequest(e.token(), clientId, grant)
                : new TokenRequest(e.token(), new ClientSecretBasic(clientId, new Secret(config.clientSecret())), grant);
        HTTPRequest http = request.toHTTPRequest();
        http.setAccept("application/json"); // GitHub answers form-encoded otherwise
        HTTPResponse response = send(http, what);
        TokenResponse parsed;
        try {
            parsed = OIDCTokenResponseParser.parse(response);
        } catch (ParseException ex) {
            LOG.info("Authenticator {}: {} failed: the token endpoint's answer (HTTP {}) is not a token response", config.id(), what,
                    response.getStatusCode());
            return null;
        }
        if (!parsed.indicatesSuccess()) {
            ErrorObject error = parsed.toErrorResponse().getErrorObject();
            LOG.info("Authenticator {}: {} refused by the provider: {} (HTTP {})", config.id(), what,
                    error == null ? "no error code" : clean(error.getCode()), response.getStatusCode());
            return null;
        }
        return parsed.toSuccessResponse().getTokens();
    }

    private HTTPResponse send(HTTPRequest request, String what) {
        int timeout = (int) config.httpTimeout().toMillis();
        request.setConnectTimeout(timeout);
        request.setReadTimeout(timeout);
        try {
            return request.send();
        } catch (IOException ex) {
            throw new HubException("Authenticator " + config.id() + ": " + what + " failed: the provider at "
                    + request.getURI().getHost() + " did not answer (" + ex.getClass().getSimpleName() + ")", ex);
        }
    }

    /** @return the verified claims, or null (logged) */
    private IDTokenClaimsSet verifyIdToken(Endpoints e, JWT idToken, Nonce nonce, boolean fresh) {
        if (e.idTokens() == null) {
            LOG.info("Authenticator {}: refused an ID token: no issuer and JWKS to verify it with", config.id());
            return null;
        }
        IDTokenClaimsSet claims;
        try {
            claims = e.idTokens().validate(idToken, nonce);
        } catch (BadJOSEException ex) {
            LOG.info("Authenticator {}: refused an ID token: {}", config.id(), clean(ex.getMessage()));
            return null;
        } catch (com.nimbusds.jose.JOSEException ex) {
            LOG.info("Authenticator {}: could not verify an ID token: {}", config.id(), clean(ex.getMessage()));
            return null;
        }
        if (fresh && claims.getIssueTime() != null
                && claims.getIssueTime().toInstant().isBefore(Instant.now().minus(MAX_ID_TOKEN_AGE).minus(config.clockSkew()))) {
            LOG.info("Authenticator {}: refused an ID token issued at {}, too long ago for this login", config.id(),
                    claims.getIssueTime().toInstant());
            return null;
        }
        return claims;
    }

    /** @return the userinfo claims (empty without an endpoint), or null when refused (logged) */
    private Map<String, Object> userinfo(Endpoints e, Tokens tokens, Map<String, Object> idClaims) {
        if (e.userinfo() == null) {
            return Map.of();
        }
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, e.userinfo());
        request.setAuthorization(tokens.getAccessToken().toAuthorizationHeader());
        request.setAccept("application/json");
        HTTPResponse response = send(request, "asking for the user's information");
        if (response.getStatusCode() != 200) {
            LOG.info("Authenticator {}: the userinfo endpoint answered HTTP {}", config.id(), response.getStatusCode());
            return null;
        }
        Map<String, Object> info;
        try {
            info = JSONObjectUtils.parse(response.getBody());
        } catch (ParseException ex) {
            // An OpenID provider may sign its userinfo answer: a JWT whose claims we only use alongside a verified ID token.
            LOG.info("Authenticator {}: the userinfo answer is not a JSON object", config.id());
            return null;
        }
        Object idSub = idClaims.get("sub");
        if (idSub != null && info.get("sub") != null && !idSub.equals(info.get("sub"))) {
            LOG.info("Authenticator {}: refused a login whose userinfo names another subject than its ID token", config.id());
            return null;
        }
        return info;
    }

    private static Map<String, Object> authState(Tokens tokens, Map<String, Object> previous, Map<String, Object> claims) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("access_token", tokens.getAccessToken().getValue());
        s.put("token_type", tokens.getAccessToken().getType().getValue());
        if (tokens.getAccessToken().getLifetime() > 0) {
            s.put("expires_at", Instant.now().getEpochSecond() + tokens.getAccessToken().getLifetime());
        }
        if (tokens.getAccessToken().getScope() != null) {
            s.put("scope", tokens.getAccessToken().getScope().toString());
        }
        Object refresh = tokens.getRefreshToken() != null ? tokens.getRefreshToken().getValue()
                : previous == null ? null : previous.get("refresh_token");
        if (refresh != null) {
            s.put("refresh_token", refresh);
        }
        Object id = tokens instanceof OIDCTokens o && o.getIDTokenString() != null ? o.getIDTokenString()
                : previous == null ? null : previous.get("id_token");
        if (id != null) {
            s.put("id_token", id);
        }
        s.put("user", Claims.json(claims));
        return s;
    }

    /** The username, groups and the OAuthenticator 16 group rules applied to the claims. */
    private AuthResult result(Map<String, Object> claims, Map<String, Object> authState) {
        Optional<String> name = Claims.string(claims, config.usernameClaim());
        if (name.isEmpty() || name.get().isBlank()) {
            return refused("the claim '" + config.usernameClaim() + "' (usernameClaim) is missing or not a string");
        }
        Set<String> groups = config.groupsClaim() == null ? Set.of() : Claims.strings(claims, config.groupsClaim());
        ProviderChecks.Decision provider = config.checks().check(claims, this::apiGet, (String) authState.get("access_token"));
        if (provider.refusal() != null) {
            return refused(provider.refusal());
        }
        if (provider.groups() != null) {
            groups = provider.groups();
        }
        boolean groupAdmin = groups.stream().anyMatch(config.adminGroups()::contains);
        boolean groupAllowed = provider.allowed() || groupAdmin || groups.stream().anyMatch(config.allowedGroups()::contains);
        Optional<Boolean> admin = config.adminGroups().isEmpty() ? Optional.empty()
                : Optional.of(groupAdmin || config.adminUsers().contains(normalize.apply(name.get())));
        return new AuthResult(true, name.get(), admin, config.manageGroups() ? groups : null, authState, groupAllowed);
    }

    private ProviderChecks.Answer apiGet(URI url, String token) {
        try {
            return ProviderChecks.get(url, token, (int) config.httpTimeout().toMillis());
        } catch (IOException e) {
            throw new HubException("Authenticator " + config.id() + ": the provider's API at " + url.getHost() + " did not answer ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    private AuthResult refused(String why) {
        LOG.info("Authenticator {}: login refused: {}", config.id(), why);
        return AuthResult.refused();
    }

    // ------------------------------------------------------------------ refresh and logout

    /**
     * As OAuthenticator 17.2's {@code refresh_user}: while the access token is valid, the user's
     * information is read again with it (a provider that no longer accepts it refuses the user);
     * once it has expired, a refresh-token grant; expired without a refresh token, the user must
     * log in again.
     */
    public CompletionStage<RefreshResult> refresh(UserInfo user) {
        Map<String, Object> state = user.authState();
        String refreshToken = state.get("refresh_token") instanceof String r ? r : null;
        String accessToken = state.get("access_token") instanceof String a ? a : null;
        long expiresAt = state.get("expires_at") instanceof Number n ? n.longValue() : Long.MAX_VALUE;
        boolean expired = expiresAt <= Instant.now().getEpochSecond() + EXPIRY_MARGIN_SECONDS;
        if (accessToken == null && refreshToken == null) {
            return CompletableFuture.completedFuture(RefreshResult.unchanged()); // nothing stored to check (no crypt key, a restart)
        }
        if (expired || accessToken == null) {
            if (refreshToken == null) {
                return CompletableFuture.completedFuture(RefreshResult.refused("the access token expired and there is no refresh token"));
            }
            return CompletableFuture.supplyAsync(() -> refreshNow(user, refreshToken), threads);
        }
        return CompletableFuture.supplyAsync(() -> recheck(user, accessToken), threads);
    }

    /** The user's information read again with the access token they have. */
    private RefreshResult recheck(UserInfo user, String accessToken) {
        Endpoints e = endpoints();
        if (e.userinfo() == null) {
            return RefreshResult.unchanged();
        }
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, e.userinfo());
        request.setAuthorization("Bearer " + accessToken);
        request.setAccept("application/json");
        HTTPResponse response = send(request, "checking " + user.name() + "'s access token");
        if (response.getStatusCode() == 401 || response.getStatusCode() == 403) {
            return RefreshResult.refused("the provider no longer accepts the access token (HTTP " + response.getStatusCode() + ")");
        }
        if (response.getStatusCode() != 200) {
            throw new HubException("Authenticator " + config.id() + ": the userinfo endpoint answered HTTP " + response.getStatusCode());
        }
        Map<String, Object> info;
        try {
            info = JSONObjectUtils.parse(response.getBody());
        } catch (ParseException ex) {
            throw new HubException("Authenticator " + config.id() + ": the userinfo answer is not a JSON object");
        }
        Map<String, Object> claims = new LinkedHashMap<>(storedClaims(user));
        if (claims.get("sub") != null && info.get("sub") != null && !claims.get("sub").equals(info.get("sub"))) {
            return RefreshResult.refused("the userinfo endpoint names another subject");
        }
        claims.putAll(info);
        Map<String, Object> state = new LinkedHashMap<>(user.authState());
        state.put("user", Claims.json(claims));
        AuthResult r = result(claims, state);
        return r.accepted() ? RefreshResult.updated(r) : RefreshResult.refused("the user's claims name no user any more");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> storedClaims(UserInfo user) {
        return user.authState().get("user") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private RefreshResult refreshNow(UserInfo user, String refreshToken) {
        Endpoints e = endpoints();
        Tokens tokens = tokenRequest(e, new RefreshTokenGrant(new RefreshToken(refreshToken)), "refreshing " + user.name());
        if (tokens == null) {
            return RefreshResult.refused("the provider refused the refresh token");
        }
        Map<String, Object> before = storedClaims(user);
        Map<String, Object> claims = new LinkedHashMap<>(before);
        JWT idToken = tokens instanceof OIDCTokens o ? o.getIDToken() : null;
        if (idToken != null) {
            IDTokenClaimsSet verified = verifyIdToken(e, idToken, null, false);
            if (verified == null) {
                return RefreshResult.refused("the refreshed ID token did not verify");
            }
            if (before.get("sub") != null && !before.get("sub").equals(verified.getSubject().getValue())) {
                return RefreshResult.refused("the refreshed ID token names another subject");
            }
            claims.putAll(verified.toJSONObject());
        }
        Map<String, Object> info = userinfo(e, tokens, claims);
        if (info == null) {
            return RefreshResult.refused("the userinfo endpoint refused the refreshed access token");
        }
        claims.putAll(info);
        AuthResult r = result(claims, authState(tokens, user.authState(), claims));
        if (!r.accepted()) {
            return RefreshResult.refused("the refreshed claims name no user");
        }
        return RefreshResult.updated(r);
    }

    /** The configured logout URL, else the provider's end-session endpoint with the ID token as hint. */
    public Optional<URI> logoutRedirect(UserInfo user, URI afterLogout) {
        if (config.logoutRedirectUrl() != null) {
            return Optional.of(config.logoutRedirectUrl());
        }
        if (!config.providerLogout()) {
            return Optional.empty();
        }
        Endpoints e;
        try {
            e = endpoints();
        } catch (HubException unreachable) {
            return Optional.empty(); // the hub's own session is ended; the provider's cannot be
        }
        if (e.endSession() == null) {
            return Optional.empty();
        }
        JWT hint = null;
        if (user.authState().get("id_token") instanceof String s) {
            try {
                hint = JWTParser.parse(s);
            } catch (java.text.ParseException ignored) {
                // no hint then
            }
        }
        return Optional.of(new LogoutRequest(e.endSession(), hint, null, clientId, afterLogout, null, null).toURI());
    }

    /**
     * OpenID Connect back-channel logout: the logout token verified like an ID token (signature,
     * algorithm, {@code iss}, {@code aud}, {@code iat}, the back-channel {@code events} claim,
     * {@code sub} or {@code sid}, no {@code nonce}), used once ({@code jti}), not older than 10 minutes.
     *
     * @return users whose stored claims have that {@code sub} (and {@code sid}, when the token names one)
     */
    public CompletionStage<Optional<Predicate<UserInfo>>> backchannelLogout(Map<String, String> form) {
        return CompletableFuture.supplyAsync(() -> backchannelLogoutNow(form.get("logout_token")), threads)
                .exceptionally(e -> {
                    LOG.info("Authenticator {}: back-channel logout refused: {}", config.id(), clean(e.getMessage()));
                    return Optional.empty();
                });
    }

    private Optional<Predicate<UserInfo>> backchannelLogoutNow(String token) {
        if (token == null || token.isEmpty()) {
            LOG.info("Authenticator {}: back-channel logout refused: no logout_token", config.id());
            return Optional.empty();
        }
        Endpoints e = endpoints();
        if (e.logoutTokens() == null) {
            LOG.info("Authenticator {}: back-channel logout refused: no issuer and JWKS to verify it with", config.id());
            return Optional.empty();
        }
        LogoutTokenClaimsSet claims;
        try {
            claims = e.logoutTokens().validate(JWTParser.parse(token));
        } catch (java.text.ParseException | BadJOSEException | com.nimbusds.jose.JOSEException ex) {
            LOG.info("Authenticator {}: back-channel logout refused: {}", config.id(), clean(ex.getMessage()));
            return Optional.empty();
        }
        Instant issued = claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant();
        if (issued == null || issued.isBefore(Instant.now().minus(MAX_ID_TOKEN_AGE).minus(config.clockSkew()))
                || issued.isAfter(Instant.now().plus(config.clockSkew()))) {
            LOG.info("Authenticator {}: back-channel logout refused: issued at {}", config.id(), issued);
            return Optional.empty();
        }
        long now = Instant.now().getEpochSecond();
        usedLogoutTokens.values().removeIf(expiry -> expiry < now);
        String jti = claims.getJWTID() == null ? null : claims.getJWTID().getValue();
        if (jti == null || usedLogoutTokens.putIfAbsent(jti, now + MAX_ID_TOKEN_AGE.toSeconds() * 2) != null) {
            LOG.info("Authenticator {}: back-channel logout refused: {}", config.id(), jti == null ? "no jti" : "jti already used");
            return Optional.empty();
        }
        String sub = claims.getSubject() == null ? null : claims.getSubject().getValue();
        String sid = claims.getSessionID() == null ? null : claims.getSessionID().getValue();
        return Optional.of(user -> {
            Object stored = user.authState().get("user");
            if (!(stored instanceof Map<?, ?> c)) {
                return false;
            }
            return (sub == null || sub.equals(c.get("sub"))) && (sid == null || sid.equals(c.get("sid")));
        });
    }

    /** A provider's error code or Nimbus's message, one line, short: never holds a token (those are not in messages). */
    private static String clean(String s) {
        if (s == null) {
            return "-";
        }
        String one = s.replaceAll("[\\r\\n\\t]", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
