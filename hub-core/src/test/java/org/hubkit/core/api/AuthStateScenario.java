package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.Credentials;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LogCapture;
import org.hubkit.core.internal.CryptKeeper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth state at rest, as JupyterHub's {@code enable_auth_state}: encrypted in the store under the
 * configured keys, rotated, dropped when no key opens it, and never stored without a key. Each
 * test reads the database's raw columns over JDBC. Subclasses pick the database.
 */
abstract class AuthStateScenario {
    static final byte[] KEY_A = key(0x0a);
    static final byte[] KEY_B = key(0x0b);
    static final String RUN = HexFormat.of().formatHex(randomBytes());

    @TempDir
    Path dir;
    Database database;

    /** @return the database the hubs of one test share (across restarts) */
    abstract Database database(Path dir);

    @BeforeEach
    void pickDatabase() {
        database = database(dir);
    }

    private static byte[] key(int b) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) b);
        return k;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** The secret the test authenticator hands out for a user. */
    static String secretOf(String user) {
        return "gho_" + user + "_" + RUN;
    }

    /** Accepts {@link TestHub#PASSWORD} for anyone, with auth state holding {@link #secretOf} the user. */
    static final class StatefulAuthenticator implements Authenticator {
        @Override
        public CompletionStage<AuthResult> authenticate(Credentials c) {
            if (!TestHub.PASSWORD.equals(c.password())) {
                return CompletableFuture.completedFuture(AuthResult.refused());
            }
            return CompletableFuture.completedFuture(new AuthResult(true, c.username(), Optional.empty(), null,
                    Map.of("access_token", secretOf(c.username().strip().toLowerCase()), "scope", "read:user")));
        }

        @Override
        public AccessRules accessRules() {
            return AccessRules.allowAllUsers();
        }
    }

    TestHub hub(List<byte[]> keys) throws Exception {
        return hub(b -> b.cryptKeys(keys));
    }

    TestHub hub(Consumer<Hub.Builder> more) throws Exception {
        return TestHub.start(dir, b -> {
            b.authenticator(new StatefulAuthenticator()).database(database);
            more.accept(b);
        });
    }

    static Object authStateOf(TestHub hub, String user) throws Exception {
        return hub.user(user).get("auth_state");
    }

    /** The user's row as stored: column name (lower case) to value. */
    Map<String, String> rawRow(String user) throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl());
             PreparedStatement ps = c.prepareStatement("SELECT * FROM hub_users WHERE name = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a row for " + user).isTrue();
                ResultSetMetaData md = rs.getMetaData();
                Map<String, String> row = new java.util.HashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i).toLowerCase(), rs.getString(i));
                }
                return row;
            }
        }
    }

    void writePlainAuthState(String user, String json) throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl());
             PreparedStatement ps = c.prepareStatement("UPDATE hub_users SET auth_state = ? WHERE name = ?")) {
            ps.setString(1, json);
            ps.setString(2, user);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    /** No column of the user's row holds the secret, and the old plain-text column is empty. */
    void assertNothingInClear(String user) throws Exception {
        Map<String, String> row = rawRow(user);
        assertThat(row).containsEntry("auth_state", null);
        assertThat(row.values()).as("a column holds the secret").noneMatch(v -> v != null && v.contains(secretOf(user)));
    }

    static void login(TestHub hub, String user) throws Exception {
        new Browser(hub.base).loggedInAs(user);
    }

    @Test
    void theStoreNeverHoldsAuthStateInClear() throws Exception {
        try (TestHub hub = hub(List.of(KEY_A))) {
            login(hub, "alice");

            assertThat(authStateOf(hub, "alice")).isEqualTo(Map.of("access_token", secretOf("alice"), "scope", "read:user"));
            String sealed = rawRow("alice").get("encrypted_auth_state");
            assertThat(sealed).startsWith("hk1:");
            assertThat(CryptKeeper.of(List.of(KEY_A)).open(sealed, "alice")).contains(secretOf("alice"));
            assertNothingInClear("alice");

            // Changing the admin flag writes the user's row again.
            assertThat(hub.admin("PATCH", "/users/alice", Map.of("admin", true)).statusCode()).isEqualTo(200);
            assertNothingInClear("alice");
            assertThat(rawRow("alice").get("encrypted_auth_state")).startsWith("hk1:");
        }
        try (TestHub again = hub(List.of(KEY_A))) {
            assertThat(authStateOf(again, "alice")).isEqualTo(Map.of("access_token", secretOf("alice"), "scope", "read:user"));
        }
    }

    @Test
    void aRenamedUserKeepsTheirAuthState() throws Exception {
        try (TestHub hub = hub(List.of(KEY_A))) {
            login(hub, "erin");
            assertThat(hub.admin("PATCH", "/users/erin", Map.of("name", "erin2")).statusCode()).isEqualTo(200);
        }
        try (TestHub again = hub(List.of(KEY_A))) {
            assertThat(authStateOf(again, "erin2")).isEqualTo(Map.of("access_token", secretOf("erin"), "scope", "read:user"));
            assertThat(rawRow("erin2")).containsEntry("auth_state", null);
        }
    }

    @Test
    void rotatedKeysReadOldValuesAndRewriteThemUnderTheFirstKey() throws Exception {
        try (TestHub hub = hub(List.of(KEY_A))) {
            login(hub, "alice");
            login(hub, "bob");
        }
        String underA = rawRow("alice").get("encrypted_auth_state");

        try (LogCapture logs = new LogCapture(); TestHub onlyB = hub(List.of(KEY_B))) {
            assertThat(authStateOf(onlyB, "alice")).as("no key opens it: dropped").isNull();
            assertThat(authStateOf(onlyB, "bob")).isNull();
            assertThat(logs.containing("auth state of user alice")).hasSize(1).allMatch(l -> l.startsWith("WARN"));
            assertThat(logs.containing("auth state of user bob")).hasSize(1).allMatch(l -> l.startsWith("WARN"));
            assertThat(logs.lines()).noneMatch(l -> l.contains(HexFormat.of().formatHex(KEY_A))
                    || l.contains(HexFormat.of().formatHex(KEY_B)));
        }

        try (TestHub rotated = hub(List.of(KEY_B, KEY_A))) {
            assertThat(authStateOf(rotated, "alice")).isEqualTo(Map.of("access_token", secretOf("alice"), "scope", "read:user"));
            String now = rawRow("alice").get("encrypted_auth_state");
            assertThat(now).isNotEqualTo(underA);
            assertThat(CryptKeeper.of(List.of(KEY_B, KEY_A)).sealedWithCurrentKey(now)).as("rewritten under B").isTrue();
            assertNothingInClear("alice");
        }
        try (TestHub onlyB = hub(List.of(KEY_B))) {
            assertThat(authStateOf(onlyB, "alice")).isEqualTo(Map.of("access_token", secretOf("alice"), "scope", "read:user"));
            login(onlyB, "bob");
            assertThat(authStateOf(onlyB, "bob")).as("a new login brings it back").isNotNull();
        }
    }

    @Test
    void withoutAKeyAuthStateStaysInMemoryAndTheHubSaysSoOnce() throws Exception {
        try (LogCapture logs = new LogCapture(); TestHub hub = hub(List.of())) {
            login(hub, "carol");
            login(hub, "carol");
            login(hub, "dave");

            assertThat(authStateOf(hub, "carol")).as("kept for the running hub")
                    .isEqualTo(Map.of("access_token", secretOf("carol"), "scope", "read:user"));
            assertThat(rawRow("carol")).containsEntry("auth_state", null).containsEntry("encrypted_auth_state", null);
            assertThat(rawRow("dave")).containsEntry("auth_state", null).containsEntry("encrypted_auth_state", null);
            assertThat(logs.containing("not persisted")).hasSize(1);
        }
        try (TestHub again = hub(List.of())) {
            assertThat(authStateOf(again, "carol")).isNull();
        }
    }

    @Test
    void plainTextAuthStateFromBeforeIsEncryptedWithAKey() throws Exception {
        try (TestHub hub = hub(List.of(KEY_A))) {
            hub.ensureUser("frank", false);
        }
        writePlainAuthState("frank", "{\"access_token\":\"" + secretOf("frank") + "\"}");

        try (TestHub hub = hub(List.of(KEY_A))) {
            assertThat(authStateOf(hub, "frank")).isEqualTo(Map.of("access_token", secretOf("frank")));
            assertNothingInClear("frank");
            assertThat(rawRow("frank").get("encrypted_auth_state")).startsWith("hk1:");
        }
    }

    @Test
    void plainTextAuthStateFromBeforeIsRemovedWithoutAKey() throws Exception {
        try (TestHub hub = hub(List.of())) {
            hub.ensureUser("grace", false);
        }
        writePlainAuthState("grace", "{\"access_token\":\"" + secretOf("grace") + "\"}");

        try (LogCapture logs = new LogCapture(); TestHub hub = hub(List.of())) {
            assertThat(authStateOf(hub, "grace")).as("this run still has it").isEqualTo(Map.of("access_token", secretOf("grace")));
            assertNothingInClear("grace");
            assertThat(rawRow("grace")).containsEntry("encrypted_auth_state", null);
            assertThat(logs.containing("Removed the plain-text auth state of 1 users")).hasSize(1);
        }
        try (TestHub hub = hub(List.of())) {
            assertThat(authStateOf(hub, "grace")).isNull();
        }
    }
}
