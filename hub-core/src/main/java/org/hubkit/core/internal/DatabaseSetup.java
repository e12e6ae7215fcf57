package org.hubkit.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.hubkit.api.HubException;
import org.hubkit.core.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the hub does with a {@link Database} before opening it: its files made private, its active-hub lock chosen. */
public final class DatabaseSetup {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseSetup.class);

    private DatabaseSetup() {
    }

    /**
     * Makes an embedded H2 database's directory and files the hub's own, as the class comment
     * says; does nothing for other databases. The hub calls it before it opens the store.
     *
     * @throws HubException if the directory cannot be created (a mode that cannot be set is only warned about)
     */
    public static void prepareFiles(Database database) {
        Optional<Path> file = database.h2File();
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

    /** @return the lock that keeps one hub per database active, the others standing by (see {@code Hub.start()}) */
    public static ActiveHubLock activeHubLock(Database database) {
        return database.jdbcUrl().startsWith("jdbc:postgresql:")
                ? new PostgresActiveHubLock(database.jdbcUrl(), database.username(), database.password(), database.redactedUrl())
                : new H2ActiveHubLock(database.jdbcUrl(), database.username(), database.password(), database.redactedUrl(),
                        database.h2File().orElse(null));
    }
}
