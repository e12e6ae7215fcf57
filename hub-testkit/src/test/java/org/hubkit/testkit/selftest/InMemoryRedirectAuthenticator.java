package org.hubkit.testkit.selftest;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.RedirectLogin;

/**
 * A redirect login with its own "provider" in memory: {@link #approve} plays the provider's login
 * page, issuing a single-use code tied to the nonce the login kept. Names keep their case.
 */
final class InMemoryRedirectAuthenticator implements Authenticator, RedirectLogin {
    private record Grant(String user, String nonce) { }

    private final Map<String, Grant> codes = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<AuthResult> authenticate(Credentials credentials) {
        return CompletableFuture.completedFuture(AuthResult.refused());
    }

    @Override
    public String normalizeUsername(String name) {
        return name.strip();
    }

    @Override
    public AccessRules accessRules() {
        return AccessRules.allowAllUsers();
    }

    @Override
    public Optional<RedirectLogin> redirectLogin() {
        return Optional.of(this);
    }

    @Override
    public Redirect begin(Start start) {
        String nonce = UUID.randomUUID().toString();
        return new Redirect(URI.create("http://provider.test/authorize?state=" + start.state() + "&nonce=" + nonce),
                Map.of("nonce", nonce));
    }

    /** The provider's side: logs {@code user} in and answers the callback's parameters. */
    Map<String, String> approve(URI authorize, String user) {
        Map<String, String> q = new java.util.HashMap<>();
        for (String kv : authorize.getRawQuery().split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8));
        }
        String code = URLEncoder.encode(UUID.randomUUID().toString(), StandardCharsets.UTF_8);
        codes.put(code, new Grant(user, q.get("nonce")));
        return Map.of("code", code, "state", q.get("state"));
    }

    @Override
    public CompletionStage<AuthResult> complete(Callback callback) {
        String code = callback.parameters().get("code");
        Grant g = code == null ? null : codes.remove(code);
        boolean ok = g != null && g.nonce().equals(callback.kept().get("nonce"));
        return CompletableFuture.completedFuture(ok ? AuthResult.accepted(g.user()) : AuthResult.refused());
    }
}
