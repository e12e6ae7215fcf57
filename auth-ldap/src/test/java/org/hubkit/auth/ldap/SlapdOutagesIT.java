package org.hubkit.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.auth.ldap.DirectoryCases.await;
import static org.hubkit.auth.ldap.TestEntries.password;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.Credentials;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens when the directory goes away or stops answering, and when it changes under a
 * logged-in user, with real slapds and (for the last two) a real hub.
 */
class SlapdOutagesIT {
    static LdapAuthenticator.Builder to(Slapd slapd, String... hosts) {
        return LdapAuthenticator.builder().serverAddress(List.of(hosts)).serverPort(slapd.port)
                .tlsStrategy(LdapAuthenticator.TlsStrategy.INSECURE).connectTimeout(Duration.ofSeconds(2))
                .responseTimeout(Duration.ofSeconds(2)).bindDnTemplate(List.of("uid={username}," + TestEntries.PEOPLE)).allowAll(true);
    }

    static boolean logsIn(LdapAuthenticator a, String user) throws Exception {
        return await(a.authenticate(new Credentials(user, password(user), Map.of()))).accepted();
    }

    @Test
    void failsOverToTheSecondServerWhenTheFirstIsStopped(@TempDir Path dir) throws Exception {
        int port = RealComponents.freePort();
        try (Slapd first = Slapd.start(Files.createDirectories(dir.resolve("first")), port, "127.0.0.1");
             Slapd second = Slapd.start(Files.createDirectories(dir.resolve("second")), port, "127.0.0.2");
             LdapAuthenticator a = to(first, "127.0.0.1", "127.0.0.2").build()) {
            assertThat(logsIn(a, "alice")).isTrue();
            first.stop();
            assertThat(logsIn(a, "bob")).as("through the second slapd").isTrue();
            assertThat(logsIn(a, "alice")).isTrue();
        }
    }

    @Test
    void roundRobinLogsInAndGoesOnWhenOneServerStops(@TempDir Path dir) throws Exception {
        int port = RealComponents.freePort();
        try (Slapd first = Slapd.start(Files.createDirectories(dir.resolve("first")), port, "127.0.0.1");
             Slapd second = Slapd.start(Files.createDirectories(dir.resolve("second")), port, "127.0.0.2");
             LdapAuthenticator a = to(first, "127.0.0.1", "127.0.0.2").poolSize(4)
                     .serverPoolStrategy(LdapAuthenticator.ServerPoolStrategy.ROUND_ROBIN).build()) {
            for (int i = 0; i < 8; i++) {
                assertThat(logsIn(a, i % 2 == 0 ? "alice" : "bob")).isTrue();
            }
            second.stop();
            for (int i = 0; i < 8; i++) {
                assertThat(logsIn(a, "carol")).as("with the second slapd stopped").isTrue();
            }
        }
    }

    @Test
    void aDirectoryThatNeverAnswersFailsLoginsAfterTheResponseTimeoutWhileTheHubAnswers(@TempDir Path dir) throws Exception {
        try (Slapd slapd = Slapd.start(Files.createDirectories(dir.resolve("slapd")));
             LdapHub hub = new LdapHub(dir, to(slapd, "127.0.0.1").poolSize(2).build(), b -> { })) {
            HubClient client = hub.client();
            assertThat(client.login("alice", password("alice"))).startsWith("jupyterhub-hub-login=");
            slapd.pause();
            try {
                List<CompletableFuture<String>> logins = new ArrayList<>();
                long start = System.nanoTime();
                // 5, more than the 2 threads (so some wait in the queue) and fewer than the hub's login throttle allows from one address
                for (int i = 0; i < 5; i++) {
                    logins.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return client.login("bob", password("bob"));
                        } catch (AssertionError | Exception refused) {
                            return "failed";
                        }
                    }));
                }
                long worst = 0;
                while (logins.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> api = client.get("/hub/api/", null);
                    long took = System.nanoTime() - t0;
                    assertThat(api.statusCode()).isEqualTo(200);
                    worst = Math.max(worst, took);
                    Thread.sleep(50);
                }
                long allDone = System.nanoTime() - start;
                for (CompletableFuture<String> f : logins) {
                    assertThat(f.get(1, TimeUnit.SECONDS)).isEqualTo("failed");
                }
                System.out.printf("paused slapd: 5 logins failed within %d ms; slowest GET /hub/api/ meanwhile %.1f ms%n",
                        TimeUnit.NANOSECONDS.toMillis(allDone), worst / 1e6);
                assertThat(worst).as("slowest GET /hub/api/ while logins wait, ns").isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
                assertThat(allDone).as("every login failed by then, ns").isLessThan(TimeUnit.SECONDS.toNanos(20));
            } finally {
                slapd.resume();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String session = null;
            while (session == null && System.nanoTime() < deadline) {
                try {
                    session = client.login("bob", password("bob"));
                } catch (AssertionError notYet) {
                    Thread.sleep(200);
                }
            }
            assertThat(session).as("a login once slapd answers again").isNotNull();
        }
    }

    @Test
    void aRefreshAfterRemovalFromTheAllowedGroupEndsTheSession(@TempDir Path dir) throws Exception {
        try (Slapd slapd = Slapd.start(Files.createDirectories(dir.resolve("slapd")));
             LDAPConnection admin = slapd.admin();
             LdapHub hub = new LdapHub(dir, to(slapd, "127.0.0.1").allowAll(false).allowedGroups(Set.of(TestEntries.STAFF))
                     .lookupDnSearchUser(TestEntries.SEARCH_DN).lookupDnSearchPassword(TestEntries.SEARCH_PASSWORD).build(),
                     b -> b.authRefreshAge(Duration.ofSeconds(1)))) {
            HubClient browser = hub.client();
            assertThat(browser.browserLogin("alice", password("alice")).statusCode()).isEqualTo(302);
            assertThat(browser.get("/hub/home").statusCode()).isEqualTo(200);

            admin.modify(TestEntries.STAFF, new Modification(ModificationType.DELETE, "member", TestEntries.dn("alice")));
            Thread.sleep(1_100);
            browser.get("/hub/home"); // starts the refresh
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                status = browser.get("/hub/home").statusCode();
            }
            assertThat(status).isEqualTo(302);
            assertThat(browser.get("/hub/home").headers().firstValue("Location").orElseThrow()).startsWith("/hub/login");
            assertThat(browser.browserLogin("alice", password("alice")).headers().firstValue("Location").orElse(""))
                    .as("nor can she log in again").doesNotContain("/hub/home");
        }
    }

    @Test
    void aSpawnWithRefreshPreSpawnRefreshesFirstAndARemovedUserLosesTheSession(@TempDir Path dir) throws Exception {
        String adminToken = "ldap-it-admin-" + java.util.UUID.randomUUID();
        try (Slapd slapd = Slapd.start(Files.createDirectories(dir.resolve("slapd")));
             LDAPConnection admin = slapd.admin();
             LdapHub hub = new LdapHub(dir, to(slapd, "127.0.0.1").allowAll(false).allowedGroups(Set.of(TestEntries.STAFF))
                     .lookupDnSearchUser(TestEntries.SEARCH_DN).lookupDnSearchPassword(TestEntries.SEARCH_PASSWORD).build(),
                     b -> b.refreshPreSpawn(true).addService(new org.hubkit.core.Service("ldap-it-admin", adminToken, true)))) {
            HubClient browser = hub.client();
            assertThat(browser.browserLogin("alice", password("alice")).statusCode()).isEqualTo(302);
            assertThat(browser.get("/hub/home").statusCode()).isEqualTo(200);

            admin.modify(TestEntries.STAFF, new Modification(ModificationType.DELETE, "member", TestEntries.dn("alice")));
            HttpResponse<String> spawn = browser.api("POST", "/users/alice/server", adminToken, (Object) null);
            assertThat(spawn.statusCode()).as(spawn.body()).isGreaterThanOrEqualTo(400);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                status = browser.get("/hub/home").statusCode();
            }
            assertThat(status).as("alice's session after the refused pre-spawn refresh").isEqualTo(302);
        }
    }

}
