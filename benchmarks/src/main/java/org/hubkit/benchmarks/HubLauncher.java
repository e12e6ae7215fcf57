package org.hubkit.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Starts the two hubs under comparison, each on loopback ports of its own, in a temporary
 * folder of its own, with the same single-user server, the same authenticator (dummy) and a
 * service token with admin rights.
 */
final class HubLauncher {

    /** Where the programs are. */
    record Programs(String jupyterhub, String chp, String singleuser, String java, Path hubkitJar) {
    }

    /** The scopes the benchmark's service needs on JupyterHub 3.0 (shutdown: for POST /hub/api/shutdown). */
    static final List<String> JUPYTERHUB_SERVICE_SCOPES =
            List.of("admin:users", "admin:servers", "list:users", "read:users", "shutdown");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Programs programs;
    private final boolean keepWorkDirs;
    private final Ports ports = new Ports();

    HubLauncher(Programs programs, boolean keepWorkDirs) {
        this.programs = programs;
        this.keepWorkDirs = keepWorkDirs;
    }

    /**
     * The Python JupyterHub 3.0 (Debian's {@code jupyterhub}), with the npm configurable-http-proxy,
     * {@code DummyAuthenticator} and {@code SimpleLocalProcessSpawner}, homes under its temp folder.
     */
    RunningHub startJupyterHub(String token) throws IOException {
        Path dir = Files.createTempDirectory("hubkit-bench-jupyterhub-");
        int publicPort = ports.free();
        int hubPort = ports.free();
        int proxyApiPort = ports.free();
        String config = String.join("\n",
                "# Written by org.hubkit.benchmarks.HubBenchmark for one run.",
                "c = get_config()  # noqa",
                "c.JupyterHub.ip = '127.0.0.1'",
                "c.JupyterHub.port = " + publicPort,
                "c.JupyterHub.hub_ip = '127.0.0.1'",
                "c.JupyterHub.hub_port = " + hubPort,
                "c.JupyterHub.db_url = " + py("sqlite:///" + dir.resolve("jupyterhub.sqlite")),
                "c.JupyterHub.cookie_secret_file = " + py(dir.resolve("jupyterhub_cookie_secret").toString()),
                "c.JupyterHub.pid_file = " + py(dir.resolve("jupyterhub.pid").toString()),
                "c.ConfigurableHTTPProxy.command = " + py(List.of(programs.chp())),
                "c.ConfigurableHTTPProxy.api_url = " + py("http://127.0.0.1:" + proxyApiPort),
                "c.ConfigurableHTTPProxy.pid_file = " + py(dir.resolve("proxy.pid").toString()),
                "c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'",
                "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'",
                "c.SimpleLocalProcessSpawner.home_dir_template = " + py(dir.resolve("home").toString() + "/{username}"),
                "c.Spawner.cmd = " + py(List.of(programs.singleuser())),
                "c.Spawner.args = ['--allow-root']",
                "c.Spawner.start_timeout = 120",
                "c.JupyterHub.services = [{'name': 'bench', 'api_token': " + py(token) + "}]",
                "c.JupyterHub.load_roles = [{'name': 'bench-admin', 'scopes': " + py(JUPYTERHUB_SERVICE_SCOPES)
                        + ", 'services': ['bench']}]",
                "");
        Path configFile = dir.resolve("jupyterhub_config.py");
        Files.writeString(configFile, config, StandardCharsets.UTF_8);
        HubApi api = new HubApi("http://127.0.0.1:" + hubPort + "/hub/api", token);
        return RunningHub.start("JupyterHub", List.of(programs.jupyterhub(), "-f", configFile.toString()),
                dir, Map.of(), api, keepWorkDirs);
    }

    /** The Hubkit reference server: {@code java -jar hubkit-server.jar --config FILE}, local processes as servers. */
    RunningHub startHubkit(String token) throws IOException {
        // As JupyterHub's SimpleLocalProcessSpawner it is compared with: every server as the hub's user.
        return startHubkit(token, "127.0.0.1", "spawner: {type: local, cmd: " + py(programs.singleuser())
                + ", args: [\"--allow-root\"], startTimeout: 120, isolation: none}");
    }

    /**
     * The Hubkit reference server with the given {@code spawner} section (one YAML line, e.g.
     * {@code spawner: {type: docker, image: ...}}), its proxy on a loopback port of its own, its
     * own API on {@code hubIp} (loopback, or an address containers reach, such as a Docker
     * bridge's gateway), on a free port.
     */
    RunningHub startHubkit(String token, String hubIp, String spawnerSection) throws IOException {
        if (!Files.isRegularFile(programs.hubkitJar())) {
            throw new IOException(programs.hubkitJar() + " not found: build examples/reference-server first "
                    + "(benchmarks/run.sh does) or pass --hubkit-jar");
        }
        Path dir = Files.createTempDirectory("hubkit-bench-hubkit-");
        Path data = Files.createDirectories(dir.resolve("data"));
        Path home = Files.createDirectories(dir.resolve("home"));
        int hubPort = ports.free();
        int proxyPort = ports.free();
        String yaml = String.join("\n",
                "# Written by org.hubkit.benchmarks.HubBenchmark for one run.",
                "hub: {ip: " + hubIp + ", port: " + hubPort + ", dataDir: " + py(data.toString()) + "}",
                "proxy: {ip: 127.0.0.1, port: " + proxyPort + "}",
                "auth: {type: dummy}",
                spawnerSection,
                "services:",
                "  - {name: bench, apiToken: " + py(token) + ", admin: true}",
                "");
        Path configFile = dir.resolve("hubkit.yaml");
        Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(configFile, PosixFilePermissions.fromString("rw-------")); // it holds the token
        HubApi api = new HubApi("http://" + hubIp + ":" + hubPort + "/hub/api", token);
        // HOME in the temp folder: whatever the single-user servers write there goes with it.
        return RunningHub.start("Hubkit",
                List.of(programs.java(), "-jar", programs.hubkitJar().toString(), "--config", configFile.toString()),
                dir, Map.of("HOME", home.toString()), api, keepWorkDirs);
    }

    /** A JSON string or list: also a valid Python literal and a YAML flow scalar. */
    static String py(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
