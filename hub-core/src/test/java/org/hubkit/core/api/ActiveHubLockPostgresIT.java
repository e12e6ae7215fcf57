package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.hubkit.core.Components;
import org.hubkit.core.Database;
import org.hubkit.core.internal.PostgresActiveHubLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active hub's side of the PostgreSQL lock: a dropped lock connection is taken again when no
 * other hub took the lock meanwhile; when one did, the hub stops and leaves every single-user
 * server running (even with {@code cleanupServers}), for the new active hub to restore.
 */
class ActiveHubLockPostgresIT {
    @TempDir
    Path tmp;

    @Test
    void aDroppedLockConnectionIsTakenAgainWhenNoOtherHubHasTheLock() throws Exception {
        Database db = Components.freshPostgres();
        try (LogCapture log = new LogCapture("org.hubkit.core", Level.INFO);
             TestHub hub = TestHub.start(tmp, b -> b.database(db).standbyPollInterval(Duration.ofMillis(300)));
             Connection sql = DriverManager.getConnection(db.jdbcUrl())) {
            long lockBackend = lockHolder(sql);
            try (PreparedStatement ps = sql.prepareStatement("SELECT pg_terminate_backend(?)")) {
                ps.setInt(1, (int) lockBackend);
                ps.execute();
            }
            await(() -> log.messages().stream().anyMatch(m -> m.contains("this hub took the lock again")), "the lock taken again");
            assertThat(lockHolder(sql)).isNotEqualTo(lockBackend);
            assertThat(hub.hub.isActive()).isTrue();
            hub.startServer("carol"); // the hub still works as the active one
        }
    }

    @Test
    void anActiveHubThatFindsTheLockTakenStopsAndLeavesTheServersRunning() throws Exception {
        Database db = Components.freshPostgres();
        try (LogCapture log = new LogCapture("org.hubkit.core", Level.INFO);
             TestHub hub = TestHub.start(tmp, b -> b.database(db).standbyPollInterval(Duration.ofMillis(300)));
             Connection sql = DriverManager.getConnection(db.jdbcUrl())) {
            hub.startServer("alice");
            long alicePid = Long.parseLong(hub.serverEnv("alice").get("pid"));
            URI aliceDirect = URI.create(hub.serverEnv("alice").get("JUPYTERHUB_SERVICE_URL"));

            // Another session takes the lock the moment the hub's session ends.
            try (Statement s = sql.createStatement()) {
                s.execute("SET lock_timeout = '10s'");
            }
            try (PreparedStatement ps = sql.prepareStatement("SELECT pg_terminate_backend(?), pg_advisory_lock(?, ?)")) {
                ps.setInt(1, (int) lockHolder(sql));
                ps.setInt(2, PostgresActiveHubLock.LOCK_CLASS);
                ps.setInt(3, PostgresActiveHubLock.objectKey(schema(sql)));
                ps.execute();
            }

            await(() -> !hub.hub.isActive(), "the hub to step down");
            Thread stopped = new Thread(() -> {
                try {
                    hub.hub.awaitShutdown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopped.start();
            stopped.join(Duration.ofSeconds(30).toMillis());
            assertThat(stopped.isAlive()).as("awaitShutdown returned").isFalse();
            assertThat(log.messages()).anyMatch(m -> m.startsWith("Hub lost the active-hub lock on "))
                    .anyMatch(m -> m.equals("Hub stopping; single-user servers keep running"));
            // alice's server was left alone: same process, still answering on its own port.
            assertThat(ProcessHandle.of(alicePid).map(ProcessHandle::isAlive)).hasValue(true);
            assertThat(hub.send(HttpRequest.newBuilder(aliceDirect).GET()).body()).contains("user=alice");
        }
    }

    private static String schema(Connection sql) throws Exception {
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** @return the backend pid holding this schema's active-hub lock */
    private static long lockHolder(Connection sql) throws Exception {
        try (PreparedStatement ps = sql.prepareStatement("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 2")) {
            ps.setLong(1, PostgresActiveHubLock.LOCK_CLASS);
            ps.setLong(2, Integer.toUnsignedLong(PostgresActiveHubLock.objectKey(schema(sql))));
            for (int i = 0; i < 100; i++) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getLong(1);
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nobody holds the active-hub lock");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
