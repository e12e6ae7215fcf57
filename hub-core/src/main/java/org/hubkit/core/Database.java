package org.hubkit.core;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the hub keeps its state: an embedded H2 file (the default) or a PostgreSQL server.
 * The schema is created and migrated automatically at start-up (versioned migrations).
 *
 * @param jdbcUrl a JDBC URL, {@code jdbc:h2:...} or {@code jdbc:postgresql:...}
 * @param username the database user, or {@code null} when the URL carries it
 * @param password the password, or {@code null}; never logged
 * @since 0.1
 */
public record Database(String jdbcUrl, String username, String password) {
    /** Checks the URL. */
    public Database {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw org.hubkit.api.ConfigException.of("hub.db",
                    "only jdbc:h2: and jdbc:postgresql: URLs are supported, got '" + redact(jdbcUrl) + "'");
        }
    }

    /**
     * @param directory a directory for the database file ({@code hubkit.mv.db})
     * @return an embedded H2 database in that directory
     */
    public static Database h2(Path directory) {
        return new Database("jdbc:h2:file:" + directory.toAbsolutePath().resolve("hubkit")
                + ";DB_CLOSE_ON_EXIT=FALSE", null, null);
    }

    /**
     * @param jdbcUrl a JDBC URL; credentials may be in it
     * @return that database
     */
    public static Database of(String jdbcUrl) {
        return new Database(jdbcUrl, null, null);
    }

    /** @return the URL without password parameters, for logs */
    public String redactedUrl() {
        return redact(jdbcUrl);
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public String toString() {
        return "Database[" + redactedUrl() + "]";
    }
}
