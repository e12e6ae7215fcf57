package org.hubkit.api;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an {@link Authenticator} decided.
 *
 * @param accepted whether the credentials were good
 * @param name the username (before normalisation; the hub normalises and validates it)
 * @param admin {@code Optional.empty()} leaves the stored admin flag unchanged
 * @param groups groups the authenticator manages for the user, or {@code null} when it does not
 *        manage groups
 * @param authState state to keep for the user (e.g. tokens), passed to spawners
 * @param allowed the authenticator's own rules let this user in (an allowed group, for one): the
 *        hub then skips its allow check ({@link Authenticator#accessRules()}), but still refuses a
 *        blocked user; {@code false} leaves the decision to those rules (since 0.3)
 * @since 0.1
 */
public record AuthResult(boolean accepted, String name, Optional<Boolean> admin, Set<String> groups,
                         Map<String, Object> authState, boolean allowed) {
    /** Copies the collections. */
    public AuthResult {
        groups = groups == null ? null : Set.copyOf(groups);
        authState = Copies.jsonObject(authState);
    }

    /**
     * A result the hub's access rules decide on alone.
     *
     * @param accepted whether the credentials were good
     * @param name the username
     * @param admin the admin flag, or empty to leave it
     * @param groups the managed groups, or {@code null}
     * @param authState state to keep
     */
    public AuthResult(boolean accepted, String name, Optional<Boolean> admin, Set<String> groups, Map<String, Object> authState) {
        this(accepted, name, admin, groups, authState, false);
    }

    /** @return a refusal; every refusal looks the same to the person logging in */
    public static AuthResult refused() {
        return new AuthResult(false, null, Optional.empty(), null, Map.of());
    }

    /**
     * @param name the authenticated name
     * @return an acceptance that leaves admin flag and groups alone
     */
    public static AuthResult accepted(String name) {
        return new AuthResult(true, name, Optional.empty(), null, Map.of());
    }

    /**
     * @param admin whether the user is an admin
     * @return a copy with the admin flag set
     */
    public AuthResult withAdmin(boolean admin) {
        return new AuthResult(accepted, name, Optional.of(admin), groups, authState, allowed);
    }

    @Override
    public String toString() {
        return "AuthResult[accepted=" + accepted + ", name=" + name + ", admin=" + admin + ", groups=" + groups + ", allowed=" + allowed + "]";
    }
}
