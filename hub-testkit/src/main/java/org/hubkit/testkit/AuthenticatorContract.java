package org.hubkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.api.RedirectLogin;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The behaviour the hub relies on from every {@link Authenticator}: good credentials are
 * accepted under the right name, bad ones (and an empty password) are refused with an ordinary
 * {@link AuthResult#refused()}-like answer rather than an exception, names stay put when
 * normalised again (and normalise to lowercase, unless {@link #lowercasesNames()} says the
 * authenticator keeps case, as OpenID Connect {@code sub} claims need), and concurrent logins get
 * consistent answers.
 *
 * <p><b>Redirect logins.</b> An authenticator with a {@link Authenticator#redirectLogin()}
 * overrides {@link #loginAtProvider} (log in at the real provider, return the callback's query
 * parameters); the contract then checks that a round trip logs in as {@link #expectedName()}, that
 * a code used twice, a provider's {@code error} answer and a callback without the values
 * {@code begin} asked to keep are refused, not thrown, that a password login is refused when it
 * takes no passwords, and that {@link Authenticator#refresh} keeps a user it just logged in valid.
 * Password tests skip when {@link #validCredentials()} is {@code null}.
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

    /** @return credentials the authenticator accepts, or {@code null} (the default) when it takes no passwords */
    protected Credentials validCredentials() {
        return null;
    }

    /** @return credentials the authenticator refuses (a wrong password, an unknown user); needed with {@link #validCredentials()} */
    protected Credentials invalidCredentials() {
        return null;
    }

    /** @return the normalised name a valid login (password or redirect) logs in as */
    protected abstract String expectedName();

    /** @return whether names normalise to lowercase; {@code true} unless overridden (an OIDC {@code sub} keeps its case) */
    protected boolean lowercasesNames() {
        return true;
    }

    /**
     * Logs a valid user in at the identity provider, as a browser would, for an authenticator
     * with a redirect login.
     *
     * @param authorizationUrl where {@link RedirectLogin#begin} sent the browser
     * @return the query parameters the provider's redirect to the callback carries ({@code code},
     *         {@code state}); {@code null} (the default) when the authenticator has no redirect login
     * @throws Exception if the provider cannot be driven
     */
    protected Map<String, String> loginAtProvider(URI authorizationUrl) throws Exception {
        return null;
    }

    /** @return the callback URL the redirect tests give {@code begin}; must be one the provider accepts */
    protected URI callbackUrl() {
        return URI.create("http://127.0.0.1:8000/hub/oauth_callback");
    }

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
        assumePasswords();
        AuthResult result = authenticate(validCredentials(), "valid credentials");

        assertThat(result.accepted()).as("accepted for valid credentials (%s)", result).isTrue();
        assertThat(result.name()).as("name of an accepted result").isNotNull();
        assertThat(authenticator().normalizeUsername(result.name()))
                .as("normalizeUsername(%s) of the accepted name", result.name())
                .isEqualTo(expectedName());
    }

    @Test
    public void refusesInvalidCredentialsWithoutFailing() throws Exception {
        assumePasswords();
        AuthResult result = authenticate(invalidCredentials(), "invalid credentials");

        assertThat(result.accepted()).as("accepted for invalid credentials (%s)", result).isFalse();
    }

    @Test
    public void refusesEmptyPassword() throws Exception {
        assumePasswords();
        Credentials valid = validCredentials();
        Credentials emptyPassword = new Credentials(valid.username(), "", valid.form());

        AuthResult result = authenticate(emptyPassword, "the valid user with an empty password");

        assertThat(result.accepted()).as("accepted with an empty password (%s)", result).isFalse();
    }

    @Test
    public void normalizeUsernameLowercases() {
        Assumptions.assumeTrue(lowercasesNames(), "the authenticator keeps the case of names");
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
                "Contract.User", "ÉLODIE", "  spaced  "));
        if (validCredentials() != null) {
            samples.add(validCredentials().username());
            samples.add(validCredentials().username().toUpperCase(Locale.ROOT));
        }
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
        assumePasswords();
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

    @Test
    public void offersAPasswordOrARedirectLogin() {
        assertThat(validCredentials() != null || authenticator().redirectLogin().isPresent())
                .as("validCredentials() or a redirect login to test").isTrue();
    }

    @Test
    public void normalizeUsernameKeepsCaseWhenItSaysSo() {
        Assumptions.assumeFalse(lowercasesNames());
        String mixed = "Contract-MixedCase-" + expectedName();
        assertThat(authenticator().normalizeUsername(mixed)).as("normalizeUsername(\"%s\")", mixed).isEqualTo(mixed);
    }

    @Test
    public void redirectLoginLogsInUnderExpectedName() throws Exception {
        RedirectLogin login = redirectLogin();
        AuthResult result = roundTrip(login);

        assertThat(result.accepted()).as("accepted after a login at the provider (%s)", result).isTrue();
        assertThat(authenticator().normalizeUsername(result.name())).as("normalised name").isEqualTo(expectedName());
    }

    @Test
    public void redirectLoginRefusesACodeUsedTwice() throws Exception {
        RedirectLogin login = redirectLogin();
        String state = newState();
        RedirectLogin.Redirect to = login.begin(new RedirectLogin.Start(state, callbackUrl()));
        Map<String, String> params = atProvider(to, state);
        RedirectLogin.Callback callback = new RedirectLogin.Callback(params, to.kept(), callbackUrl());
        AuthResult first = Stages.await(login.complete(callback), timeout(), "complete(callback)");
        assertThat(first.accepted()).as("first use of the code (%s)", first).isTrue();

        AuthResult second = Stages.await(login.complete(callback), timeout(), "complete(the same callback again)");

        assertThat(second.accepted()).as("second use of the same code (%s)", second).isFalse();
    }

    @Test
    public void redirectLoginRefusesTheProvidersError() throws Exception {
        RedirectLogin login = redirectLogin();
        String state = newState();
        RedirectLogin.Redirect to = login.begin(new RedirectLogin.Start(state, callbackUrl()));

        AuthResult result = Stages.await(login.complete(new RedirectLogin.Callback(
                Map.of("error", "access_denied", "state", state), to.kept(), callbackUrl())), timeout(), "complete(error)");

        assertThat(result.accepted()).as("accepted an error answer (%s)", result).isFalse();
    }

    @Test
    public void redirectLoginRefusesACallbackWithoutTheKeptValues() throws Exception {
        RedirectLogin login = redirectLogin();
        String state = newState();
        RedirectLogin.Redirect to = login.begin(new RedirectLogin.Start(state, callbackUrl()));
        Assumptions.assumeFalse(to.kept().isEmpty(), "begin keeps nothing");
        Map<String, String> params = atProvider(to, state);

        AuthResult result = Stages.await(login.complete(new RedirectLogin.Callback(params, Map.of(), callbackUrl())), timeout(),
                "complete(without the kept values)");

        assertThat(result.accepted()).as("accepted without the nonce or verifier it asked to keep (%s)", result).isFalse();
    }

    @Test
    public void aRedirectOnlyAuthenticatorRefusesPasswords() throws Exception {
        redirectLogin();
        Assumptions.assumeFalse(authenticator().acceptsPasswords());
        AuthResult result = Stages.await(authenticator().authenticate(new Credentials(expectedName(), "any password", Map.of())),
                timeout(), "authenticate(a typed password)");
        assertThat(result.accepted()).as("a typed password (%s)", result).isFalse();
    }

    @Test
    public void refreshKeepsAUserItJustLoggedInValid() throws Exception {
        AuthResult login;
        if (authenticator().redirectLogin().isPresent()) {
            login = roundTrip(authenticator().redirectLogin().get());
        } else {
            assumePasswords();
            login = authenticate(validCredentials(), "valid credentials");
        }
        assertThat(login.accepted()).as("the login before the refresh (%s)", login).isTrue();
        UserInfo user = new UserInfo(authenticator().normalizeUsername(login.name()), login.admin().orElse(false),
                login.groups() == null ? Set.of() : login.groups(), login.authState());

        RefreshResult refreshed = Stages.await(authenticator().refresh(user), timeout(), "refresh(the user just logged in)");

        assertThat(refreshed).as("refresh result").isNotNull();
        assertThat(refreshed.valid()).as("a user just logged in is still valid (%s)", refreshed).isTrue();
    }

    private void assumePasswords() {
        Assumptions.assumeTrue(validCredentials() != null, "the authenticator takes no passwords");
    }

    private RedirectLogin redirectLogin() {
        Optional<RedirectLogin> login = authenticator().redirectLogin();
        Assumptions.assumeTrue(login.isPresent(), "no redirect login");
        return login.get();
    }

    private static String newState() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private AuthResult roundTrip(RedirectLogin login) throws Exception {
        String state = newState();
        RedirectLogin.Redirect to = login.begin(new RedirectLogin.Start(state, callbackUrl()));
        Map<String, String> params = atProvider(to, state);
        AuthResult result = Stages.await(login.complete(new RedirectLogin.Callback(params, to.kept(), callbackUrl())), timeout(),
                "complete(callback)");
        assertThat(result).as("result of complete").isNotNull();
        return result;
    }

    private Map<String, String> atProvider(RedirectLogin.Redirect to, String state) throws Exception {
        assertThat(to.location().toString()).as("the authorization URL carries the state").contains(state);
        Map<String, String> params = loginAtProvider(to.location());
        assertThat(params).as("loginAtProvider(...): override it for an authenticator with a redirect login").isNotNull();
        assertThat(params).as("the provider's redirect carries the state back").containsEntry("state", state);
        return params;
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
