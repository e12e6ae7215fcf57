package org.hubkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/docker-compose} as its README says to run it: {@code docker-compose up} builds the
 * hub's image from this module's jar on the local Java image and starts the hub in a container with
 * the engine's socket; alice logs in through the proxy, the hub starts her container (through the
 * socket, on the compose network) and her server answers through the proxy. The compose file is
 * used as it is; the hub's configuration is the example's, with a network, container and volume
 * name of this run's own (and an admin service token for the test), so that runs never meet.
 * Everything the run made is removed at the end: alice's container and volume, then
 * {@code docker-compose down -v}, then the hub's image.
 */
class DockerComposeIT {
    private static final Path REPO = Path.of("").toAbsolutePath().resolve("../..").normalize();
    private static final Path EXAMPLE = REPO.resolve("examples/docker-compose");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void theHubInComposeStartsAlicesContainerThroughTheSocketAndProxiesToIt() throws Exception {
        RealComponents.dockerImages(ReferenceServerContainerIT.JAVA_IMAGE, "hubkit/singleuser:test");
        String compose = RealComponents.executable("docker-compose (Debian package docker-compose)",
                "HUBKIT_DOCKER_COMPOSE", "/usr/bin/docker-compose", "docker-compose").toString();
        assertThat(ReferenceServerContainerIT.serverJar()).as("the jar the image is built from").isRegularFile();

        String project = "hubkit-it-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "it-admin-" + UUID.randomUUID();
        String password = "pw-" + UUID.randomUUID();
        int port = RealComponents.freePort();
        Path config = dir.resolve("hubkit.yaml");
        Files.writeString(config, ownNames(Files.readString(EXAMPLE.resolve("hubkit.yaml")), project)
                + "services:\n  - {name: it-admin, apiToken: " + token + ", admin: true}\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of(
                "DOCKER_BUILDKIT", "0", "COMPOSE_DOCKER_CLI_BUILD", "0",   // the classic builder: FROM a local image
                "HUBKIT_BASE_IMAGE", ReferenceServerContainerIT.JAVA_IMAGE,
                "HUBKIT_HUB_IMAGE", "hubkit/hub:" + project,
                "HUBKIT_PASSWORD", password,
                "HUBKIT_CONFIG", config.toString(),
                "HUBKIT_NETWORK", project,
                "HUBKIT_PORT", Integer.toString(port));
        List<String> composeCmd = List.of(compose, "-p", project, "-f", EXAMPLE.resolve("docker-compose.yml").toString());
        try {
            run(concat(composeCmd, "up", "-d", "--build"), env, Duration.ofMinutes(4));
            HubClient client = new HubClient(URI.create("http://127.0.0.1:" + port));
            awaitApi(client, composeCmd, env);

            String session = client.login("alice", password);
            HttpResponse<String> home = client.get("/hub/home", session);
            assertThat(home.statusCode()).as(home.headers().toString()).isEqualTo(200);
            assertThat(home.body()).contains("alice");

            HttpResponse<String> spawn = client.api("POST", "/users/alice/server", token, null);
            assertThat(spawn.statusCode()).as(spawn.body()).isIn(201, 202);
            Map<String, Object> server = client.awaitServerReady("alice", token, Duration.ofMinutes(2));
            assertThat(server.get("url")).isEqualTo("/user/alice/");

            String inspect = run(List.of("docker", "inspect", "-f",
                    "{{.State.Running}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", project + "-alice"),
                    Map.of(), Duration.ofSeconds(30));
            assertThat(inspect.trim()).as("alice's container, started by the hub container on the compose network")
                    .isEqualTo("true " + project);

            String alicesToken = client.createToken("alice", token);
            HttpResponse<String> api = client.get("/user/alice/api", alicesToken);
            assertThat(api.statusCode()).as("alice's server through the proxy: %s", api.body()).isEqualTo(200);
            assertThat(api.body()).contains("\"version\"");
            HttpResponse<String> status = client.get("/user/alice/api/status", alicesToken);
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
            assertThat(status.body()).contains("kernels");
        } finally {
            removeAll(project, composeCmd, env);
        }
    }

    /** The example's configuration with this run's network, container and volume names. */
    static String ownNames(String yaml, String project) {
        String out = yaml.replace("networkName: hubkit ", "networkName: " + project + " ")
                .replace("nameTemplate: jupyter-{username}", "nameTemplate: " + project + "-{username}")
                .replace("  startTimeout: 120", "  startTimeout: 120\n  volumes:\n    \"" + project + "-{username}\": /home/jovyan/work");
        assertThat(out).as("the example still has the keys this test renames").contains("networkName: " + project,
                "nameTemplate: " + project + "-{username}", "\"" + project + "-{username}\": /home/jovyan/work");
        return out;
    }

    private void awaitApi(HubClient client, List<String> composeCmd, Map<String, String> env) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.get("/hub/api/", null);
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the hub did not answer within 120 s (" + last + "); its log:\n"
                + run(concat(composeCmd, "logs", "--tail", "60"), env, Duration.ofSeconds(30)));
    }

    /** Alice's container and volume, then the compose project (container, network, volume), then the image. */
    private void removeAll(String project, List<String> composeCmd, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        quietly(problems, () -> {
            String ids = run(List.of("docker", "ps", "-aq", "--filter", "name=^" + project + "-"), Map.of(), Duration.ofSeconds(30));
            for (String id : ids.trim().split("\\s+")) {
                if (!id.isBlank()) {
                    run(List.of("docker", "rm", "-f", id), Map.of(), Duration.ofSeconds(60));
                }
            }
        });
        quietly(problems, () -> run(concat(composeCmd, "down", "-v"), env, Duration.ofMinutes(2)));
        quietly(problems, () -> {
            String volumes = run(List.of("docker", "volume", "ls", "-q", "--filter", "name=^" + project), Map.of(), Duration.ofSeconds(30));
            for (String v : volumes.trim().split("\\s+")) {
                if (!v.isBlank()) {
                    run(List.of("docker", "volume", "rm", v), Map.of(), Duration.ofSeconds(30));
                }
            }
        });
        quietly(problems, () -> run(List.of("docker", "rmi", "hubkit/hub:" + project), Map.of(), Duration.ofSeconds(60)));
        assertThat(problems).as("clean-up").isEmpty();
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(List<String> problems, Step step) {
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            problems.add(e.getMessage());
        }
    }

    /** Runs a command to its end; its output (standard error too) if it exits 0, else an AssertionError with it. */
    private String run(List<String> command, Map<String, String> env, Duration timeout) throws Exception {
        Path out = Files.createTempFile(dir, "cmd-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(EXAMPLE.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": still running after " + timeout + "\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + p.exitValue() + "\n" + output);
        }
        return output;
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
