package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.hubkit.core.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every column that points at another table's row leads an index (V4), on a fresh store and on
 * one migrated from V3 with rows in it; the indexes are read back from the database's own
 * metadata, so a foreign key added later without an index fails here. Subclasses pick the
 * database.
 */
abstract class StoreIndexesScenario {
    static final List<String> TABLES = List.of("hub_users", "hub_groups", "hub_user_groups", "hub_servers", "hub_api_tokens",
            "hub_oauth_clients", "hub_oauth_codes", "hub_sessions", "hub_secrets");
    /** References the schema does not declare as foreign keys, and the purge's column. */
    static final Map<String, List<String>> ALSO_INDEXED = Map.of(
            "hub_api_tokens", List.of("oauth_client", "session_id", "expires_at"),
            "hub_oauth_codes", List.of("session_id", "expires_at"),
            "hub_sessions", List.of("session_id", "expires_at"));

    @TempDir
    Path dir;

    abstract Database database(Path dir);

    @Test
    void everyForeignKeyColumnLeadsAnIndexOnAFreshStore() throws Exception {
        Database db = database(dir);
        new Store(db).close();
        assertIndexed(db);
    }

    @Test
    void aStoreAtV3WithRowsIsMigratedToTheIndexes() throws Exception {
        Database db = database(dir);
        Flyway.configure().dataSource(db.jdbcUrl(), db.username(), db.password())
                .locations("classpath:org/hubkit/core/db/migration").table("hubkit_schema_history")
                .target("3").load().migrate();
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO hub_users(name, admin, created) VALUES ('alice', FALSE, CURRENT_TIMESTAMP)");
            s.executeUpdate("INSERT INTO hub_api_tokens(token_hash, user_name, scopes, kind, server_name, created) "
                    + "VALUES ('h1', 'alice', '[]', 'server', '', CURRENT_TIMESTAMP)");
        }
        Store store = new Store(db);
        try {
            assertThat(store.loadTokens()).extracting(Store.TokenRow::user).containsExactly("alice");
        } finally {
            store.close();
        }
        assertIndexed(db);
        try (Connection c = connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT MAX(" + q(c, "version") + ") FROM " + q(c, "hubkit_schema_history")
                     + " WHERE " + q(c, "success") + " = TRUE")) {
            rs.next();
            assertThat(Integer.parseInt(rs.getString(1))).isGreaterThanOrEqualTo(4);
        }
    }

    private static void assertIndexed(Database db) throws SQLException {
        try (Connection c = connect(db)) {
            DatabaseMetaData meta = c.getMetaData();
            String schema = c.getSchema();
            List<String> missing = new ArrayList<>();
            int foreignKeys = 0;
            for (String table : TABLES) {
                Set<String> columns = new LinkedHashSet<>();
                try (ResultSet fk = meta.getImportedKeys(null, schema, name(meta, table))) {
                    while (fk.next()) {
                        columns.add(fk.getString("FKCOLUMN_NAME").toLowerCase(Locale.ROOT));
                        foreignKeys++;
                    }
                }
                columns.addAll(ALSO_INDEXED.getOrDefault(table, List.of()));
                Set<String> leading = leadingIndexColumns(meta, schema, name(meta, table));
                for (String column : columns) {
                    if (!leading.contains(column)) {
                        missing.add(table + "." + column);
                    }
                }
            }
            assertThat(foreignKeys).as("the schema's foreign keys were found").isGreaterThanOrEqualTo(8);
            assertThat(missing).as("columns that lead no index").isEmpty();
        }
    }

    /** The first column of each index of the table (primary key included), lower case. */
    private static Set<String> leadingIndexColumns(DatabaseMetaData meta, String schema, String table) throws SQLException {
        Map<String, TreeMap<Short, String>> indexes = new TreeMap<>();
        try (ResultSet ix = meta.getIndexInfo(null, schema, table, false, false)) {
            while (ix.next()) {
                String index = ix.getString("INDEX_NAME");
                String column = ix.getString("COLUMN_NAME");
                if (index != null && column != null) {
                    indexes.computeIfAbsent(index, k -> new TreeMap<>()).put(ix.getShort("ORDINAL_POSITION"),
                            column.toLowerCase(Locale.ROOT));
                }
            }
        }
        Set<String> leading = new LinkedHashSet<>();
        indexes.values().forEach(cols -> leading.add(cols.firstEntry().getValue()));
        return leading;
    }

    private static String name(DatabaseMetaData meta, String table) throws SQLException {
        return meta.storesUpperCaseIdentifiers() ? table.toUpperCase(Locale.ROOT) : table;
    }

    /** Flyway's history table is created with quoted lower-case names on both databases. */
    private static String q(Connection c, String identifier) {
        return "\"" + identifier + "\"";
    }

    private static Connection connect(Database db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    }
}
