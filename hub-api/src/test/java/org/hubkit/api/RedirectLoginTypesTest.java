package org.hubkit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SPI's values for redirect logins and refresh: copied, and their text never shows a code, a nonce or a verifier. */
class RedirectLoginTypesTest {
    @Test
    void aRedirectShowsNeitherItsQueryNorTheKeptValues() {
        Map<String, String> kept = new HashMap<>(Map.of("code_verifier", "verifier-secret", "nonce", "nonce-secret"));
        RedirectLogin.Redirect r = new RedirectLogin.Redirect(URI.create("https://sso.example.org/auth?state=st-secret&x=1"), kept);
        kept.clear();

        assertThat(r.kept()).containsKeys("code_verifier", "nonce");
        assertThat(r.toString()).contains("https://sso.example.org/auth").doesNotContain("st-secret").doesNotContain("verifier-secret")
                .doesNotContain("nonce-secret");
    }

    @Test
    void aCallbackShowsNoCode() {
        RedirectLogin.Callback c = new RedirectLogin.Callback(Map.of("code", "code-secret", "state", "s"), Map.of("nonce", "n"),
                URI.create("http://127.0.0.1/hub/oauth_callback"));

        assertThat(c.toString()).doesNotContain("code-secret").contains("code");
        assertThatThrownBy(() -> new RedirectLogin.Start(null, URI.create("http://x"))).isInstanceOf(NullPointerException.class);
    }

    @Test
    void refreshResultsAndTheAllowedFlag() {
        assertThat(RefreshResult.unchanged().valid()).isTrue();
        assertThat(RefreshResult.unchanged().authState()).as("null keeps the stored state").isNull();
        assertThat(RefreshResult.refused("revoked").valid()).isFalse();
        RefreshResult updated = RefreshResult.updated(new AuthResult(true, "x", Optional.of(true), Set.of("g"), Map.of("t", "secret")));
        assertThat(updated.admin()).contains(true);
        assertThat(updated.groups()).containsExactly("g");
        assertThat(updated.toString()).doesNotContain("secret");
        assertThat(new AuthResult(true, "x", Optional.empty(), null, Map.of()).allowed()).isFalse();
        assertThat(AuthResult.accepted("x").withAdmin(true).allowed()).isFalse();
    }
}
