package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The redirect login's state cookie on its own: signed, bound, single use, and refused once older than 10 minutes. */
class RedirectStatesTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef";
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T22:00:00Z"));
    final RedirectStates states = new RedirectStates(SECRET, clock);

    @Test
    void aCookieIsAcceptedOnceWithItsValues() throws Exception {
        String cookie = states.issue("oidc", "the-state", "browser:b1", "/hub/home", Map.of("nonce", "n1"));

        RedirectStates.Pending p = states.consume(cookie, "the-state", "browser:b1");

        assertThat(p.authenticator()).isEqualTo("oidc");
        assertThat(p.next()).isEqualTo("/hub/home");
        assertThat(p.kept()).containsEntry("nonce", "n1");
        assertThat(refusal(cookie, "the-state", "browser:b1")).isEqualTo("403 state already used (a replayed callback)");
    }

    @Test
    void anExpiredOneIsRefused() {
        String cookie = states.issue("oidc", "s", "browser:b1", "/hub/", Map.of());
        clock.now = clock.now.plus(RedirectStates.TTL).plusSeconds(1);

        assertThat(refusal(cookie, "s", "browser:b1")).startsWith("400 login took longer than 10 minutes");
    }

    @Test
    void aForgedTamperedOrForeignOneIsRefused() {
        String cookie = states.issue("oidc", "s", "browser:b1", "/hub/", Map.of());
        int dot = cookie.lastIndexOf('.');

        assertThat(refusal(cookie, "s", "browser:b2")).isEqualTo("403 state cookie belongs to another browser");
        assertThat(refusal(cookie, "t", "browser:b1")).isEqualTo("403 state parameter does not match this browser's login");
        assertThat(refusal(cookie, null, "browser:b1")).isEqualTo("400 no state parameter in the callback");
        assertThat(refusal(cookie.substring(0, dot - 2) + "xx" + cookie.substring(dot), "s", "browser:b1"))
                .isEqualTo("403 state cookie not signed by this hub");
        assertThat(refusal(new RedirectStates("another secret of 32 characters!", clock).issue("oidc", "s", "browser:b1", "/", Map.of()),
                "s", "browser:b1")).isEqualTo("403 state cookie not signed by this hub");
        assertThat(refusal(null, "s", "browser:b1")).startsWith("400 no login in progress");
        assertThat(refusal(cookie, "s", "browser:b1")).as("still unused after the refusals").isNull();
    }

    String refusal(String cookie, String state, String binding) {
        RedirectStates.Refused r = catchThrowableOfType(RedirectStates.Refused.class, () -> states.consume(cookie, state, binding));
        return r == null ? null : r.status + " " + r.getMessage();
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
