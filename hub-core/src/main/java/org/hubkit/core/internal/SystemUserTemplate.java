package org.hubkit.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a hub user name into the name of the Linux account their servers run as, through a
 * template such as {@code jupyter-{username}} (The Littlest JupyterHub's scheme).
 *
 * <p>Every result is a valid Linux account name: at most {@value #MAX_LENGTH} characters of
 * {@code [a-z0-9_-]}, starting with a letter. A user name that is already made of those
 * characters and fits stays as it is ({@code alice} becomes {@code jupyter-alice}). Otherwise
 * (upper case, other characters, too long, or a name that itself ends like a hash suffix) the
 * escaped and possibly shortened name gets {@code -} and the first {@value #HASH_CHARS} hex digits
 * of the SHA-256 of the original user name: {@code Alice} becomes {@code jupyter-alice-3bc51062}.
 * So two different user names never map to one account: names left as they are differ, names with
 * a suffix differ by their suffix (the hash of the whole original name), and a name left as it is
 * never ends like a suffix. The one remaining chance, two suffixes equal by chance, is caught when
 * the account is used: it records which hub user it was created for.
 *
 * <p>Immutable and thread-safe.
 */
public final class SystemUserTemplate {
    /** The placeholder a template holds exactly once. */
    public static final String PLACEHOLDER = "{username}";
    /** The longest account name Linux tools accept everywhere (utmp's field). */
    public static final int MAX_LENGTH = 32;
    /** Hex digits of the hash suffix. */
    static final int HASH_CHARS = 8;
    /** Room the template must leave: one character of the name, {@code -} and the suffix. */
    private static final int MIN_ROOM = 1 + 1 + HASH_CHARS;
    private static final Pattern LOOKS_HASHED = Pattern.compile(".*-[0-9a-f]{" + HASH_CHARS + "}");

    private final String template;
    private final String prefix;
    private final String suffix;

    private SystemUserTemplate(String template, String prefix, String suffix) {
        this.template = template;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /**
     * @param template e.g. {@code jupyter-{username}}
     * @return the template
     * @throws IllegalArgumentException listing what is wrong with it, one problem a line
     */
    public static SystemUserTemplate parse(String template) {
        List<String> problems = problems(template);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        int at = template.indexOf(PLACEHOLDER);
        return new SystemUserTemplate(template, template.substring(0, at), template.substring(at + PLACEHOLDER.length()));
    }

    /**
     * @param template a candidate template
     * @return what is wrong with it; empty when it is valid
     */
    public static List<String> problems(String template) {
        List<String> problems = new ArrayList<>();
        if (template == null || template.isBlank()) {
            problems.add("required, e.g. jupyter-" + PLACEHOLDER);
            return problems;
        }
        int at = template.indexOf(PLACEHOLDER);
        if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
            problems.add("must hold " + PLACEHOLDER + " exactly once; got '" + template + "'");
            return problems;
        }
        String literal = template.substring(0, at) + template.substring(at + PLACEHOLDER.length());
        if (!literal.chars().allMatch(SystemUserTemplate::allowed)) {
            problems.add("may hold only a-z, 0-9, _ and - besides " + PLACEHOLDER + " (a Linux account name); got '"
                    + template + "'");
        }
        if (at > 0 && !letter(template.charAt(0))) {
            problems.add("must start with a letter a-z or with " + PLACEHOLDER + "; got '" + template + "'");
        }
        if (MAX_LENGTH - literal.length() < MIN_ROOM) {
            problems.add("leaves too little room for the user name: at most " + (MAX_LENGTH - MIN_ROOM)
                    + " characters besides " + PLACEHOLDER + "; got " + literal.length());
        }
        return problems;
    }

    /**
     * @param username a validated hub user name
     * @return the account name, as described in the class comment
     */
    public String apply(String username) {
        StringBuilder e = new StringBuilder(username.length());
        boolean changed = false;
        boolean lastReplaced = false;
        for (int i = 0; i < username.length(); ) {
            int cp = username.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 128 && allowed(cp)) {
                e.append((char) cp);
                lastReplaced = false;
            } else if (cp >= 'A' && cp <= 'Z') {
                e.append((char) (cp + ('a' - 'A')));
                changed = true;
                lastReplaced = false;
            } else {
                if (!lastReplaced) {
                    e.append('-');
                }
                changed = true;
                lastReplaced = true;
            }
        }
        if (prefix.isEmpty() && (e.length() == 0 || !letter(e.charAt(0)))) {
            e.insert(0, 'u');
            changed = true;
        }
        int room = MAX_LENGTH - prefix.length() - suffix.length();
        if (!changed && e.length() <= room && !LOOKS_HASHED.matcher(e).matches()) {
            return prefix + e + suffix;
        }
        int keep = room - 1 - HASH_CHARS;
        String head = e.length() > keep ? e.substring(0, keep) : e.toString();
        return prefix + head + "-" + hash(username) + suffix;
    }

    private static String hash(String username) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(username.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static boolean allowed(int c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static boolean letter(int c) {
        return c >= 'a' && c <= 'z';
    }

    @Override
    public String toString() {
        return template;
    }
}
