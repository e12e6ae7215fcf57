package org.hubkit.core.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.hubkit.api.HubException;
import org.hubkit.core.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDBC store: H2 or PostgreSQL, schema migrated by Flyway from
 * {@code org/hubkit/core/db/migration}. Every method is one short transaction; SQL errors
 * become {@link HubException}.
 *
 * <p>Users' auth state is sealed with the {@link CryptKeeper} on its way in and opened on its
 * way out, so callers see plain JSON and the database never does. Without a key it is not
 * stored at all (JupyterHub refuses to store it unencrypted too): callers keep it in memory.
 */
public final class Store implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Store.class);

    /** A user; {@code authState} is the opened JSON, or null when there is none (or none could be opened). */
    /** @param authenticator the id of the authenticator that owns the name, or null */
    public record UserRow(String name, boolean admin, Instant created, Instant lastActivity,
                          String authState, Set<String> groups, String authenticator) { }

    public record ServerRow(String user, String name, boolean running, String url, Map<String, String> spawnerState,
                            Map<String, Object> userOptions, Instant started, Instant lastActivity) { }

    public record TokenRow(long id, String hash, String user, String service, List<String> scopes, String note,
                           String kind, String serverName, String oauthClient, String sessionId,
                           Instant created, Instant lastActivity, Instant expiresAt) { }

    public record ClientRow(String id, String secretHash, String redirectUri, String user, String serverName,
                            List<String> allowedScopes) { }

    public record CodeRow(String clientId, String user, String redirectUri, List<String> scopes, String sessionId,
                          Instant expiresAt) { }

    public record SessionRow(String sessionId, String user, Instant expiresAt) { }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** What {@link #purgeExpired} deleted. */
    public record PurgeCounts(int apiTokens, int oauthTokens, int oauthCodes, int sessions) {
        public int total() {
            return apiTokens + oauthTokens + oauthCodes + sessions;
        }
    }

    private final HikariDataSource dataSource;
    private final CryptKeeper crypt;

    /** A store that does not persist auth state (no encryption key). */
    public Store(Database database) {
        this(database, CryptKeeper.none());
    }

    /**
     * @param database where state lives
     * @param crypt seals auth state; {@link CryptKeeper#none()} keeps auth state out of the store
     */
    public Store(Database database, CryptKeeper crypt) {
        this.crypt = Objects.requireNonNull(crypt, "crypt");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        if (database.username() != null) {
            config.setUsername(database.username());
        }
        if (database.password() != null) {
            config.setPassword(database.password());
        }
        config.setMaximumPoolSize(8);
        config.setPoolName("hubkit-db");
        config.setInitializationFailTimeout(10_000);
        try {
            this.dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new HubException("Cannot connect to the database " + database.redactedUrl() + ": " + e.getMessage(), e);
        }
        try {
            var result = Flyway.configure().dataSource(dataSource)
                    .loggers("slf4j") // not its auto-detection, which misses SLF4J 2 providers and falls back to JUL
                    .locations("classpath:org/hubkit/core/db/migration")
                    .table("hubkit_schema_history")
                    .load().migrate();
            LOG.info("Database {} at schema version {} ({} migrations applied)", database.redactedUrl(),
                    result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion, result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new HubException("Cannot migrate the database " + database.redactedUrl() + ": " + e.getMessage(), e);
        }
        if (!crypt.enabled()) {
            LOG.info("Auth state is not persisted: no encryption key ({} or Hub.Builder.cryptKeys); "
                    + "it is kept in memory until the hub stops", CryptKeeper.KEY_ENV);
        }
    }

    private <T> T tx(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new HubException("Database error while " + what + ": " + e.getMessage(), e);
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Instant t) {
                ps.setObject(i + 1, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    // ---- users and groups ----

    /**
     * Loads every user with their auth state opened. On the way it re-seals a value written with
     * an older key under the first one, and moves plain-text auth state left by a hub before
     * encryption out of the clear (sealed with a key, removed from the store without one). A value
     * no key opens is left out, with a warning naming the user; it stays sealed in the store (a
     * restored key reads it again) until the user's auth state is next written.
     */
    public List<UserRow> loadUsers() {
        return tx("loading users", c -> {
            Map<String, Set<String>> groups = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT user_name, group_name FROM hub_user_groups")) {
                while (rs.next()) {
                    groups.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
                }
            }
            List<UserRow> users = new ArrayList<>();
            Map<String, String> resealed = new LinkedHashMap<>();
            int rotated = 0;
            int legacy = 0;
            int unopened = 0;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT name, admin, created, last_activity, auth_state, encrypted_auth_state, authenticator FROM hub_users")) {
                while (rs.next()) {
                    String name = rs.getString("name");
                    String plainColumn = rs.getString("auth_state");
                    String sealed = rs.getString("encrypted_auth_state");
                    String authState = null;
                    if (sealed != null && !crypt.enabled()) {
                        unopened++;
                    } else if (sealed != null) {
                        try {
                            authState = crypt.open(sealed, name);
                            if (!crypt.sealedWithCurrentKey(sealed)) {
                                resealed.put(name, crypt.seal(authState, name));
                                rotated++;
                            }
                        } catch (CryptKeeper.UnreadableException e) {
                            LOG.warn("Ignoring the stored auth state of user {}: {}; they have none until they log in again",
                                    name, e.getMessage());
                        }
                    } else if (plainColumn != null && !isEmpty(plainColumn)) {
                        if (isJsonObject(plainColumn)) {
                            authState = plainColumn;
                            legacy++;
                            resealed.put(name, crypt.enabled() ? crypt.seal(plainColumn, name) : null);
                        } else {
                            LOG.warn("Removing the plain-text auth state of user {}: not a JSON object", name);
                        }
                    }
                    if (plainColumn != null) {
                        resealed.putIfAbsent(name, sealed);
                    }
                    users.add(new UserRow(name, rs.getBoolean("admin"), instant(rs, "created"), instant(rs, "last_activity"),
                            authState, groups.getOrDefault(name, Set.of()), rs.getString("authenticator")));
                }
            }
            // One batch, not a statement per user: after a key rotation every user's value is sealed again.
            if (!resealed.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE hub_users SET auth_state = NULL, encrypted_auth_state = ? WHERE name = ?")) {
                    for (var e : resealed.entrySet()) {
                        bind(ps, e.getValue(), e.getKey());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (rotated > 0) {
                LOG.info("Re-encrypted the auth state of {} users with the first key", rotated);
            }
            if (legacy > 0 && crypt.enabled()) {
                LOG.info("Encrypted the plain-text auth state of {} users left by an earlier version", legacy);
            } else if (legacy > 0) {
                LOG.warn("Removed the plain-text auth state of {} users from the store: there is no encryption key ({}); "
                        + "it is kept in memory until the hub stops", legacy, CryptKeeper.KEY_ENV);
            }
            if (unopened > 0) {
                LOG.warn("{} users have encrypted auth state but no encryption key is configured ({}); they have none "
                        + "until they log in again", unopened, CryptKeeper.KEY_ENV);
            }
            return users;
        });
    }

    private static boolean isEmpty(String authStateJson) {
        String t = authStateJson.strip();
        return t.isEmpty() || t.equals("{}") || t.equals("null");
    }

    private static boolean isJsonObject(String json) {
        try {
            Json.readMap(json);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** @return the auth state sealed for the user, or null when there is none or no key to seal it */
    private String seal(String user, String authStateJson) {
        return authStateJson == null || isEmpty(authStateJson) || !crypt.enabled() ? null : crypt.seal(authStateJson, user);
    }

    public void insertUser(String name, boolean admin, Instant created) {
        tx("creating user", c -> update(c, "INSERT INTO hub_users(name, admin, created) VALUES (?, ?, ?)", name, admin, created));
    }

    /**
     * @param authState the user's auth state as JSON; sealed under the first key, or not stored
     *        at all without a key (always overwrites what was stored)
     */
    public void updateUser(String name, boolean admin, String authState) {
        String sealed = seal(name, authState);
        tx("updating user", c -> update(c, "UPDATE hub_users SET admin = ?, auth_state = NULL, encrypted_auth_state = ? "
                + "WHERE name = ?", admin, sealed, name));
    }

    public void renameUser(String oldName, String newName) {
        tx("renaming user", c -> {
            // Copy then delete, so that foreign keys never point at a missing row. Auth state is
            // sealed for its user's name: open it under the old name, seal it under the new one.
            update(c, "INSERT INTO hub_users(name, admin, created, last_activity, authenticator) "
                    + "SELECT ?, admin, created, last_activity, authenticator FROM hub_users WHERE name = ?", newName, oldName);
            String resealed = resealForRename(c, oldName, newName);
            if (resealed != null) {
                update(c, "UPDATE hub_users SET encrypted_auth_state = ? WHERE name = ?", resealed, newName);
            }
            for (String table : List.of("hub_user_groups", "hub_servers", "hub_api_tokens", "hub_oauth_clients",
                    "hub_oauth_codes", "hub_sessions")) {
                update(c, "UPDATE " + table + " SET user_name = ? WHERE user_name = ?", newName, oldName);
            }
            return update(c, "DELETE FROM hub_users WHERE name = ?", oldName);
        });
    }

    private String resealForRename(Connection c, String oldName, String newName) throws SQLException {
        String sealed;
        try (PreparedStatement ps = c.prepareStatement("SELECT encrypted_auth_state FROM hub_users WHERE name = ?")) {
            ps.setString(1, oldName);
            try (ResultSet rs = ps.executeQuery()) {
                sealed = rs.next() ? rs.getString(1) : null;
            }
        }
        if (sealed == null || !crypt.enabled()) {
            return null;
        }
        try {
            return crypt.seal(crypt.open(sealed, oldName), newName);
        } catch (CryptKeeper.UnreadableException e) {
            LOG.warn("Not carrying the stored auth state of user {} over to {}: {}", oldName, newName, e.getMessage());
            return null;
        }
    }

    /** Records which authenticator owns a user's name. */
    public void setUserAuthenticator(String name, String authenticator) {
        tx("recording the user's authenticator", c -> update(c, "UPDATE hub_users SET authenticator = ? WHERE name = ?",
                authenticator, name));
    }

    public void updateUserActivity(String name, Instant lastActivity) {
        tx("recording activity", c -> update(c, "UPDATE hub_users SET last_activity = ? WHERE name = ?", lastActivity, name));
    }

    public void deleteUser(String name) {
        tx("deleting user", c -> update(c, "DELETE FROM hub_users WHERE name = ?", name));
    }

    public void setGroups(String user, Set<String> groups) {
        tx("setting groups", c -> {
            update(c, "DELETE FROM hub_user_groups WHERE user_name = ?", user);
            for (String g : groups) {
                ensureGroup(c, g);
                update(c, "INSERT INTO hub_user_groups(user_name, group_name) VALUES (?, ?)", user, g);
            }
            return null;
        });
    }

    private static void ensureGroup(Connection c, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM hub_groups WHERE name = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        update(c, "INSERT INTO hub_groups(name) VALUES (?)", group);
    }

    // ---- servers ----

    public List<ServerRow> loadServers() {
        return tx("loading servers", c -> {
            List<ServerRow> rows = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT user_name, server_name, running, url, spawner_state, user_options, started, last_activity FROM hub_servers")) {
                while (rs.next()) {
                    rows.add(new ServerRow(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                            Json.readStringMap(rs.getString(5)), Json.readMap(rs.getString(6)),
                            instant(rs, "started"), instant(rs, "last_activity")));
                }
            }
            return rows;
        });
    }

    public void saveServer(ServerRow row) {
        tx("saving server", c -> {
            int n = update(c, "UPDATE hub_servers SET running = ?, url = ?, spawner_state = ?, user_options = ?, started = ?, "
                            + "last_activity = ? WHERE user_name = ? AND server_name = ?",
                    row.running(), row.url(), Json.write(row.spawnerState()), Json.write(row.userOptions()), row.started(),
                    row.lastActivity(), row.user(), row.name());
            if (n == 0) {
                update(c, "INSERT INTO hub_servers(user_name, server_name, running, url, spawner_state, user_options, started, "
                                + "last_activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row.user(), row.name(), row.running(), row.url(),
                        Json.write(row.spawnerState()), Json.write(row.userOptions()), row.started(), row.lastActivity());
            }
            return null;
        });
    }

    public void updateServerActivity(String user, String server, Instant lastActivity) {
        tx("recording activity", c -> update(c, "UPDATE hub_servers SET last_activity = ? WHERE user_name = ? AND server_name = ?",
                lastActivity, user, server));
    }

    public void deleteServer(String user, String server) {
        tx("deleting server", c -> update(c, "DELETE FROM hub_servers WHERE user_name = ? AND server_name = ?", user, server));
    }

    // ---- tokens ----

    /**
     * Every API and OAuth token. Tokens with the same scopes share one immutable list: most hold
     * {@code ["inherit"]}, and parsing that JSON once per token was most of the time this took.
     */
    public List<TokenRow> loadTokens() {
        return tx("loading tokens", c -> {
            List<TokenRow> rows = new ArrayList<>();
            Map<String, List<String>> scopeLists = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, token_hash, user_name, service_name, scopes, note, kind, server_name, oauth_client, session_id, "
                            + "created, last_activity, expires_at FROM hub_api_tokens")) {
                while (rs.next()) {
                    String scopesJson = rs.getString(5);
                    List<String> scopes = scopesJson == null ? List.of()
                            : scopeLists.computeIfAbsent(scopesJson, j -> Collections.unmodifiableList(Json.readStringList(j)));
                    rows.add(new TokenRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            scopes, rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getString(9), rs.getString(10), instant(rs, "created"), instant(rs, "last_activity"),
                            instant(rs, "expires_at")));
                }
            }
            return rows;
        });
    }

    /** @return the row with its generated id */
    public TokenRow insertToken(TokenRow t) {
        return tx("creating token", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO hub_api_tokens(token_hash, user_name, service_name, scopes, "
                            + "note, kind, server_name, oauth_client, session_id, created, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                bind(ps, t.hash(), t.user(), t.service(), Json.write(t.scopes()), t.note(), t.kind(), t.serverName(),
                        t.oauthClient(), t.sessionId(), t.created(), t.expiresAt());
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    long id = keys.getLong(1);
                    return new TokenRow(id, t.hash(), t.user(), t.service(), t.scopes(), t.note(), t.kind(), t.serverName(),
                            t.oauthClient(), t.sessionId(), t.created(), t.lastActivity(), t.expiresAt());
                }
            }
        });
    }

    public void deleteToken(long id) {
        tx("deleting token", c -> update(c, "DELETE FROM hub_api_tokens WHERE id = ?", id));
    }

    public void updateTokenActivity(Map<Long, Instant> activity) {
        if (activity.isEmpty()) {
            return;
        }
        tx("recording token activity", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE hub_api_tokens SET last_activity = ? WHERE id = ?")) {
                for (var e : activity.entrySet()) {
                    bind(ps, e.getValue(), e.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    // ---- OAuth ----

    public List<ClientRow> loadClients() {
        return tx("loading OAuth clients", c -> {
            List<ClientRow> rows = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, secret_hash, redirect_uri, user_name, server_name, allowed_scopes FROM hub_oauth_clients")) {
                while (rs.next()) {
                    rows.add(new ClientRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            Json.readStringList(rs.getString(6))));
                }
            }
            return rows;
        });
    }

    public void saveClient(ClientRow client) {
        tx("saving OAuth client", c -> {
            update(c, "DELETE FROM hub_oauth_clients WHERE id = ?", client.id());
            return update(c, "INSERT INTO hub_oauth_clients(id, secret_hash, redirect_uri, user_name, server_name, allowed_scopes) "
                            + "VALUES (?,?,?,?,?,?)", client.id(), client.secretHash(), client.redirectUri(), client.user(),
                    client.serverName(), Json.write(client.allowedScopes()));
        });
    }

    public void deleteClient(String id) {
        tx("deleting OAuth client", c -> update(c, "DELETE FROM hub_oauth_clients WHERE id = ?", id));
    }

    public void insertCode(String codeHash, CodeRow code) {
        tx("saving OAuth code", c -> update(c, "INSERT INTO hub_oauth_codes(code_hash, client_id, user_name, redirect_uri, scopes, "
                        + "session_id, expires_at) VALUES (?,?,?,?,?,?,?)", codeHash, code.clientId(), code.user(), code.redirectUri(),
                Json.write(code.scopes()), code.sessionId(), code.expiresAt()));
    }

    /** Reads and deletes a code in one transaction, so a code can be used once only. */
    public Optional<CodeRow> consumeCode(String codeHash) {
        return tx("using OAuth code", c -> {
            CodeRow row = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT client_id, user_name, redirect_uri, scopes, session_id, expires_at "
                    + "FROM hub_oauth_codes WHERE code_hash = ? FOR UPDATE")) {
                ps.setString(1, codeHash);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        row = new CodeRow(rs.getString(1), rs.getString(2), rs.getString(3), Json.readStringList(rs.getString(4)),
                                rs.getString(5), instant(rs, "expires_at"));
                    }
                }
            }
            if (row == null || update(c, "DELETE FROM hub_oauth_codes WHERE code_hash = ?", codeHash) != 1) {
                return Optional.empty();
            }
            return Optional.of(row);
        });
    }

    /**
     * Deletes, in one transaction, every API token, OAuth access token, OAuth code and session
     * whose expiry is at or before {@code now} (the instant the hub itself stops accepting them).
     */
    public PurgeCounts purgeExpired(Instant now) {
        return tx("purging expired tokens, codes and sessions", c -> new PurgeCounts(
                update(c, "DELETE FROM hub_api_tokens WHERE expires_at <= ? AND kind <> 'oauth'", now),
                update(c, "DELETE FROM hub_api_tokens WHERE expires_at <= ? AND kind = 'oauth'", now),
                update(c, "DELETE FROM hub_oauth_codes WHERE expires_at <= ?", now),
                update(c, "DELETE FROM hub_sessions WHERE expires_at <= ?", now)));
    }

    // ---- sessions ----

    public void insertSession(String idHash, SessionRow s, Instant created) {
        tx("creating session", c -> update(c, "INSERT INTO hub_sessions(id_hash, session_id, user_name, created, expires_at) "
                + "VALUES (?,?,?,?,?)", idHash, s.sessionId(), s.user(), created, s.expiresAt()));
    }

    public Optional<SessionRow> findSession(String idHash) {
        return tx("reading session", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT session_id, user_name, expires_at FROM hub_sessions WHERE id_hash = ?")) {
                ps.setString(1, idHash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new SessionRow(rs.getString(1), rs.getString(2), instant(rs, "expires_at")))
                            : Optional.empty();
                }
            }
        });
    }

    public void deleteSession(String idHash) {
        tx("deleting session", c -> update(c, "DELETE FROM hub_sessions WHERE id_hash = ?", idHash));
    }

    /** @return the session ids (the public part) of the user's sessions, which are deleted */
    public List<String> deleteUserSessions(String user) {
        return tx("ending the user's sessions", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT session_id FROM hub_sessions WHERE user_name = ?")) {
                ps.setString(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            update(c, "DELETE FROM hub_sessions WHERE user_name = ?", user);
            return ids;
        });
    }

    // ---- secrets ----

    public String secret(String name, Supplier<String> generator) {
        return tx("reading hub secret", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT secret_value FROM hub_secrets WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            }
            String value = generator.get();
            update(c, "INSERT INTO hub_secrets(name, secret_value) VALUES (?, ?)", name, value);
            return value;
        });
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
