package org.hubkit.api;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * Checks who is logging in: a shared password, an LDAP bind, an OAuth provider.
 *
 * <p><b>What the hub does with the answer.</b> It takes {@link AuthResult#name()}, applies
 * {@link #normalizeUsername}, validates the result with {@link Usernames#validate}, then applies
 * {@link #accessRules()} (blocked, allowed, admin) before creating a session. A refusal at any
 * step is the same "Invalid username or password" to the person logging in.
 *
 * <p>A login that sends the browser to another site (OAuth 2, OpenID Connect) is a
 * {@link RedirectLogin}, offered by {@link #redirectLogin()}; the hub then runs
 * {@code /hub/oauth_login} and {@code /hub/oauth_callback} for it and shows a button for it on the
 * login page, and the password form only when some authenticator {@link #acceptsPasswords()}.
 * A hub may have several authenticators, each with its own {@link #id()}.
 *
 * <p><b>Refresh.</b> On authenticated requests, when a user's auth state is older than the hub's
 * {@code authRefreshAge}, and before every spawn when the hub's {@code refreshPreSpawn} is on, the
 * hub calls {@link #refresh} of the authenticator the user logged in with. A refusal ends the
 * user's sessions (and fails that spawn).
 *
 * <p><b>What the hub expects.</b> {@link #authenticate} never blocks its caller, completes with
 * {@link AuthResult#refused()} for bad credentials (not exceptionally), and exceptionally only
 * when it cannot decide (a directory that does not answer). The same holds for {@link #refresh}.
 * Implementations are thread-safe and never log passwords, codes or tokens.
 *
 * @since 0.1
 */
public interface Authenticator extends AutoCloseable {
    /**
     * @param credentials what the person typed
     * @return the decision
     */
    CompletionStage<AuthResult> authenticate(Credentials credentials);

    /**
     * JupyterHub's normalisation: lowercase. Applied to login names and to the names in
     * {@link #accessRules()}.
     *
     * @param name a name as typed or as returned by the identity provider
     * @return the normalised name
     */
    default String normalizeUsername(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /** @return who may log in and who is an admin; by default nobody, as in JupyterHub 5 */
    default AccessRules accessRules() {
        return new AccessRules(java.util.Set.of(), java.util.Set.of(), java.util.Set.of(), false, true);
    }

    /**
     * @return whether the authenticator has allow rules of its own besides {@link #accessRules()}
     *         (allowed groups, for one), which it applies through {@link AuthResult#allowed()}; the
     *         hub then does not warn at start-up that nobody can log in
     * @since 0.3
     */
    default boolean hasOwnAllowRules() {
        return false;
    }

    /** @return a short name for logs */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * @return this authenticator's id in a hub with several: letters, digits, {@code -} and
     *         {@code _}, unique in the hub; it names the login in URLs
     *         ({@code /hub/oauth_login?authenticator=<id>}) and owns the users it created
     * @since 0.3
     */
    default String id() {
        return "default";
    }

    /** @return the text of this login's button on the login page @since 0.3 */
    default String loginLabel() {
        return "Sign in with " + name();
    }

    /**
     * @return the browser round trip of this login, or empty for one that takes a typed name and password
     * @since 0.3
     */
    default Optional<RedirectLogin> redirectLogin() {
        return Optional.empty();
    }

    /**
     * @return whether the login page shows the username and password form for this authenticator;
     *         by default when it has no {@link #redirectLogin()}
     * @since 0.3
     */
    default boolean acceptsPasswords() {
        return redirectLogin().isEmpty();
    }

    /**
     * Checks that a logged-in user is still valid and updates their auth state, admin flag and
     * groups (an OAuth refresh token, an LDAP lookup). The hub calls it at most once at a time per
     * user. By default nothing changes.
     *
     * @param user the user as the hub holds them (name, admin, groups, auth state)
     * @return the decision; exceptionally when the authenticator cannot tell (the hub then keeps
     *         the user as they are and tries again later)
     * @since 0.3
     */
    default CompletionStage<RefreshResult> refresh(UserInfo user) {
        return CompletableFuture.completedFuture(RefreshResult.unchanged());
    }

    /**
     * Where the hub's logout sends the browser once it has ended the hub's own session: a
     * provider's end-session endpoint, for one.
     *
     * @param user the user logging out
     * @param afterLogout the hub's absolute login page URL, where a provider may send the browser back
     * @return the absolute URL, or empty for the hub's login page
     * @since 0.3
     */
    default Optional<URI> logoutRedirect(UserInfo user, URI afterLogout) {
        return Optional.empty();
    }

    /**
     * A provider's back-channel logout ({@code POST /hub/oauth_backchannel_logout/<id>}, OpenID
     * Connect Back-Channel Logout 1.0): checks the request (a signed logout token) and says whose
     * sessions end. The hub ends the sessions of every user of this authenticator the answer
     * matches and answers the provider 200; an empty answer is a 400.
     *
     * @param form the request's form fields ({@code logout_token})
     * @return which users to log out, or empty when the request is refused; never completes exceptionally
     * @since 0.3
     */
    default CompletionStage<Optional<Predicate<UserInfo>>> backchannelLogout(Map<String, String> form) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** Releases connections and threads. */
    @Override
    default void close() {
    }
}
