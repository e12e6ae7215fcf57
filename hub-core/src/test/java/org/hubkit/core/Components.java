package org.hubkit.core;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.hubkit.testkit.RealComponents;

/** A fresh PostgreSQL schema per run, on the server {@link RealComponents#postgresUrl()} names. */
public final class Components {
    private Components() {
    }

    /** A new schema, so runs never see each other's state. */
    public static Database freshPostgres() {
        String url = RealComponents.postgresUrl();
        String schema = "hubkit_test_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (Exception e) {
            RealComponents.missing("PostgreSQL at $HUBKIT_PG_URL (" + e.getMessage() + ")");
        }
        return Database.of(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    }
}
