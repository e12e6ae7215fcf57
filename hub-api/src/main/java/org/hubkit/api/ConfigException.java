package org.hubkit.api;

import java.util.List;

/**
 * Configuration was rejected. Carries every problem found, each naming the key or builder field
 * it is about, so that a user can fix them all in one go.
 *
 * @since 0.1
 */
public class ConfigException extends HubException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    /** @param problems one line per problem, each starting with the key it is about */
    public ConfigException(List<String> problems) {
        super("Invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * @param key the configuration key or builder field
     * @param problem what is wrong with it
     * @return an exception with that single problem
     */
    public static ConfigException of(String key, String problem) {
        return new ConfigException(List.of(key + ": " + problem));
    }

    /** @return every problem, each naming its key */
    public List<String> problems() {
        return problems;
    }
}
