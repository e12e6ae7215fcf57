package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.PollResult;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expired API tokens, OAuth access tokens, OAuth codes and sessions leave the store and the
 * engine's memory: at start-up, and on a schedule while the hub runs. Live ones stay. An engine
 * with a spawner and proxy that are never used; subclasses pick the database.
 */
abstract class ExpiryPurgeScenario {
    static final String CLIENT = "jupyterhub-user-alice";

    @TempDir
    Path dir;
    Database database;
    Store store;
    HubEngine engine;
    final List<String> live = new ArrayList<>();

    abstract Database database(Path dir);

    @BeforeEach
    void openStore() {
        database = database(dir);
        store = new Store(database);
        store.insertUser("alice", false, now());
        store.saveClient(new Store.ClientRow(CLIENT, Secrets.hash("secret"), "/user/alice/oauth_callback", "alice", "",
                List.of("access:servers!server=alice/")));
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        if (store != null) { // null when the database was missing and the test skipped before opening it
            store.close();
        }
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    HubEngine engine(Duration purgeInterval) {
        Settings settings = new Settings(URI.create("http://127.0.0.1:8000"), "127.0.0.1", 0, URI.create("http://127.0.0.1:8081"),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(1), 0, 0, Duration.ofDays(1),
                List.of(), Map.of(), true, false, false).withPurgeInterval(purgeInterval);
        Authenticator refuseAll = c -> CompletableFuture.completedFuture(AuthResult.refused());
        return new HubEngine(settings, store, new UnusedSpawner(), refuseAll, new UnusedProxy(), VolumePolicy.none());
    }

    long token(String kind, Instant expiresAt) {
        String hash = Secrets.hash(Secrets.newToken());
        return store.insertToken(new Store.TokenRow(0, hash, "alice", null, List.of("inherit"), kind + " token", kind, null,
                "oauth".equals(kind) ? CLIENT : null, null, now(), null, expiresAt)).id();
    }

    String code(Instant expiresAt) {
        String hash = Secrets.hash(Secrets.newToken());
        store.insertCode(hash, new Store.CodeRow(CLIENT, "alice", "/user/alice/oauth_callback", List.of("read:users:name!user=alice"),
                null, expiresAt));
        return hash;
    }

    /** @return the session id (the cookie's value) */
    String session(Instant expiresAt) {
        String id = Secrets.newToken();
        store.insertSession(Secrets.hash(id), new Store.SessionRow(id.substring(0, 32), "alice", expiresAt), now());
        return id;
    }

    List<String> column(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(database.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    List<Long> storedTokenIds() throws Exception {
        return column("SELECT id FROM hub_api_tokens").stream().map(Long::valueOf).toList();
    }

    @Test
    void startUpPurgesWhatExpiredWhileTheHubWasDown() throws Exception {
        Instant past = now().minusSeconds(60);
        Instant future = now().plus(Duration.ofDays(1));
        long expiredApi = token("api", past);
        long expiredOauth = token("oauth", past);
        long liveApi = token("api", future);
        long forever = token("api", null);
        long liveOauth = token("oauth", future);
        String expiredCode = code(past);
        String liveCode = code(future);
        String expiredSession = session(past);
        String liveSession = session(future);

        engine = engine(Settings.DEFAULT_PURGE_INTERVAL);
        try (LogCapture logs = new LogCapture()) {
            engine.start().join();
            assertThat(logs.containing("Purged expired state"))
                    .containsExactly("INFO Purged expired state: 1 API tokens, 1 OAuth access tokens, 1 OAuth codes, 1 sessions");
        }

        assertThat(storedTokenIds()).containsExactlyInAnyOrder(liveApi, forever, liveOauth);
        assertThat(engine.tokens.tokensById.keySet()).containsExactlyInAnyOrder(liveApi, forever, liveOauth)
                .doesNotContain(expiredApi, expiredOauth);
        assertThat(engine.tokens.tokensByHash.values()).extracting(t -> t.row().id()).containsExactlyInAnyOrder(liveApi, forever, liveOauth);
        assertThat(column("SELECT code_hash FROM hub_oauth_codes")).containsExactly(liveCode).doesNotContain(expiredCode);
        assertThat(column("SELECT id_hash FROM hub_sessions")).containsExactly(Secrets.hash(liveSession))
                .doesNotContain(Secrets.hash(expiredSession));
        assertThat(engine.session(liveSession)).isPresent();
    }

    @Test
    void aRunningHubPurgesOnItsSchedule() throws Exception {
        engine = engine(Duration.ofMillis(100));
        engine.start().join();
        Instant soon = now().plusMillis(300);
        String expiringApi = engine.createToken("alice", null, List.of("inherit"), "short", Duration.ofMillis(300), "api",
                null, null, null);
        String expiringOauth = engine.createToken("alice", null, List.of("inherit"), "oauth", Duration.ofMillis(300), "oauth",
                null, CLIENT, null);
        String keptApi = engine.createToken("alice", null, List.of("inherit"), "long", Duration.ofDays(1), "api", null, null, null);
        String keptForever = engine.createToken("alice", null, List.of("inherit"), "forever", null, "api", null, null, null);
        String expiringCode = code(soon);
        String keptCode = code(now().plus(Duration.ofDays(1)));
        String expiringSession = session(soon);
        assertThat(engine.session(expiringSession)).as("now cached in memory").isPresent();
        String keptSession = engine.createSession(engine.user("alice"));
        long expiringApiId = engine.tokenByHashOf(expiringApi).row().id();
        long expiringOauthId = engine.tokenByHashOf(expiringOauth).row().id();
        long keptApiId = engine.tokenByHashOf(keptApi).row().id();
        long keptForeverId = engine.tokenByHashOf(keptForever).row().id();

        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline) && (engine.tokens.tokensById.containsKey(expiringApiId)
                || engine.tokens.tokensById.containsKey(expiringOauthId) || engine.sessions.sessionCache.containsKey(Secrets.hash(expiringSession))
                || column("SELECT code_hash FROM hub_oauth_codes").contains(expiringCode))) {
            Thread.sleep(50);
        }

        assertThat(storedTokenIds()).containsExactlyInAnyOrder(keptApiId, keptForeverId);
        assertThat(engine.tokens.tokensById.keySet()).containsExactlyInAnyOrder(keptApiId, keptForeverId);
        assertThat(engine.tokens.tokensByHash.keySet()).containsExactlyInAnyOrder(Secrets.hash(keptApi), Secrets.hash(keptForever));
        assertThat(column("SELECT code_hash FROM hub_oauth_codes")).containsExactly(keptCode);
        assertThat(column("SELECT id_hash FROM hub_sessions")).containsExactly(Secrets.hash(keptSession));
        assertThat(engine.sessions.sessionCache.keySet()).containsExactly(Secrets.hash(keptSession));
        assertThat(engine.resolveToken(keptApi)).isNotNull();
    }

    /** Nothing in these tests spawns. */
    static final class UnusedSpawner implements Spawner {
        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            throw new AssertionError("no spawns here");
        }

        @Override
        public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
            return CompletableFuture.completedFuture(PollResult.stopped(0, "never started"));
        }

        @Override
        public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Routes nothing. */
    static final class UnusedProxy implements Proxy {
        @Override
        public CompletionStage<Void> addRoute(Route route) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> deleteRoute(String routespec) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Map<String, Route>> routes() {
            return CompletableFuture.completedFuture(Map.of());
        }
    }
}
