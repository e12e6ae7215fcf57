package org.hubkit.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * JupyterHub's allowed, blocked and admin users. Applied by the hub after an authenticator
 * accepted someone, in JupyterHub's order: blocked users are refused; then, unless
 * {@code allowAll}, the name must be allowed ({@code allowedUsers}, an admin, or an existing
 * user when {@code allowExistingUsers}); names in {@code adminUsers} become admins (removing a
 * name later does not revoke admin, as in JupyterHub).
 *
 * <p>With no allow rule at all ({@code allowAll} false and no allowed or admin users) nobody
 * can log in, as in JupyterHub 5; the hub logs a warning at start-up.
 *
 * @param allowedUsers names allowed to log in
 * @param blockedUsers names never allowed
 * @param adminUsers names made admins at login
 * @param allowAll allow every name the authenticator accepts
 * @param allowExistingUsers allow users already in the store (added by an admin)
 * @since 0.1
 */
public record AccessRules(Set<String> allowedUsers, Set<String> blockedUsers, Set<String> adminUsers,
                          boolean allowAll, boolean allowExistingUsers) {
    /** Copies the sets. */
    public AccessRules {
        allowedUsers = Set.copyOf(allowedUsers);
        blockedUsers = Set.copyOf(blockedUsers);
        adminUsers = Set.copyOf(adminUsers);
    }

    /** @return rules that allow everyone the authenticator accepts */
    public static AccessRules allowAllUsers() {
        return new AccessRules(Set.of(), Set.of(), Set.of(), true, true);
    }

    /**
     * @param allowed the allowed names
     * @return rules allowing exactly these names (and users an admin adds)
     */
    public static AccessRules allow(Set<String> allowed) {
        return new AccessRules(allowed, Set.of(), Set.of(), false, true);
    }

    /**
     * @param admins names to make admins at login (they are allowed too)
     * @return a copy with these admins
     */
    public AccessRules withAdmins(Set<String> admins) {
        return new AccessRules(allowedUsers, blockedUsers, admins, allowAll, allowExistingUsers);
    }

    /**
     * @param blocked names never allowed
     * @return a copy with these names blocked
     */
    public AccessRules withBlocked(Set<String> blocked) {
        return new AccessRules(allowedUsers, blocked, adminUsers, allowAll, allowExistingUsers);
    }

    /**
     * Reads the access rules every authenticator type shares from its configuration section:
     * {@code adminUsers}, {@code allowedUsers}, {@code blockedUsers} (lists of user names) and
     * {@code allowAll}. Users an admin creates through the API are always allowed.
     *
     * @param node the authenticator's section
     * @param allowAllWithoutNames the default of {@code allowAll} when neither {@code allowedUsers}
     *        nor {@code adminUsers} is given ({@code false} otherwise): {@code true} only for an
     *        authenticator that is itself the gate (a demo one), never for one that lets in anybody
     *        with a shared secret or an outside account
     * @return the rules; an invalid user name is reported on the node and left out
     * @since 0.2
     */
    public static AccessRules fromConfig(ConfigNode node, boolean allowAllWithoutNames) {
        List<String> admins = usernames(node, "adminUsers");
        List<String> allowed = usernames(node, "allowedUsers");
        List<String> blocked = usernames(node, "blockedUsers");
        boolean allowAll = node.bool("allowAll", allowAllWithoutNames && allowed.isEmpty() && admins.isEmpty());
        return new AccessRules(new HashSet<>(allowed), new HashSet<>(blocked), new HashSet<>(admins), allowAll, true);
    }

    private static List<String> usernames(ConfigNode node, String key) {
        List<String> names = node.strings(key);
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                valid.add(Usernames.validate(names.get(i)));
            } catch (InvalidUsernameException e) {
                node.problem(key + "[" + i + "]", e.getMessage());
            }
        }
        return valid;
    }

    /** @return whether any rule lets somebody in */
    public boolean allowsAnyone() {
        return allowAll || !allowedUsers.isEmpty() || !adminUsers.isEmpty();
    }

    /**
     * @param normalizer the authenticator's name normalisation
     * @return a copy whose names are normalised the same way as logins
     */
    public AccessRules normalized(UnaryOperator<String> normalizer) {
        Objects.requireNonNull(normalizer);
        return new AccessRules(map(allowedUsers, normalizer), map(blockedUsers, normalizer),
                map(adminUsers, normalizer), allowAll, allowExistingUsers);
    }

    /**
     * @param name a normalised name
     * @param existing whether the user is already in the store
     * @return whether the name may log in
     */
    public boolean permits(String name, boolean existing) {
        if (blockedUsers.contains(name)) {
            return false;
        }
        return allowAll || allowedUsers.contains(name) || adminUsers.contains(name)
                || (existing && allowExistingUsers);
    }

    private static Set<String> map(Set<String> names, UnaryOperator<String> f) {
        return names.stream().map(f).collect(Collectors.toUnmodifiableSet());
    }
}
