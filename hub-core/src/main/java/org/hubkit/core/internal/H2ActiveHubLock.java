package org.hubkit.core.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active-hub lock on H2. An embedded file database is opened by one process at a time: H2
 * locks the file, and the operating system drops that lock when the process dies. So the lock
 * is a connection of its own to the database, kept open while the hub is active (the store's pool
 * shares the database it opened); another process's attempt fails with H2's "already in use"
 * (90020), which here means: stand by and try again. Hubs in one JVM share an open database, so
 * a JVM-wide set of held databases keeps a second one there out as well.
 *
 * <p>The holder writes where it runs to {@code <base>.active} beside the database file (mode
 * {@code 0600}; removed when it closes), since a standby cannot read the locked database. A server-mode
 * URL ({@code jdbc:h2:tcp:}) cannot be kept from hubs in other processes: that is said once, as a
 * warning; in-memory databases exist in one JVM only.
 *
 * <p>Thread-safe: every method is synchronized, and a closed lock opens no connection again.
 */
public final class H2ActiveHubLock implements ActiveHubLock {
    private static final Logger LOG = LoggerFactory.getLogger(H2ActiveHubLock.class);
    /** H2's {@code DATABASE_ALREADY_OPEN_1}: another process has the file open. */
    static final int ALREADY_IN_USE = 90020;
    private static final Set<String> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final String jdbcUrl;
    private final String probeUrl;
    private final boolean traceOffWhileProbing;
    private final String username;
    private final String password;
    private final String redactedUrl;
    private final String key;
    private final Path holderFile;
    private Connection connection;
    private boolean announced;
    private boolean closed;
    private boolean warnedServerMode;

    /**
     * @param jdbcUrl the store's {@code jdbc:h2:} URL
     * @param username the user, or null
     * @param password the password, or null
     * @param redactedUrl the URL without password, for logs
     * @param file the embedded database's directory and base name ({@code /dir/hubkit}), or null when it is not an embedded file
     */
    public H2ActiveHubLock(String jdbcUrl, String username, String password, String redactedUrl, Path file) {
        this.jdbcUrl = jdbcUrl;
        // A refused attempt every standby poll must not grow H2's trace file; restored once the database is ours.
        this.traceOffWhileProbing = !jdbcUrl.toUpperCase(Locale.ROOT).contains("TRACE_LEVEL_FILE");
        this.probeUrl = traceOffWhileProbing ? jdbcUrl + ";TRACE_LEVEL_FILE=0" : jdbcUrl;
        this.username = username;
        this.password = password;
        this.redactedUrl = redactedUrl;
        int semicolon = jdbcUrl.indexOf(';');
        this.key = file != null ? file.toString() : (semicolon < 0 ? jdbcUrl : jdbcUrl.substring(0, semicolon));
        this.holderFile = file == null ? null : file.resolveSibling(file.getFileName() + ".active");
    }

    @Override
    public synchronized boolean tryAcquire() {
        if (closed) {
            return false;
        }
        if (connection != null) {
            return true;
        }
        if (!HELD_IN_THIS_JVM.add(key)) {
            return false;
        }
        boolean acquired = false;
        try {
            Properties props = new Properties();
            if (username != null) {
                props.setProperty("user", username);
            }
            if (password != null) {
                props.setProperty("password", password);
            }
            connection = DriverManager.getConnection(probeUrl, props);
            if (traceOffWhileProbing) {
                try (Statement s = connection.createStatement()) {
                    s.execute("SET TRACE_LEVEL_FILE 1"); // H2's default: errors are traced
                } catch (SQLException e) {
                    LOG.debug("Cannot restore H2's trace level: {}", e.getMessage());
                }
            }
            acquired = true;
            if (holderFile == null && (jdbcUrl.regionMatches(true, 0, "jdbc:h2:tcp:", 0, 12)
                    || jdbcUrl.regionMatches(true, 0, "jdbc:h2:ssl:", 0, 12))) {
                if (!warnedServerMode) {
                    warnedServerMode = true;
                    LOG.warn("The database {} is an H2 server: hubs in other processes on it cannot be kept standing by; "
                            + "run one hub on it, or use PostgreSQL", redactedUrl);
                }
            }
            return true;
        } catch (SQLException e) {
            connection = null;
            if (e.getErrorCode() == ALREADY_IN_USE) {
                return false;
            }
            throw new HubException("Cannot open the database " + redactedUrl + ": " + e.getMessage(), e);
        } finally {
            if (!acquired) {
                HELD_IN_THIS_JVM.remove(key);
            }
        }
    }

    @Override
    public synchronized Check check() {
        if (closed || connection == null) {
            return Check.LOST;
        }
        // An embedded database stays this process's while the connection is open; a server's may drop.
        try {
            return holderFile != null || connection.isValid(5) ? Check.HELD : Check.UNKNOWN;
        } catch (SQLException e) {
            return Check.UNKNOWN;
        }
    }

    @Override
    public synchronized void announce(Holder me) {
        if (holderFile == null || connection == null) {
            return;
        }
        Properties p = new Properties();
        p.setProperty("host", me.host());
        p.setProperty("pid", Long.toString(me.pid()));
        p.setProperty("since", me.since().toString());
        if (me.url() != null) {
            p.setProperty("url", me.url().toString());
        }
        Path tmp = holderFile.resolveSibling(holderFile.getFileName() + ".tmp");
        try {
            PrivateFiles.privateFile(tmp);
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "The active Hubkit hub on this database (removed when it stops)");
            }
            try {
                Files.move(tmp, holderFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, holderFile, StandardCopyOption.REPLACE_EXISTING);
            }
            announced = true;
        } catch (IOException e) {
            LOG.warn("Cannot write {}: {}; standbys will not name this hub", holderFile, e.toString());
        }
    }

    @Override
    public synchronized Optional<Holder> holder() {
        if (holderFile == null) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(holderFile, StandardCharsets.UTF_8)) {
            p.load(r);
            String url = p.getProperty("url");
            return Optional.of(new Holder(p.getProperty("host", "?"), Long.parseLong(p.getProperty("pid", "-1")),
                    Instant.parse(p.getProperty("since")), url == null ? null : URI.create(url)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot read {}: {}", holderFile, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        return redactedUrl;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (connection == null) {
            return;
        }
        if (announced) {
            try {
                Files.deleteIfExists(holderFile);
            } catch (IOException e) {
                LOG.debug("Cannot remove {}: {}", holderFile, e.toString());
            }
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Closing the active-hub lock's connection: {}", e.getMessage());
        }
        connection = null;
        HELD_IN_THIS_JVM.remove(key);
    }
}
