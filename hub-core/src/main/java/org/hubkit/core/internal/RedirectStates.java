package org.hubkit.core.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.core.Secrets;

/**
 * What the hub keeps across a redirect login's round trip: the {@code state} it sent, the
 * authenticator, the page to go to afterwards and the values the authenticator asked to keep
 * (nonce, PKCE verifier), in a cookie that is signed with the cookie secret (HMAC-SHA256), lives
 * {@link #TTL}, is bound to the browser (a hash of its XSRF binding) and is accepted once: the ids
 * of used cookies are remembered until they expire, so a replayed cookie is refused.
 *
 * <p><b>Locking rule:</b> the set of used ids is a concurrent map; {@link #consume} claims an id
 * with {@code putIfAbsent}, so two callbacks racing with one cookie cannot both win.
 */
final class RedirectStates {
    static final String COOKIE = "hubkit-oauth-state";
    static final Duration TTL = Duration.ofMinutes(10);

    /** A verified, not yet used round trip. */
    record Pending(String id, String authenticator, String state, String bindingHash, String next, Map<String, String> kept,
                   long expires) {
    }

    /** Why a callback's state was refused, with the status the page answers. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    private final String secret;
    private final java.time.Clock clock;
    private final Map<String, Long> used = new ConcurrentHashMap<>();

    RedirectStates(String secret) {
        this(secret, java.time.Clock.systemUTC());
    }

    /** @param clock the time (tests move it past the expiry) */
    RedirectStates(String secret, java.time.Clock clock) {
        this.secret = secret;
        this.clock = clock;
    }

    /** @return the cookie value for a new round trip */
    String issue(String authenticator, String state, String binding, String next, Map<String, String> kept) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("id", Secrets.newToken().substring(0, 32));
        payload.put("a", authenticator);
        payload.put("s", state);
        payload.put("b", Secrets.hash(binding));
        payload.put("n", next);
        payload.put("k", kept);
        payload.put("e", clock.instant().plus(TTL).getEpochSecond());
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(payload));
        return body + "." + Web.sign(secret, "oauth-state|" + body);
    }

    /**
     * Checks a callback: the cookie's signature and age, the {@code state} parameter, the browser,
     * then claims the cookie's id so it cannot be used again.
     *
     * @throws Refused naming what was wrong, for the log (no secret in it)
     */
    Pending consume(String cookie, String stateParameter, String binding) throws Refused {
        if (cookie == null || cookie.isEmpty()) {
            throw new Refused(400, "no login in progress in this browser (no state cookie)");
        }
        int dot = cookie.lastIndexOf('.');
        if (dot <= 0 || cookie.length() > 4096
                || !Secrets.constantTimeEquals(Web.sign(secret, "oauth-state|" + cookie.substring(0, dot)), cookie.substring(dot + 1))) {
            throw new Refused(403, "state cookie not signed by this hub");
        }
        Pending p;
        try {
            p = parse(cookie.substring(0, dot));
        } catch (RuntimeException e) {
            throw new Refused(403, "state cookie unreadable");
        }
        long now = clock.instant().getEpochSecond();
        if (now >= p.expires()) {
            throw new Refused(400, "login took longer than " + TTL.toMinutes() + " minutes (state expired)");
        }
        if (stateParameter == null || stateParameter.isEmpty()) {
            throw new Refused(400, "no state parameter in the callback");
        }
        if (!Secrets.constantTimeEquals(p.state(), stateParameter)) {
            throw new Refused(403, "state parameter does not match this browser's login");
        }
        if (binding == null || !Secrets.constantTimeEquals(p.bindingHash(), Secrets.hash(binding))) {
            throw new Refused(403, "state cookie belongs to another browser");
        }
        used.values().removeIf(expiry -> expiry <= now);
        if (used.putIfAbsent(p.id(), p.expires()) != null) {
            throw new Refused(403, "state already used (a replayed callback)");
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Pending parse(String body) {
        Map<String, Object> m = Json.readMap(new String(Base64.getUrlDecoder().decode(body), StandardCharsets.UTF_8));
        Map<String, String> kept = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("k")).forEach((k, v) -> kept.put(k, (String) v));
        return new Pending((String) m.get("id"), (String) m.get("a"), (String) m.get("s"), (String) m.get("b"),
                (String) m.get("n"), kept, ((Number) m.get("e")).longValue());
    }
}
