package org.hubkit.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;

/**
 * The hub's authenticators, each with its id, its username prefix and its access rules (names
 * normalised as it normalises logins). Immutable; no locking.
 */
public final class Logins {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * One authenticator as the hub uses it.
     *
     * @param authenticator the authenticator
     * @param prefix put before every name it logs in (empty for none), so that two logins' names never meet
     * @param rules its access rules, normalised; they name users without the prefix
     */
    public record Login(Authenticator authenticator, String prefix, AccessRules rules) {
        public Login {
            Objects.requireNonNull(authenticator, "authenticator");
            prefix = prefix == null ? "" : prefix;
        }

        /** @return a login with the authenticator's rules normalised as it normalises names */
        public static Login of(Authenticator authenticator, String prefix) {
            return new Login(authenticator, prefix, authenticator.accessRules().normalized(authenticator::normalizeUsername));
        }

        public String id() {
            return authenticator.id();
        }
    }

    private final List<Login> all;

    public Logins(List<Login> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no authenticator");
        }
        this.all = List.copyOf(all);
    }

    /** @return every problem with a hub's authenticators, each naming the field ({@code authenticators}) */
    public static List<String> problems(List<Login> logins) {
        List<String> problems = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int passwords = 0;
        for (Login l : logins) {
            String id = l.id();
            if (logins.size() > 1 && (id == null || !ID.matcher(id).matches())) {
                problems.add("authenticators: id of " + l.authenticator().name() + " must be 1-64 letters, digits, '-' or '_', got "
                        + id);
            } else if (ids.contains(id)) {
                problems.add("authenticators: id '" + id + "' is used twice; give each authenticator its own id");
            }
            ids.add(id);
            if (l.authenticator().acceptsPasswords()) {
                passwords++;
            }
            if (l.prefix().contains("/") || !l.prefix().strip().equals(l.prefix())) {
                problems.add("authenticators: usernamePrefix of '" + id + "' must not contain '/' or surrounding spaces");
            }
        }
        if (passwords > 1) {
            problems.add("authenticators: at most one may take passwords (the login page has one form), got " + passwords);
        }
        return problems;
    }

    public List<Login> all() {
        return all;
    }

    /** @return the first authenticator: it normalises the names an admin creates, and the API names it */
    public Login primary() {
        return all.get(0);
    }

    public boolean several() {
        return all.size() > 1;
    }

    /** @return the one that takes passwords, if any */
    public Optional<Login> passwords() {
        return all.stream().filter(l -> l.authenticator().acceptsPasswords()).findFirst();
    }

    /** @return the ones with a redirect login, in order */
    public List<Login> redirects() {
        return all.stream().filter(l -> l.authenticator().redirectLogin().isPresent()).toList();
    }

    public Optional<Login> byId(String id) {
        return all.stream().filter(l -> l.id().equals(id)).findFirst();
    }

    /**
     * @return the authenticator that refreshes and logs out a user: the only one, or of several the
     *         one that owns the name (none for a user no authenticator has logged in yet, or whose
     *         owner is no longer configured)
     */
    public Optional<Login> ownerOf(UserState u) {
        if (!several()) {
            return Optional.of(primary());
        }
        return u.authenticator == null ? Optional.empty() : byId(u.authenticator);
    }

    /** @return whether any authenticator has an allow rule */
    public boolean allowsAnyone() {
        return all.stream().anyMatch(l -> l.rules().allowsAnyone() || l.authenticator().hasOwnAllowRules());
    }

    /** @return the name of the authenticators, for logs */
    public String names() {
        return String.join(", ", all.stream().map(l -> several() ? l.authenticator().name() + " (" + l.id() + ")"
                : l.authenticator().name()).toList());
    }
}
