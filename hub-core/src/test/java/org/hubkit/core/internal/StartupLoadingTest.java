package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.PollResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hub loads from the store at start-up: each restored server gets back its own API token
 * (found through one index built from the tokens, not a scan per server), so stopping it after
 * the restart revokes that token and no other.
 */
@Timeout(60)
class StartupLoadingTest {
    @TempDir
    Path dir;

    private static long tokenIdOf(ServerState s) {
        synchronized (s) {
            return s.apiTokenId;
        }
    }

    private static void awaitReady(ServerState s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!s.ready() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.ready()).as(s.id + " restored").isTrue();
    }

    @Test
    void tokensWithTheSameScopesShareOneUnmodifiableList() {
        Store store = new Store(org.hubkit.core.Database.h2(dir.resolve("tokens")));
        try {
            store.insertUser("alice", false, Instant.now());
            for (String t : List.of("one", "two")) {
                store.insertToken(new Store.TokenRow(0, Secrets.hash(t), "alice", null, List.of("inherit"), t, "api", null, null,
                        null, Instant.now(), null, null));
            }
            store.insertToken(new Store.TokenRow(0, Secrets.hash("three"), "alice", null, List.of("read:users!user=alice"), "3",
                    "api", null, null, null, Instant.now(), null, null));
            List<Store.TokenRow> rows = store.loadTokens().stream()
                    .sorted(java.util.Comparator.comparingLong(Store.TokenRow::id)).toList();
            assertThat(rows).hasSize(3);
            assertThat(rows.get(0).scopes()).containsExactly("inherit").isSameAs(rows.get(1).scopes());
            assertThat(rows.get(2).scopes()).containsExactly("read:users!user=alice");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rows.get(0).scopes().add("admin:users"))
                    .isInstanceOf(UnsupportedOperationException.class);
        } finally {
            store.close();
        }
    }

    @Test
    void eachRestoredServerGetsItsOwnTokenBackAndTheNewestWhenThereAreSeveral() throws Exception {
        Map<String, Long> before = new HashMap<>();
        try (EngineFixture first = new EngineFixture(dir, s -> s)) {
            // A server token left by an earlier spawn of alice's default server that was cut short: older, never used again.
            first.user("alice");
            first.store.insertToken(new Store.TokenRow(0, Secrets.hash("stale"), "alice", null, List.of(), "stale", "server",
                    "", null, null, Instant.now(), null, null));
            first.engine.spawn(first.user("alice"), "", Map.of()).get(10, TimeUnit.SECONDS);
            first.engine.spawn(first.user("alice"), "lab", Map.of()).get(10, TimeUnit.SECONDS);
            first.engine.spawn(first.user("bob"), "", Map.of()).get(10, TimeUnit.SECONDS);
            for (String[] id : new String[][] {{"alice", ""}, {"alice", "lab"}, {"bob", ""}}) {
                long token = tokenIdOf(first.engine.user(id[0]).server(id[1]));
                assertThat(token).as(id[0] + "/" + id[1]).isPositive();
                before.put(id[0] + "/" + id[1], token);
            }
        }
        assertThat(before.values()).doesNotHaveDuplicates();

        try (EngineFixture second = new EngineFixture(dir, s -> s,
                spawner -> spawner.poll = id -> CompletableFuture.completedFuture(PollResult.alive()))) {
            for (var e : before.entrySet()) {
                String[] id = e.getKey().split("/", -1);
                ServerState s = second.engine.user(id[0]).server(id[1]);
                awaitReady(s);
                assertThat(tokenIdOf(s)).as(e.getKey()).isEqualTo(e.getValue());
            }
            UserState alice = second.engine.user("alice");
            second.engine.stop(alice, alice.server("lab"), false).get(10, TimeUnit.SECONDS);
            assertThat(second.engine.tokenById(before.get("alice/lab"))).as("the stopped server's token").isNull();
            assertThat(second.engine.tokenById(before.get("alice/"))).as("alice's default server's token").isNotNull();
            assertThat(second.engine.tokenById(before.get("bob/"))).as("bob's server's token").isNotNull();
            assertThat(second.store.loadTokens()).extracting(Store.TokenRow::id).doesNotContain(before.get("alice/lab"))
                    .contains(before.get("alice/"), before.get("bob/"));
        }
    }
}
