package org.hubkit.auth.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A small OpenID Connect provider of the test's own, on a JDK {@code HttpServer} at 127.0.0.1:
 * discovery, JWKS, an authorization endpoint that approves at once, a token endpoint and userinfo.
 * It stands in for a real provider where mock-oauth2-server cannot be made to misbehave on
 * purpose: the test decides how the next ID token is wrong (another audience, a key the JWKS does
 * not hold, another nonce, expired, issued long ago), rotates the signing key, and makes refresh
 * grants fail. Tokens are signed with Nimbus, RS256, with keys generated per run.
 */
final class LocalProvider implements AutoCloseable {
    private record Grant(String subject, String nonce, String clientId) { }

    private final HttpServer server;
    final URI issuer;
    private final List<RSAKey> published = new ArrayList<>();
    private volatile RSAKey signing;
    /** Changes the next ID token's claims before it is signed; reset after each use. */
    volatile UnaryOperator<JWTClaimsSet.Builder> tamper = UnaryOperator.identity();
    /** Signs the next ID token with this key instead (one the JWKS does not hold). */
    volatile RSAKey signNextWith;
    volatile boolean refuseRefresh;
    /** The lifetime of the access tokens it issues, in seconds. */
    volatile int expiresIn = 300;
    /** Whether userinfo names the groups ({@code ["staff"]}), as some providers do and Azure AD's does not. */
    volatile boolean userinfoGroups = true;
    final AtomicInteger jwksFetches = new AtomicInteger();
    final AtomicInteger refreshGrants = new AtomicInteger();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, String> subjects = new ConcurrentHashMap<>();
    /** The subject the next approval logs in. */
    volatile String nextSubject = "alice";

    LocalProvider() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realm");
        signing = newKey();
        published.add(signing);
        server.createContext("/realm/.well-known/openid-configuration", this::discovery);
        server.createContext("/realm/jwks", this::jwks);
        server.createContext("/realm/authorize", this::authorize);
        server.createContext("/realm/token", this::token);
        server.createContext("/realm/userinfo", this::userinfo);
        server.start();
    }

    static RSAKey newKey() throws JOSEException {
        return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    }

    /** Forgets an access token, as a provider does when the user is disabled or the grant revoked. */
    void revoke(String accessToken) {
        subjects.remove(accessToken);
    }

    /** A new signing key, published beside the old one (the old one stays valid, as providers do). */
    synchronized void rotate() throws JOSEException {
        signing = newKey();
        published.add(0, signing);
    }

    /**
     * The provider's side of a login: what its redirect to the callback carries.
     *
     * @param authorize the authorization URL the authenticator built
     */
    Map<String, String> approve(URI authorize) {
        Map<String, String> q = query(authorize.getRawQuery());
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(nextSubject, q.get("nonce"), q.get("client_id")));
        return Map.of("code", code, "state", q.get("state"));
    }

    private void discovery(HttpExchange x) throws IOException {
        String i = issuer.toString();
        json(x, 200, "{\"issuer\":\"" + i + "\",\"authorization_endpoint\":\"" + i + "/authorize\",\"token_endpoint\":\"" + i
                + "/token\",\"userinfo_endpoint\":\"" + i + "/userinfo\",\"jwks_uri\":\"" + i + "/jwks\","
                + "\"end_session_endpoint\":\"" + i + "/logout\",\"response_types_supported\":[\"code\"],"
                + "\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    }

    private synchronized void jwks(HttpExchange x) throws IOException {
        jwksFetches.incrementAndGet();
        json(x, 200, new JWKSet(new ArrayList<>(published)).toPublicJWKSet().toString());
    }

    private void authorize(HttpExchange x) throws IOException {
        Map<String, String> p = approve(x.getRequestURI());
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        x.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + p.get("code") + "&state=" + p.get("state"));
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private void token(HttpExchange x) throws IOException {
        Map<String, String> form = query(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Grant g;
        if ("refresh_token".equals(form.get("grant_type"))) {
            refreshGrants.incrementAndGet();
            g = refuseRefresh ? null : refreshTokens.get(form.get("refresh_token"));
        } else {
            g = codes.remove(form.get("code")); // single use
        }
        if (g == null) {
            json(x, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        String refresh = UUID.randomUUID().toString();
        refreshTokens.put(refresh, new Grant(g.subject(), null, g.clientId()));
        String access = "at-" + UUID.randomUUID();
        subjects.put(access, g.subject());
        String idToken;
        try {
            idToken = idToken(g);
        } catch (JOSEException e) {
            throw new IOException(e);
        }
        json(x, 200, "{\"access_token\":\"" + access + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + ",\"refresh_token\":\""
                + refresh + "\",\"id_token\":\"" + idToken + "\"}");
    }

    private String idToken(Grant g) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer.toString()).subject(g.subject())
                .audience(g.clientId() == null ? "hub" : g.clientId()).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300))).claim("preferred_username", g.subject());
        if (g.nonce() != null) {
            claims.claim("nonce", g.nonce());
        }
        claims.claim("sid", "sid-" + g.subject());
        claims = tamper.apply(claims);
        tamper = UnaryOperator.identity();
        RSAKey key = signNextWith != null ? signNextWith : signing;
        signNextWith = null;
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /**
     * A back-channel logout token (OpenID Connect Back-Channel Logout 1.0) for a subject and its
     * session id, signed with the current key unless {@code key} is given.
     */
    String logoutToken(String subject, String sid, String audience, RSAKey key) throws JOSEException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer.toString()).audience(audience)
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(120))).jwtID(UUID.randomUUID().toString())
                .claim("events", Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of()));
        if (subject != null) {
            claims.subject(subject);
        }
        if (sid != null) {
            claims.claim("sid", sid);
        }
        RSAKey k = key != null ? key : signing;
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(k.getKeyID())
                .type(new com.nimbusds.jose.JOSEObjectType("logout+jwt")).build(), claims.build());
        jwt.sign(new RSASSASigner(k));
        return jwt.serialize();
    }

    private void userinfo(HttpExchange x) throws IOException {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String subject = auth == null ? null : subjects.get(auth.replaceFirst("^Bearer ", ""));
        if (subject == null) {
            json(x, 401, "{\"error\":\"invalid_token\"}");
            return;
        }
        json(x, 200, "{\"sub\":\"" + subject + "\",\"preferred_username\":\"" + subject + "\""
                + (userinfoGroups ? ",\"groups\":[\"staff\"]" : "") + "}");
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
