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
import org.hubkit.core.internal.PrivateFiles;
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

    /**
     * The directory and base name of an embedded H2 file database ({@code jdbc:h2:file:/dir/hubkit}
     * or {@code jdbc:h2:/dir/hubkit}), empty for PostgreSQL, in-memory and server-mode URLs.
     */
    Optional<Path> h2File() {
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

    /**
     * Makes an embedded H2 database's directory and files the hub's own, as the class comment
     * says; does nothing for other databases. The hub calls it before it opens the store.
     *
     * @throws HubException if the directory cannot be created (a mode that cannot be set is only warned about)
     */
    void prepareFiles() {
        Optional<Path> file = h2File();
        if (file.isEmpty() || file.get().getParent() == null) {
            return;
        }
        Path dir = file.get().getParent();
        String base = file.get().getFileName().toString();
        boolean created;
        try {
            created = PrivateFiles.createDirectories(dir, PrivateFiles.SEARCH_ONLY_DIRECTORY);
        } catch (IOException e) {
            throw new HubException("Cannot create the database directory " + dir + ": " + e, e);
        }
        try {
            if (!created) {
                int before = PrivateFiles.restrict(dir, PrivateFiles.GROUP_OTHERS_READ_WRITE);
                if (before >= 0 && (before & PrivateFiles.GROUP_OTHERS_READ_WRITE) != 0) {
                    LOG.info("The database directory {} was mode {}; now {}: others may not list or change it", dir,
                            PrivateFiles.octal(before), PrivateFiles.octal(before & ~PrivateFiles.GROUP_OTHERS_READ_WRITE));
                }
            }
            for (String suffix : List.of(".mv.db", ".trace.db")) {
                PrivateFiles.privateFile(dir.resolve(base + suffix));
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(base + ".")
                        && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                    PrivateFiles.restrict(p, 0177);
                }
            }
        } catch (IOException e) {
            // Not the hub's to change (another owner): H2 decides whether it can open it.
            LOG.warn("Cannot make the database directory {} and its files private to the hub (0711, files 0600): {}", dir,
                    e.toString());
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
