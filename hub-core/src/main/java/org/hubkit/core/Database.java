package org.hubkit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the hub keeps its state: an embedded H2 file (the default) or a PostgreSQL server.
 * The schema is created and migrated automatically at start-up (versioned migrations).
 *
 * <p>The H2 files hold the cookie secret and the token hashes, so the hub keeps them its own
 * whatever the umask: before it opens the database it creates the directory if missing, takes
 * read and write for group and others away from it (a new one is {@code 0711}: nobody else can
 * list it, but users can pass through to their homes when they live below, as in the default
 * layout {@code hubkit-data/users}; make it {@code 0700} when no homes live there, the hub keeps
 * that), and creates the database file and H2's trace file {@code 0600} before H2 writes
 * anything (existing ones, and any other {@code hubkit.*} file there, are set to {@code 0600}).
 *
 * @param jdbcUrl a JDBC URL, {@code jdbc:h2:...} or {@code jdbc:postgresql:...}
 * @param username the database user, or {@code null} when the URL carries it
 * @param password the password, or {@code null}; never logged
 * @since 0.1
 */
public record Database(String jdbcUrl, String username, String password) {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** Checks the URL. */
    public Database {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw org.hubkit.api.ConfigException.of("jdbcUrl",
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

    /**
     * The directory and base name of an embedded H2 file database ({@code jdbc:h2:file:/dir/hubkit}
     * or {@code jdbc:h2:/dir/hubkit}), empty for PostgreSQL, in-memory and server-mode URLs.
     */
    /** @return the file an embedded H2 database lives in (without its {@code .mv.db} suffix), if this is one */
    public Optional<Path> h2File() {
        if (!jdbcUrl.startsWith("jdbc:h2:")) {
            return Optional.empty();
        }
        String rest = jdbcUrl.substring("jdbc:h2:".length());
        int semicolon = rest.indexOf(';');
        String name = semicolon < 0 ? rest : rest.substring(0, semicolon);
        if (name.startsWith("file:")) {
            name = name.substring("file:".length());
        } else if (!(name.startsWith("/") || name.startsWith("./") || name.startsWith("../"))) {
            return Optional.empty(); // mem:, tcp:, ssl:, zip:, ~/..., and other file system prefixes
        }
        if (name.isEmpty() || name.startsWith("~")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(name).toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
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
