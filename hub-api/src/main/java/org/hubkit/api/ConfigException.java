package org.hubkit.api;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Configuration was rejected. Carries every problem found, each naming the key or builder field
 * it is about, so that a user can fix them all in one go.
 *
 * <p>A library names its own fields ({@code cmd}, {@code jdbcUrl}); the configuration layer that
 * called it puts them under the path it read them from with {@link #prefixed(String)}
 * ({@code spawner.cmd}), or renames them with {@link Problem#withKey(String)}: nobody rewrites
 * message text.
 *
 * @since 0.1
 */
public class ConfigException extends HubException {
    private static final long serialVersionUID = 1L;
    private final List<Problem> details;

    /**
     * One problem: the key or field it is about, and what is wrong with it.
     *
     * @param key a dotted path relative to what was configured ({@code cmd},
     *        {@code environment.TZ}, {@code adminUsers[1]}, {@code services[0].apiToken}), or
     *        {@code ""} when the problem is about the whole of it
     * @param message what is wrong, without the key; never holds a secret value
     * @since 0.2
     */
    public record Problem(String key, String message) {
        /** Checks that neither part is missing. */
        public Problem {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(message, "message");
        }

        /**
         * @param prefix the path of what this problem's key is relative to ({@code spawner},
         *        {@code services[0]}); {@code ""} changes nothing
         * @return the same problem with its key under that path ({@code spawner.cmd},
         *         {@code services[0].name}; a key starting with {@code [} is appended as is)
         */
        public Problem under(String prefix) {
            return new Problem(join(prefix, key), message);
        }

        /**
         * @param newKey the key to name instead (a configuration key for a builder field)
         * @return the same message about that key
         */
        public Problem withKey(String newKey) {
            return new Problem(newKey, message);
        }

        /** @return {@code key: message}, or the message alone when the key is empty */
        @Override
        public String toString() {
            return key.isEmpty() ? message : key + ": " + message;
        }

        /** Reads a {@code key: message} line of the list constructor; a line without a key keeps an empty one. */
        static Problem parse(String line) {
            int colon = line.indexOf(": ");
            if (colon > 0 && line.substring(0, colon).chars().noneMatch(Character::isWhitespace)) {
                return new Problem(line.substring(0, colon), line.substring(colon + 2));
            }
            return new Problem("", line);
        }

        private static String join(String prefix, String key) {
            if (prefix.isEmpty()) {
                return key;
            }
            if (key.isEmpty()) {
                return prefix;
            }
            return key.startsWith("[") ? prefix + key : prefix + "." + key;
        }
    }

    /**
     * @param problems one line per problem, each {@code key: message} (a line without such a key
     *        becomes a problem about the whole configuration)
     */
    public ConfigException(List<String> problems) {
        this(problems.stream().map(Problem::parse).toArray(Problem[]::new));
    }

    private ConfigException(Problem[] details) {
        super("Invalid configuration:\n  " + String.join("\n  ", List.of(details).stream().map(Problem::toString).toList()));
        this.details = List.of(details);
    }

    /**
     * @param key the configuration key or builder field
     * @param problem what is wrong with it
     * @return an exception with that single problem
     */
    public static ConfigException of(String key, String problem) {
        return new ConfigException(new Problem[] {new Problem(key, problem)});
    }

    /**
     * @param problems every problem found, in the order to report them
     * @return an exception carrying them
     * @since 0.2
     */
    public static ConfigException of(Collection<Problem> problems) {
        return new ConfigException(problems.toArray(Problem[]::new));
    }

    /** @return every problem as a line {@code key: message}, in order */
    public List<String> problems() {
        return details.stream().map(Problem::toString).toList();
    }

    /**
     * @return every problem with its key apart, in order
     * @since 0.2
     */
    public List<Problem> details() {
        return details;
    }

    /**
     * @param prefix the path the keys are relative to ({@code spawner}, {@code services[2]})
     * @return a new exception with the same problems, each key under that path
     * @since 0.2
     */
    public ConfigException prefixed(String prefix) {
        return new ConfigException(details.stream().map(p -> p.under(prefix)).toArray(Problem[]::new));
    }
}
