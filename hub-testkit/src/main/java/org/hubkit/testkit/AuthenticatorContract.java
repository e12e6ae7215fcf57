package org.hubkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour the hub relies on from every {@link Authenticator}: good credentials are
 * accepted under the right name, bad ones (and an empty password) are refused with an ordinary
 * {@link AuthResult#refused()}-like answer rather than an exception, names normalise to
 * lowercase and stay put when normalised again, and concurrent logins get consistent answers.
 *
 * <p><b>How to use it.</b> Extend it in your test sources with one good and one bad login for
 * your identity provider (a real one where you can: an in-memory LDAP server, a mock OAuth
 * provider). This is Hubkit's own {@code SharedPasswordAuthenticatorContractTest}, compiled and
 * run in its build:
 * <pre>{@code
 * class SharedPasswordAuthenticatorContractTest extends AuthenticatorContract {
 *     @Override
 *     protected Authenticator createAuthenticator() {
 *         return SharedPasswordAuthenticator.builder().password("shared-secret-1")
 *                 .accessRules(AccessRules.allow(Set.of("alice"))).build();
 *     }
 *
 *     @Override
 *     protected Credentials validCredentials() {
 *         return new Credentials("Alice", "shared-secret-1", Map.of());
 *     }
 *
 *     @Override
 *     protected Credentials invalidCredentials() {
 *         return new Credentials("alice", "shared-secret-2", Map.of());
 *     }
 *
 *     @Override
 *     protected String expectedName() {
 *         return "alice";
 *     }
 * }
 * }</pre>
 * The contract creates one authenticator per test (lazily, after your own {@code @BeforeEach}
 * methods ran) and closes it afterwards. The concurrency test logs in 64 times, half of them
 * with {@link #invalidCredentials()}: if your provider locks accounts after failed logins, give
 * the invalid credentials a different user.
 *
 * <p>Run it with Surefire 3.x: Maven 3.8's default Surefire (2.12.4) finds no JUnit 5 test and
 * passes without running any; see the {@linkplain org.hubkit.testkit package description}.
 *
 * @since 0.1
 */
public abstract class AuthenticatorContract {
    private static final int THREADS = 8;
    private static final int ROUNDS_PER_THREAD = 4;

    private Authenticator authenticator;

    /** @return a new authenticator, ready to use; the contract closes it */
    protected abstract Authenticator createAuthenticator();

    /** @return credentials the authenticator accepts */
    protected abstract Credentials validCredentials();

    /** @return credentials the authenticator refuses (a wrong password, an unknown user) */
    protected abstract Credentials invalidCredentials();

    /** @return the normalised name {@link #validCredentials()} log in as, in lowercase */
    protected abstract String expectedName();

    /**
     * @return how long to wait for one {@code authenticate} call; 30 seconds unless overridden
     */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    final void closeAuthenticator() {
        if (authenticator != null) {
            authenticator.close();
            authenticator = null;
        }
    }

    @Test
    public void acceptsValidCredentialsUnderExpectedName() throws Exception {
        AuthResult result = authenticate(validCredentials(), "valid credentials");

        assertThat(result.accepted()).as("accepted for valid credentials (%s)", result).isTrue();
        assertThat(result.name()).as("name of an accepted result").isNotNull();
        assertThat(authenticator().normalizeUsername(result.name()))
                .as("normalizeUsername(%s) of the accepted name", result.name())
                .isEqualTo(expectedName());
    }

    @Test
    public void refusesInvalidCredentialsWithoutFailing() throws Exception {
        AuthResult result = authenticate(invalidCredentials(), "invalid credentials");

        assertThat(result.accepted()).as("accepted for invalid credentials (%s)", result).isFalse();
    }

    @Test
    public void refusesEmptyPassword() throws Exception {
        Credentials valid = validCredentials();
        Credentials emptyPassword = new Credentials(valid.username(), "", valid.form());

        AuthResult result = authenticate(emptyPassword, "the valid user with an empty password");

        assertThat(result.accepted()).as("accepted with an empty password (%s)", result).isFalse();
    }

    @Test
    public void normalizeUsernameLowercases() {
        String expected = expectedName();

        assertThat(authenticator().normalizeUsername(expected.toUpperCase(Locale.ROOT)))
                .as("normalizeUsername(\"%s\")", expected.toUpperCase(Locale.ROOT))
                .isEqualTo(expected);
        assertThat(authenticator().normalizeUsername(expected))
                .as("normalizeUsername(\"%s\")", expected)
                .isEqualTo(expected);
    }

    @Test
    public void normalizeUsernameIsIdempotent() {
        Set<String> samples = new LinkedHashSet<>(List.of(expectedName(), expectedName().toUpperCase(Locale.ROOT),
                validCredentials().username(), validCredentials().username().toUpperCase(Locale.ROOT),
                "Contract.User", "ÉLODIE"));
        for (String sample : samples) {
            String once = authenticator().normalizeUsername(sample);
            assertThat(authenticator().normalizeUsername(once))
                    .as("normalizeUsername applied to its own result \"%s\" (from \"%s\")", once, sample)
                    .isEqualTo(once);
        }
    }

    @Test
    public void accessRulesAreNotNull() {
        assertThat(authenticator().accessRules()).as("accessRules()").isNotNull();
    }

    @Test
    public void answersConsistentlyWhenCalledFromEightThreadsAtOnce() throws Exception {
        Authenticator shared = authenticator();
        Credentials valid = validCredentials();
        Credentials invalid = invalidCredentials();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<String>>> outcomes = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                outcomes.add(threads.submit(() -> {
                    start.await(timeout().toMillis(), TimeUnit.MILLISECONDS);
                    List<String> answers = new ArrayList<>();
                    for (int round = 0; round < ROUNDS_PER_THREAD; round++) {
                        AuthResult good = Stages.await(shared.authenticate(valid), timeout(), "authenticate(valid credentials)");
                        answers.add(good.accepted() ? "accepted as " + shared.normalizeUsername(good.name()) : "refused " + good);
                        AuthResult bad = Stages.await(shared.authenticate(invalid), timeout(), "authenticate(invalid credentials)");
                        answers.add(bad.accepted() ? "accepted invalid credentials as " + bad.name() : "refused");
                    }
                    return answers;
                }));
            }
            List<String> expected = new ArrayList<>();
            for (int round = 0; round < ROUNDS_PER_THREAD; round++) {
                expected.add("accepted as " + expectedName());
                expected.add("refused");
            }
            for (Future<List<String>> outcome : outcomes) {
                List<String> answers;
                try {
                    answers = outcome.get(timeout().toMillis() * ROUNDS_PER_THREAD * 2 + 5_000, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof AssertionError failure ? failure : new AssertionError(e.getCause());
                }
                assertThat(answers)
                        .as("answers of one of %s threads logging in at once (valid, invalid, valid, ...)", THREADS)
                        .containsExactlyElementsOf(expected);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** @return the authenticator of this test, created on first use */
    private Authenticator authenticator() {
        if (authenticator == null) {
            authenticator = createAuthenticator();
            assertThat(authenticator).as("createAuthenticator()").isNotNull();
        }
        return authenticator;
    }

    private AuthResult authenticate(Credentials credentials, String what) throws InterruptedException {
        AuthResult result = Stages.await(authenticator().authenticate(credentials), timeout(), "authenticate(" + what + ")");
        assertThat(result).as("result of authenticate(%s)", what).isNotNull();
        return result;
    }
}
