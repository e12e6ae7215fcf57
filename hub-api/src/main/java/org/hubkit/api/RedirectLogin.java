package org.hubkit.api;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A login that sends the browser to another site (an OAuth 2 or OpenID Connect provider) and
 * comes back to the hub's {@code /hub/oauth_callback}. An {@link Authenticator} offers one through
 * {@link Authenticator#redirectLogin()}.
 *
 * <p><b>What the hub guarantees.</b> {@code GET /hub/oauth_login} calls {@link #begin} with a new
 * random {@code state} and the callback URL, and sends the browser to the returned
 * {@link Redirect#location()}. It keeps {@link Redirect#kept()} (a nonce, a PKCE verifier) across
 * the round trip in a cookie that it signs, binds to that browser, lets live 10 minutes and
 * accepts once. At the callback it checks the {@code state} parameter against that cookie itself
 * (a missing, forged, replayed or expired one never reaches {@link #complete}), then calls
 * {@code complete} with the callback's parameters and the kept values. What {@code complete}
 * accepts then goes through the same pipeline as a password login ({@link Authenticator}).
 *
 * <p><b>What the hub expects.</b> {@code begin} is quick and touches no network (metadata fetched
 * at start-up or lazily is fine); it puts {@code state} into the location unchanged.
 * {@code complete} never blocks its caller; it completes with {@link AuthResult#refused()} for a
 * login it refuses (denied consent, a bad code, an ID token that does not verify) and
 * exceptionally only when it cannot decide (the provider does not answer). It never logs a code,
 * a token or a client secret. Thread-safe.
 *
 * @since 0.3
 */
public interface RedirectLogin {
    /**
     * Where to send the browser.
     *
     * @param start the hub's state value and callback URL
     * @return the location and the values to keep for {@link #complete}
     */
    Redirect begin(Start start);

    /**
     * Finishes a login the provider sent back.
     *
     * @param callback the callback's query parameters and the kept values
     * @return the decision
     */
    CompletionStage<AuthResult> complete(Callback callback);

    /**
     * What the hub gives {@link #begin}.
     *
     * @param state the random, single-use value to send as OAuth's {@code state}
     * @param callbackUrl the absolute URL of the hub's {@code /hub/oauth_callback}
     * @since 0.3
     */
    record Start(String state, URI callbackUrl) {
        /** Checks that both are present. */
        public Start {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(callbackUrl, "callbackUrl");
        }
    }

    /**
     * Where {@link #begin} sends the browser.
     *
     * @param location the provider's authorization URL, with {@code state} in it
     * @param kept values to give back to {@link #complete} (nonce, PKCE verifier); small, they
     *        travel in a cookie; never logged
     * @since 0.3
     */
    record Redirect(URI location, Map<String, String> kept) {
        /** Copies the kept values. */
        public Redirect {
            Objects.requireNonNull(location, "location");
            kept = Map.copyOf(kept);
        }

        @Override
        public String toString() {
            return "Redirect[location=" + location.getScheme() + "://" + location.getAuthority() + location.getPath()
                    + ", kept=" + kept.keySet() + "]";
        }
    }

    /**
     * What the provider sent back, for {@link #complete}.
     *
     * @param parameters the callback's query parameters ({@code code}, {@code state}, or {@code error})
     * @param kept what {@link #begin} asked to keep
     * @param callbackUrl the same callback URL {@link #begin} was given (the token request repeats it)
     * @since 0.3
     */
    record Callback(Map<String, String> parameters, Map<String, String> kept, URI callbackUrl) {
        /** Copies the maps. */
        public Callback {
            parameters = Map.copyOf(parameters);
            kept = Map.copyOf(kept);
            Objects.requireNonNull(callbackUrl, "callbackUrl");
        }

        @Override
        public String toString() {
            return "Callback[parameters=" + parameters.keySet() + ", kept=" + kept.keySet() + "]";
        }
    }
}
