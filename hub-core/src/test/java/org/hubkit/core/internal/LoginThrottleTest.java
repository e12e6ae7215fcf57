package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle's rule on a clock the test moves: no test here sleeps. */
class LoginThrottleTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final LoginThrottle throttle = new LoginThrottle(LoginThrottle.BY_NAME, LoginThrottle.BY_ADDRESS, now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }

    @Test
    void theFirstFiveFailuresFromAnAddressCostNothing() {
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.tryAcquire("user" + i, "203.0.113.7")).as("attempt %d", i + 1).isZero();
        }
        assertThat(throttle.tryAcquire("user5", "203.0.113.7")).as("the sixth may go ahead, and costs a wait").isZero();
        assertThat(throttle.tryAcquire("user6", "203.0.113.7")).as("the seventh comes too early").isEqualTo(1);
        assertThat(throttle.tryAcquire("anyone", "198.51.100.9")).as("another address is not affected").isZero();
    }

    @Test
    void eachFurtherFailureDoublesTheWaitUpToTheCapThenLocksOutForFiveMinutes() {
        String address = "203.0.113.7";
        List<Long> waits = new ArrayList<>();
        for (int failure = 1; failure <= 22; failure++) {
            assertThat(throttle.tryAcquire("victim" + failure, address)).as("failure %d may go ahead", failure).isZero();
            long wait = throttle.waitSeconds("someone", address);
            waits.add(wait);
            if (wait > 0) {
                assertThat(throttle.tryAcquire("someone", address)).as("an attempt now is refused").isEqualTo(wait);
                advance(Duration.ofSeconds(wait).minusMillis(1));
                assertThat(throttle.tryAcquire("someone", address)).as("1 ms early is still refused").isEqualTo(1);
                advance(Duration.ofMillis(1));
            }
        }
        assertThat(waits).containsExactly(0L, 0L, 0L, 0L, 0L, 1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L, 60L, 60L, 60L, 60L, 60L,
                300L, 300L, 300L);
    }

    @Test
    void aRefusedAttemptDoesNotCountAsAFailure() {
        String address = "203.0.113.7";
        for (int i = 0; i < 6; i++) {
            throttle.tryAcquire("mallory", address);
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(throttle.tryAcquire("mallory", address)).isEqualTo(1);
        }
        advance(Duration.ofSeconds(1));
        assertThat(throttle.tryAcquire("mallory", address)).isZero();
        assertThat(throttle.tryAcquire("mallory", address)).as("the 7th failure: 2 s, not more").isEqualTo(2);
    }

    @Test
    void aNameHasTwentyFreeFailuresAcrossAddressesAndALockoutOfAMinuteAtMost() {
        List<Long> waits = new ArrayList<>();
        for (int failure = 1; failure <= 45; failure++) {
            assertThat(throttle.tryAcquire("alice", "10.0." + failure + ".1")).as("failure %d", failure).isZero();
            long wait = throttle.waitSeconds("alice", "10.1." + failure + ".1");
            waits.add(wait);
            advance(Duration.ofSeconds(wait));
        }
        assertThat(waits.subList(0, 20)).containsOnly(0L);
        assertThat(waits.subList(20, 26)).containsExactly(1L, 2L, 4L, 8L, 16L, 30L);
        assertThat(waits.subList(26, 39)).containsOnly(30L);
        assertThat(waits.subList(39, 45)).containsOnly(60L);
    }

    @Test
    void aSuccessForgetsTheFailuresOfItsNameAndItsAddress() {
        for (int i = 0; i < 6; i++) {
            throttle.tryAcquire("bob", "203.0.113.7");
        }
        assertThat(throttle.tryAcquire("bob", "203.0.113.7")).isPositive();
        advance(Duration.ofSeconds(1));
        assertThat(throttle.tryAcquire("bob", "203.0.113.7")).isZero();
        throttle.succeeded("bob", "203.0.113.7");
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.tryAcquire("bob", "203.0.113.7")).as("free again, attempt %d", i + 1).isZero();
        }
    }

    @Test
    void failuresAreForgottenAfterFifteenQuietMinutes() {
        for (int i = 0; i < 6; i++) {
            throttle.tryAcquire("carol", "203.0.113.7");
        }
        advance(Duration.ofMinutes(15).plusMillis(1));
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.tryAcquire("carol", "203.0.113.7")).as("attempt %d", i + 1).isZero();
        }
        assertThat(throttle.size()).containsExactly(1, 1);
    }

    @Test
    void memoryIsBoundedHoweverManyKeysAreTried() {
        LoginThrottle.Policy small = new LoginThrottle.Policy(1, Duration.ofSeconds(4), 3, Duration.ofSeconds(10),
                Duration.ofMinutes(1), 100);
        LoginThrottle t = new LoginThrottle(small, small, now::get);
        for (int i = 0; i < 10_000; i++) {
            t.tryAcquire("name" + i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }
        assertThat(t.size()).containsExactly(100, 100);
        // The most recent keys are the ones kept.
        t.tryAcquire("name9999", "10.0.39.15");
        assertThat(t.tryAcquire("name9999", "192.0.2.1")).as("name9999 has failed twice").isPositive();
    }

    @Test
    void hugeNamesTakeBoundedMemory() {
        String huge = "a".repeat(199_000);
        for (int i = 0; i < 21; i++) {
            throttle.tryAcquire(huge + i, "10.2.0." + i);
        }
        assertThat(throttle.size()[0]).as("names longer than 256 characters share one key").isEqualTo(1);
        assertThat(throttle.waitSeconds(huge + "x", "198.51.100.1")).isPositive();
    }

    @Test
    void theClientAddressIsTheLastForwardedEntryOnlyBehindALoopbackPeer() {
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "198.51.100.9")).isEqualTo("198.51.100.9");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "6.6.6.6, 203.0.113.7")).as("the proxy appends what it saw")
                .isEqualTo("203.0.113.7");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "6.6.6.6,203.0.113.7 , 192.0.2.4")).isEqualTo("192.0.2.4");
        assertThat(LoginThrottle.clientAddress("[::1]", "192.0.2.4")).isEqualTo("192.0.2.4");
        assertThat(LoginThrottle.clientAddress("0:0:0:0:0:0:0:1", "192.0.2.4")).isEqualTo("192.0.2.4");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", null)).isEqualTo("127.0.0.1");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", " ")).isEqualTo("127.0.0.1");
        assertThat(LoginThrottle.clientAddress("192.0.2.50", "6.6.6.6")).as("a remote peer's header is not believed")
                .isEqualTo("192.0.2.50");
    }

    @Test
    void anIpv6ClientCountsByItsSlash64() {
        assertThat(LoginThrottle.clientAddress("2001:db8:1:2:aaaa::1", null)).isEqualTo("2001:db8:1:2::/64");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "2001:db8:1:2:bbbb:cccc:dddd:eeee"))
                .isEqualTo("2001:db8:1:2::/64");
        assertThat(LoginThrottle.clientAddress("[2001:db8::7]", null)).isEqualTo("2001:db8:0:0::/64");
    }

    @Test
    void aForwardedValueThatIsNotAnAddressIsAKeyAsItIsNeverALookup() {
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "unknown")).isEqualTo("unknown");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "999.1.1.1")).isEqualTo("999.1.1.1");
        assertThat(LoginThrottle.clientAddress("127.0.0.1", "x".repeat(10_000))).hasSize(256);
    }

    @Test
    void anInconsistentPolicyIsRefused() {
        assertThatThrownBy(() -> new LoginThrottle.Policy(5, Duration.ofSeconds(60), 5, Duration.ofMinutes(5),
                Duration.ofMinutes(15), 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoginThrottle.Policy(5, Duration.ofSeconds(60), 20, Duration.ofMinutes(30),
                Duration.ofMinutes(15), 10)).as("forgotten before the lockout ends").isInstanceOf(IllegalArgumentException.class);
    }
}
