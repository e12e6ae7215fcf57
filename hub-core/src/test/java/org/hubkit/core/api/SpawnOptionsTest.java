package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnOptionsForm.Field;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spawner's options form ({@link Spawner#optionsForm}): the hub shows it on {@code GET /hub/spawn},
 * escaped and with only the choices the user's groups allow, and checks every answer, from the form
 * or the REST API's JSON body, before anything starts: a forged or unknown choice is a 400 naming the
 * field, and the spawner never sees it. Also {@link Spawner#deleteForever} on server and user deletion.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpawnOptionsTest {
    private static final Pattern XSRF = Pattern.compile("name=\"_xsrf\" value=\"([^\"]+)\"");

    /** The local test server behind a form with an image (one choice only for group "stats") and a size. */
    static final class OfferingSpawner extends DelegatingSpawner {
        final List<Map<String, Object>> started = new CopyOnWriteArrayList<>();
        final List<String> deletedForever = new CopyOnWriteArrayList<>();

        OfferingSpawner(Spawner inner) {
            super(inner);
        }

        @Override
        public SpawnOptionsForm optionsForm() {
            return new SpawnOptionsForm(List.of(
                    new Field("image", "Image <i>to run</i>", List.of(
                            new Choice("python", "<b>Python</b>", "the \"default\" & more", Set.of()),
                            new Choice("r", "R for statistics", "", Set.of("stats"))), "python"),
                    new Field("size", "Size", List.of(Choice.of("small"), Choice.of("large")), null)));
        }

        @Override
        public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
            started.add(request.userOptions());
            return inner.start(request, context);
        }

        @Override
        public CompletionStage<Void> deleteForever(ServerId server, SpawnerState state, boolean userDeleted) {
            deletedForever.add(server + (userDeleted ? " with user" : ""));
            return inner.deleteForever(server, state, userDeleted);
        }

    }

    TestHub hub;
    OfferingSpawner spawner;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path env = Files.createDirectories(dir.resolve("offering-env"));
        spawner = new OfferingSpawner(TestHub.testServers(env, dir.resolve("offering-logs")));
        hub = TestHub.start(dir, b -> b.spawner(spawner));
    }

    @AfterAll
    void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    private HttpResponse<String> spawnPage(Browser b, String path) throws Exception {
        return b.send(HttpRequest.newBuilder(hub.base.resolve(path)).GET().header("Sec-Fetch-Site", "same-origin"));
    }

    private HttpResponse<String> submit(Browser b, String path, String xsrf, String fields) throws Exception {
        return b.send(HttpRequest.newBuilder(hub.base.resolve(path))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Sec-Fetch-Site", "same-origin")
                .header("Origin", hub.base.toString())
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + TestHub.enc(xsrf) + fields)));
    }

    private static String xsrf(HttpResponse<String> page) {
        Matcher m = XSRF.matcher(page.body());
        assertThat(m.find()).as(page.body()).isTrue();
        return m.group(1);
    }

    @Test
    void theSpawnPageShowsTheFormEscapedWithOnlyTheUsersChoicesAndStartsNothing() throws Exception {
        Browser plain = new Browser(hub.base).loggedInAs("formplain");
        HttpResponse<String> page = spawnPage(plain, "/hub/spawn");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body())
                .contains("<select id=\"option-image\" name=\"image\">")
                .contains("<option value=\"python\" selected>&lt;b&gt;Python&lt;/b&gt; \u2014 the &quot;default&quot; &amp; more</option>")
                .contains("Image &lt;i&gt;to run&lt;/i&gt;")
                .contains("<option value=\"small\" selected>small</option>")
                .doesNotContain("<b>").doesNotContain("value=\"r\"");
        assertThat(hub.user("formplain").get("servers")).isEqualTo(Map.of());
        assertThat(spawner.started).isEmpty();

        Browser stats = new Browser(hub.base).loggedInAs("formstats");
        inGroupStats("formstats");
        assertThat(spawnPage(stats, "/hub/spawn").body()).contains("<option value=\"r\">R for statistics</option>");
    }

    @Test
    void submittingTheFormStartsTheServerWithTheChosenOptions() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("formsubmit");
        String xsrf = xsrf(spawnPage(b, "/hub/spawn"));
        HttpResponse<String> r = submit(b, "/hub/spawn", xsrf, "&image=python&size=large");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        hub.awaitReady("formsubmit");
        assertThat(spawner.started).contains(Map.of("image", "python", "size", "large"));
        assertThat(hub.server("formsubmit").get("user_options")).isEqualTo(Map.of("image", "python", "size", "large"));
    }

    @Test
    void aLinkFromTheHubsOwnPagesMayCarryTheChoicesInItsQuery() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("formquery");
        HttpResponse<String> forged = spawnPage(b, "/hub/spawn?image=" + TestHub.enc("evil/miner"));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.body()).contains("id=\"error\"");
        assertThat(hub.user("formquery").get("servers")).isEqualTo(Map.of());
        HttpResponse<String> r = spawnPage(b, "/hub/spawn?size=large");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        hub.awaitReady("formquery");
        assertThat(hub.server("formquery").get("user_options")).isEqualTo(Map.of("image", "python", "size", "large"));
    }

    @Test
    void aForgedFormValueShowsTheFormAgainWithTheReasonAndStartsNothing() throws Exception {
        Browser b = new Browser(hub.base).loggedInAs("formforged");
        String xsrf = xsrf(spawnPage(b, "/hub/spawn"));
        int before = spawner.started.size();
        HttpResponse<String> r = submit(b, "/hub/spawn", xsrf, "&image=" + TestHub.enc("evil/miner:latest") + "&size=small");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("id=\"error\"").contains("is not a choice of spawn option &#39;image&#39;")
                .contains("<select id=\"option-image\"");
        // A group-only choice is forged too for someone outside the group.
        r = submit(b, "/hub/spawn", xsrf, "&image=r&size=small");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(spawner.started).hasSize(before);
        assertThat(hub.user("formforged").get("servers")).isEqualTo(Map.of());
    }

    @Test
    void theRestApiRefusesAChoiceNotOfferedWithA400NamingTheField() throws Exception {
        hub.ensureUser("apiforged", false);
        int before = spawner.started.size();
        for (Object body : List.of(Map.of("image", "evil/miner:latest"), Map.of("image", "r"), Map.of("imag", "python"),
                Map.of("image", 42), Map.of("image", List.of("python", "r")))) {
            HttpResponse<String> r = hub.admin("POST", "/users/apiforged/server", body);
            assertThat(r.statusCode()).as("%s: %s", body, r.body()).isEqualTo(400);
            Map<String, Object> error = TestHub.json(r);
            assertThat(error.get("status")).isEqualTo(400);
            assertThat((String) error.get("message")).as(body.toString()).containsAnyOf("'image'", "'imag'");
        }
        assertThat(spawner.started).hasSize(before);
        assertThat(hub.user("apiforged").get("servers")).isEqualTo(Map.of());
    }

    @Test
    void theRestApiFillsInDefaultsAndAllowsAGroupsChoiceToItsMembers() throws Exception {
        hub.ensureUser("apistats", false);
        inGroupStats("apistats");
        HttpResponse<String> r = hub.admin("POST", "/users/apistats/server", Map.of("image", "r"));
        assertThat(r.statusCode()).as(r.body()).isIn(201, 202);
        hub.awaitReady("apistats");
        assertThat(hub.server("apistats").get("user_options")).isEqualTo(Map.of("image", "r", "size", "small"));
    }

    @Test
    void removingANamedServerOrDeletingTheUserTellsTheSpawnerToDeleteForever() throws Exception {
        hub.ensureUser("forever", false);
        HttpResponse<String> r = hub.admin("POST", "/users/forever/servers/lab", Map.of());
        assertThat(r.statusCode()).as(r.body()).isIn(201, 202);
        awaitNamedReady("forever", "lab");
        r = hub.admin("DELETE", "/users/forever/servers/lab", Map.of("remove", true));
        assertThat(r.statusCode()).as(r.body()).isIn(202, 204);
        awaitCondition(() -> spawner.deletedForever.contains("forever/lab"));

        assertThat(hub.startServer("forever")).isIn(201, 202);
        r = hub.admin("DELETE", "/users/forever", null);
        assertThat(r.statusCode()).as(r.body()).isIn(202, 204);
        awaitCondition(() -> spawner.deletedForever.contains("forever with user"));
        assertThat(spawner.deletedForever).doesNotContain("forever/lab with user");
    }

    private void inGroupStats(String user) throws Exception {
        HttpResponse<String> r = hub.admin("PATCH", "/users/" + user, Map.of("groups", List.of("stats")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private void awaitNamedReady(String user, String server) throws Exception {
        awaitCondition(() -> {
            Object s = TestHub.map(hub.user(user).get("servers")).get(server);
            return s != null && Boolean.TRUE.equals(TestHub.map(s).get("ready"));
        });
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitCondition(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within 30 s");
    }
}
