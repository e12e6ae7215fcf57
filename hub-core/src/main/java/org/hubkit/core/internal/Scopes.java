package org.hubkit.core.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JupyterHub's RBAC scopes: the scope hierarchy, role expansion, filters ({@code !user=},
 * {@code !server=}, {@code !group=}) and the checks the REST API makes.
 */
public final class Scopes {
    /** Subscopes, as in JupyterHub 3.0's {@code scope_definitions}. */
    private static final Map<String, List<String>> SUBSCOPES = Map.ofEntries(
            Map.entry("admin:users", List.of("admin:auth_state", "users", "read:roles:users", "delete:users")),
            Map.entry("users", List.of("read:users", "list:users", "users:activity")),
            Map.entry("list:users", List.of("read:users:name")),
            Map.entry("read:users", List.of("read:users:name", "read:users:groups", "read:users:activity")),
            Map.entry("read:roles", List.of("read:roles:users", "read:roles:services", "read:roles:groups")),
            Map.entry("users:activity", List.of("read:users:activity")),
            Map.entry("admin:servers", List.of("admin:server_state", "servers")),
            Map.entry("servers", List.of("read:servers", "delete:servers")),
            Map.entry("read:servers", List.of("read:users:name")),
            Map.entry("tokens", List.of("read:tokens")),
            Map.entry("admin:groups", List.of("groups", "read:roles:groups", "delete:groups")),
            Map.entry("groups", List.of("read:groups", "list:groups")),
            Map.entry("list:groups", List.of("read:groups:name")),
            Map.entry("read:groups", List.of("read:groups:name")),
            Map.entry("list:services", List.of("read:services:name")),
            Map.entry("read:services", List.of("read:services:name")));

    /** The scopes of JupyterHub's {@code admin} role. */
    public static final List<String> ADMIN_ROLE = List.of("admin-ui", "admin:users", "admin:servers", "tokens",
            "admin:groups", "list:services", "read:services", "read:hub", "proxy", "shutdown", "access:services",
            "access:servers", "read:roles", "read:metrics");

    /** What {@code self} means for a user (JupyterHub's {@code _expand_self_scope}). */
    private static final List<String> SELF = List.of("read:users", "read:users:name", "read:users:groups",
            "users:activity", "read:users:activity", "servers", "delete:servers", "read:servers", "tokens",
            "read:tokens", "access:servers");

    public static final Set<String> KNOWN = knownScopes();

    private Scopes() {
    }

    private static Set<String> knownScopes() {
        Set<String> all = new HashSet<>(SUBSCOPES.keySet());
        SUBSCOPES.values().forEach(all::addAll);
        all.addAll(ADMIN_ROLE);
        all.addAll(List.of("self", "inherit", "(no_scope)", "access:services", "read:hub", "proxy", "shutdown"));
        return Set.copyOf(all);
    }

    /** @return the base of a scope, without its filter */
    public static String base(String scope) {
        int bang = scope.indexOf('!');
        return bang < 0 ? scope : scope.substring(0, bang);
    }

    /** @return whether the scope's base is known and its filter (if any) has a known kind */
    public static boolean isValid(String scope) {
        if (!KNOWN.contains(base(scope))) {
            return false;
        }
        int bang = scope.indexOf('!');
        if (bang < 0) {
            return true;
        }
        String filter = scope.substring(bang + 1);
        return filter.startsWith("user=") || filter.startsWith("server=") || filter.startsWith("group=")
                || filter.startsWith("service=");
    }

    /**
     * Expands roles' scopes: subscopes inherit the filter, {@code self} becomes the user's own
     * scopes. {@code inherit} is resolved by the caller.
     */
    public static Set<String> expand(Collection<String> scopes, String selfUser) {
        Set<String> out = new TreeSet<>();
        for (String s : scopes) {
            if (s.equals("self")) {
                if (selfUser != null) {
                    for (String own : SELF) {
                        addWithSubscopes(out, own, "!user=" + selfUser);
                    }
                }
                continue;
            }
            int bang = s.indexOf('!');
            addWithSubscopes(out, bang < 0 ? s : s.substring(0, bang), bang < 0 ? "" : s.substring(bang));
        }
        return out;
    }

    private static void addWithSubscopes(Set<String> out, String base, String filter) {
        if (!out.add(base + filter)) {
            return;
        }
        for (String sub : SUBSCOPES.getOrDefault(base, List.of())) {
            addWithSubscopes(out, sub, filter);
        }
    }

    /** The scopes of a user: {@code self}, plus the admin role for admins. */
    public static Set<String> forUser(String user, boolean admin) {
        Set<String> raw = new HashSet<>();
        raw.add("self");
        if (admin) {
            raw.addAll(ADMIN_ROLE);
        }
        return Set.copyOf(expand(raw, user));
    }

    /**
     * Whether {@code held} (expanded) grants {@code scope} (expanded, possibly filtered): the same
     * scope, the unfiltered scope, or a user filter that covers a server filter of that user.
     */
    public static boolean covers(Set<String> held, String scope, java.util.function.Function<String, Set<String>> groupsOfUser) {
        if (held.contains(scope)) {
            return true;
        }
        int bang = scope.indexOf('!');
        if (bang < 0) {
            return false;
        }
        String base = scope.substring(0, bang);
        if (held.contains(base)) {
            return true;
        }
        String filter = scope.substring(bang + 1);
        String user = null;
        if (filter.startsWith("server=")) {
            String server = filter.substring("server=".length());
            int slash = server.indexOf('/');
            user = slash < 0 ? server : server.substring(0, slash);
            if (held.contains(base + "!user=" + user)) {
                return true;
            }
        } else if (filter.startsWith("user=")) {
            user = filter.substring("user=".length());
        }
        if (user != null) {
            for (String g : groupsOfUser.apply(user)) {
                if (held.contains(base + "!group=" + g)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The scopes of {@code requested} that {@code owner} covers (a token never exceeds its owner). */
    public static Set<String> intersect(Set<String> requested, Set<String> owner, java.util.function.Function<String, Set<String>> groupsOfUser) {
        Set<String> out = new TreeSet<>();
        for (String s : requested) {
            if (covers(owner, s, groupsOfUser)) {
                out.add(s);
            } else if (s.indexOf('!') < 0) {
                // An unfiltered request narrows to the owner's filtered grants of the same scope.
                for (String o : owner) {
                    if (o.startsWith(s + "!")) {
                        out.add(o);
                    }
                }
            }
        }
        return Set.copyOf(out);
    }
}
