package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import org.hubkit.core.internal.DatabaseSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The H2 directory and files are the hub's alone, whatever the umask, before H2 writes a byte. */
class DatabaseFilesTest {
    @TempDir
    Path dir;

    @Test
    void aNewDatabaseDirectoryCanBePassedButNotListedAndItsFilesAreOwnerOnly() throws Exception {
        Path data = dir.resolve("hubkit-data");
        Database db = Database.h2(data);
        DatabaseSetup.prepareFiles(db);
        assertThat(mode(data)).isEqualTo("rwx--x--x");
        assertThat(mode(data.resolve("hubkit.mv.db"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("hubkit.trace.db"))).isEqualTo("rw-------");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl())) {
            c.createStatement().execute("CREATE TABLE t(secret VARCHAR)");
            c.createStatement().execute("INSERT INTO t VALUES ('cookie secret')");
        }
        assertThat(Files.size(data.resolve("hubkit.mv.db"))).as("H2 took the empty file as a new database").isPositive();
        assertThat(mode(data.resolve("hubkit.mv.db"))).isEqualTo("rw-------");
    }

    @Test
    void anExistingDirectoryAndFilesLoseEveryReadAndWriteBitOfOthersAndNothingIsAdded() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.writeString(open.resolve("hubkit.mv.db.tempFile"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path other = Files.writeString(open.resolve("notes.txt"), "x");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));
        DatabaseSetup.prepareFiles(Database.h2(open));
        assertThat(mode(open)).isEqualTo("rwx--x--x");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(other)).as("not the database's").isEqualTo("rw-r--r--");

        Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        DatabaseSetup.prepareFiles(Database.h2(closed));
        assertThat(mode(closed)).as("an operator's 0700 stays").isEqualTo("rwx------");
    }

    @Test
    void otherDatabasesAreLeftAlone() {
        DatabaseSetup.prepareFiles(Database.of("jdbc:h2:mem:x"));
        DatabaseSetup.prepareFiles(Database.of("jdbc:postgresql://127.0.0.1:5432/hubkit"));
        assertThat(Database.of("jdbc:h2:tcp://localhost/x").h2File()).isEmpty();
        assertThat(Database.of("jdbc:h2:" + dir.resolve("x") + ";MODE=PostgreSQL").h2File()).contains(dir.resolve("x"));
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
