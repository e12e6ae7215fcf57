package org.hubkit.core.internal;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.CRC32;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active-hub lock on PostgreSQL: a session-level advisory lock,
 * {@code pg_try_advisory_lock(}{@value #LOCK_CLASS}{@code , crc32(schema))}, taken on a JDBC
 * connection of its own, outside the store's pool, and kept open as long as the hub is active.
 * When the hub's process dies its connection drops and the server releases the lock; the lock is
 * per database and schema, so hubs in other schemas of one server do not see each other.
 *
 * <p>The connection asks the server for TCP keepalives every few seconds, so that the lock of a
 * hub whose machine vanished (no FIN, no RST) is released in about {@value #KEEPALIVE_SECONDS}
 * seconds instead of the system default two hours. It must reach PostgreSQL directly or through
 * a pooler in session mode: a transaction-mode pooler hands the session, and the lock, to others.
 *
 * <p>Which hub holds the lock is written by the holder to the single row of {@code hub_active_hub}
 * (migration V5) and read by standbys for their log; it is never part of any HTTP answer.
 *
 * <p>Thread-safe: every method is synchronized, and a closed lock opens no connection again.
 */
public final class PostgresActiveHubLock implements ActiveHubLock {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresActiveHubLock.class);
    /** The advisory lock's first key, "HUBK": the same for every Hubkit hub. */
    public static final int LOCK_CLASS = 0x4855424B;
    /** About how long the server takes to drop the session of a hub whose machine vanished. */
    static final int KEEPALIVE_SECONDS = 11;
    private static final String APPLICATION_NAME = "hubkit active-hub lock";

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final String redactedUrl;
    private Connection connection;
    private int objectKey;
    private boolean held;
    private boolean closed;

    /**
     * @param jdbcUrl the store's {@code jdbc:postgresql:} URL (its {@code currentSchema} names the schema)
     * @param username the user, or null when the URL carries it
     * @param password the password, or null
     * @param redactedUrl the URL without password, for logs
     */
    public PostgresActiveHubLock(String jdbcUrl, String username, String password, String redactedUrl) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.redactedUrl = redactedUrl;
    }

    /**
     * @param schema a schema name, as {@code current_schema()} gives it
     * @return the advisory lock's second key for that schema
     */
    public static int objectKey(String schema) {
        CRC32 crc = new CRC32();
        crc.update(schema.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    @Override
    public synchronized boolean tryAcquire() {
        if (closed) {
            return false;
        }
        try {
            if (connection == null) {
                connection = connect();
            }
            if (held) {
                return true;
            }
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                ps.setInt(1, LOCK_CLASS);
                ps.setInt(2, objectKey);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    held = rs.getBoolean(1);
                }
            }
            return held;
        } catch (SQLException e) {
            dropConnection();
            throw new HubException("Cannot reach the database " + redactedUrl + " for the active-hub lock: " + e.getMessage(), e);
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", "10");
        // Only ever short statements on this connection: a read that hangs longer is a dead network.
        props.setProperty("socketTimeout", "30");
        Connection c = DriverManager.getConnection(jdbcUrl, props);
        try {
            c.setAutoCommit(true);
            // The server side of the keepalive: what releases the lock of a machine that vanished.
            for (String setting : List.of("tcp_keepalives_idle = 5", "tcp_keepalives_interval = 2", "tcp_keepalives_count = 3",
                    "tcp_user_timeout = 11000")) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET " + setting);
                } catch (SQLException e) {
                    LOG.debug("Cannot SET {} on the active-hub lock's connection: {}", setting, e.getMessage());
                }
            }
            String schema;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
                rs.next();
                schema = rs.getString(1);
            }
            objectKey = objectKey(schema == null ? "public" : schema);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void dropConnection() {
        held = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the active-hub lock's connection: {}", e.getMessage());
            }
            connection = null;
        }
    }

    @Override
    public synchronized Check check() {
        if (closed) {
            return Check.LOST;
        }
        try {
            if (held && connection != null && connection.isValid(5)) {
                return Check.HELD;
            }
        } catch (SQLException e) {
            // isValid only throws for a negative timeout
        }
        dropConnection();
        try {
            if (tryAcquire()) {
                LOG.warn("The active-hub lock's connection to {} was lost; this hub took the lock again (no other hub had it)",
                        redactedUrl);
                return Check.HELD;
            }
            return Check.LOST;
        } catch (HubException e) {
            return Check.UNKNOWN;
        }
    }

    @Override
    public synchronized void announce(Holder me) {
        if (!held) {
            return;
        }
        try {
            int n;
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE hub_active_hub SET host = ?, pid = ?, since = ?, hub_url = ? WHERE id = 1")) {
                bind(ps, me);
                n = ps.executeUpdate();
            }
            if (n == 0) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "INSERT INTO hub_active_hub(host, pid, since, hub_url, id) VALUES (?, ?, ?, ?, 1)")) {
                    bind(ps, me);
                    ps.executeUpdate();
                }
            }
        } catch (SQLException e) {
            LOG.warn("Cannot record this hub as the active one in {}: {}; standbys will not name it", redactedUrl, e.getMessage());
        }
    }

    private static void bind(PreparedStatement ps, Holder me) throws SQLException {
        ps.setString(1, me.host());
        ps.setLong(2, me.pid());
        ps.setObject(3, OffsetDateTime.ofInstant(me.since(), ZoneOffset.UTC));
        ps.setString(4, me.url() == null ? null : me.url().toString());
    }

    @Override
    public synchronized Optional<Holder> holder() {
        if (connection == null) {
            return Optional.empty();
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT host, pid, since, hub_url FROM hub_active_hub WHERE id = 1")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            OffsetDateTime since = rs.getObject(3, OffsetDateTime.class);
            String url = rs.getString(4);
            return Optional.of(new Holder(rs.getString(1), rs.getLong(2), since == null ? null : since.toInstant(),
                    url == null ? null : URI.create(url)));
        } catch (SQLException | IllegalArgumentException e) {
            return Optional.empty(); // no V5 table yet (an older hub is active), or nothing readable
        }
    }

    @Override
    public String describe() {
        return redactedUrl;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (held && connection != null) {
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                ps.setInt(1, LOCK_CLASS);
                ps.setInt(2, objectKey);
                ps.execute();
            } catch (SQLException e) {
                LOG.debug("Unlocking the active-hub lock: {} (closing its connection releases it anyway)", e.getMessage());
            }
        }
        dropConnection();
    }
}
