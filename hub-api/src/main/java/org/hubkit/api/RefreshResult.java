package org.hubkit.api;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link Authenticator#refresh} decided about a logged-in user.
 *
 * @param valid {@code false} ends the user's sessions (and fails a spawn waiting for it)
 * @param admin a new admin flag, or empty to leave it
 * @param groups the user's groups now, or {@code null} when the authenticator does not manage groups
 * @param authState new auth state, or {@code null} to keep the stored one
 * @param reason why a refresh was refused, for the log (never a secret)
 * @since 0.3
 */
public record RefreshResult(boolean valid, Optional<Boolean> admin, Set<String> groups, Map<String, Object> authState,
                            String reason) {
    /** Copies the collections. */
    public RefreshResult {
        admin = admin == null ? Optional.empty() : admin;
        groups = groups == null ? null : Set.copyOf(groups);
        authState = authState == null ? null : Copies.jsonObject(authState);
        reason = reason == null ? "" : reason;
    }

    /** @return still valid, nothing changed */
    public static RefreshResult unchanged() {
        return new RefreshResult(true, Optional.empty(), null, null, "");
    }

    /**
     * @param reason why, for the log
     * @return not valid any more: the hub ends the user's sessions
     */
    public static RefreshResult refused(String reason) {
        return new RefreshResult(false, Optional.empty(), null, null, reason);
    }

    /**
     * @param result what the authenticator knows now (its name is ignored)
     * @return still valid, with the result's admin flag, groups and auth state
     */
    public static RefreshResult updated(AuthResult result) {
        return new RefreshResult(true, result.admin(), result.groups(), result.authState(), "");
    }

    @Override
    public String toString() {
        return "RefreshResult[valid=" + valid + ", admin=" + admin + ", groups=" + groups + ", reason=" + reason + "]";
    }
}
