package org.hubkit.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/**
 * The Hubkit reference server ({@code hubkit-server.jar}) in a Docker container, run by
 * Testcontainers with a YAML configuration of the test's: what an integrator needs to test a
 * service, a client or a single-user image of their own against a real hub.
 *
 * <pre>{@code
 * try (ReferenceServerContainer hub = new ReferenceServerContainer("my-org/hubkit-hub:1")
 *         .withConfiguration("""
 *             proxy: {ip: 0.0.0.0, port: 8000}
 *             auth: {type: dummy}
 *             services:
 *               - {name: test, apiToken: a-long-test-token, admin: true}
 *             """)) {
 *     hub.start();                                    // returns once GET /hub/api/ answers 200
 *     HttpResponse<String> users = hub.client().api("GET", "/users", hub.adminToken().orElseThrow(), null);
 * }
 * }</pre>
 *
 * <p>The server comes either from an image that holds the jar at {@link #JAR_PATH} (as
 * {@code examples/docker-compose/Dockerfile} builds it), or from any Java 17 image with the jar
 * copied in at start ({@link #onJavaImage}). It runs as {@code java -jar JAR_PATH --config
 * CONFIG_PATH} in {@link #DATA_DIR}, the configuration written there mode {@code 0600} (the
 * server refuses, as root, a configuration others may read).
 *
 * <p>What the container reads from the configuration, when {@link #start()} is called: the proxy
 * must listen on every interface ({@code proxy.ip: 0.0.0.0}; the default, {@code 127.0.0.1},
 * would be unreachable from outside the container), {@code proxy.port} (default {@code 8000}) is
 * the published port that {@link #publicUrl()} points at, and the first service with
 * {@code admin: true} gives {@link #adminToken()}. Everything else is the server's to check:
 * a bad configuration makes it exit with status 2, and {@code start()} fails with its log.
 *
 * <p>Images are never pulled (local images only: an image the engine lacks fails the start).
 * For a hub that starts users' containers itself ({@code spawner.type: docker}), give it the
 * engine's socket ({@link #withDockerSocket()}) and a network it shares with them
 * ({@link #withNetwork}, {@link #withNetworkAliases}), and name that network in the spawner's
 * configuration.
 *
 * <p>Not thread-safe: configure and start it from one thread, as every Testcontainers container.
 *
 * @since 0.1
 */
public class ReferenceServerContainer extends GenericContainer<ReferenceServerContainer> {
    /** Where the server's jar is in the container. */
    public static final String JAR_PATH = "/opt/hubkit/hubkit-server.jar";
    /** Where the configuration is written in the container. */
    public static final String CONFIG_PATH = "/etc/hubkit/hubkit.yaml";
    /** The working directory: a relative {@code hub.dataDir} (the default, {@code ./hubkit-data}) is under it. */
    public static final String DATA_DIR = "/var/lib/hubkit";
    /** The Docker engine's socket, given to the container by {@link #withDockerSocket()}. */
    public static final String DOCKER_SOCKET = "/var/run/docker.sock";

    private static final Set<String> ALL_INTERFACES = Set.of("0.0.0.0", "::", "[::]");

    private String configuration;
    private int proxyPort = 8000;
    private String adminToken;
    private Duration startupTimeout = Duration.ofMinutes(2);

    /**
     * @param image a local image with the server's jar at {@link #JAR_PATH} and {@code java} (17+) on its {@code PATH}
     */
    public ReferenceServerContainer(String image) {
        super(image);
        withImagePullPolicy(name -> false);
        withWorkingDirectory(DATA_DIR);
        withCommand("java", "-jar", JAR_PATH, "--config", CONFIG_PATH);
    }

    /**
     * The server's jar run on a Java image that does not hold it: the jar is copied into the
     * container before it starts.
     *
     * @param javaImage a local image with {@code java} (17+) on its {@code PATH}
     * @param serverJar the reference server's shaded jar ({@code examples/reference-server/target/hubkit-server.jar})
     * @return the container, not started
     * @throws IllegalArgumentException if {@code serverJar} is not a file
     */
    public static ReferenceServerContainer onJavaImage(String javaImage, Path serverJar) {
        if (!Files.isRegularFile(serverJar)) {
            throw new IllegalArgumentException("serverJar: no such file: " + serverJar);
        }
        return new ReferenceServerContainer(javaImage)
                .withCopyFileToContainer(MountableFile.forHostPath(serverJar, 0644), JAR_PATH);
    }

    /**
     * @param yaml the server's configuration, as a {@code --config} file holds it
     * @return this
     */
    public ReferenceServerContainer withConfiguration(String yaml) {
        this.configuration = yaml;
        return this;
    }

    /**
     * @param file a YAML configuration file, read now
     * @return this
     * @throws UncheckedIOException if it cannot be read
     */
    public ReferenceServerContainer withConfiguration(Path file) {
        try {
            return withConfiguration(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gives the container the engine's socket ({@link #DOCKER_SOCKET}, read-write), for
     * {@code spawner.type: docker}. Whoever holds it controls the engine: only for a hub you trust.
     *
     * @return this
     */
    public ReferenceServerContainer withDockerSocket() {
        // Added to the create request itself: withFileSystemBind would first make Testcontainers check
        // that files are mountable, with a helper container whose image it pulls.
        return withCreateContainerCmdModifier(cmd -> {
            HostConfig host = cmd.getHostConfig() == null ? new HostConfig() : cmd.getHostConfig();
            List<Bind> binds = new ArrayList<>(host.getBinds() == null ? List.of() : Arrays.asList(host.getBinds()));
            binds.add(new Bind(DOCKER_SOCKET, new Volume(DOCKER_SOCKET)));
            cmd.withHostConfig(host.withBinds(binds));
        });
    }

    /**
     * @param timeout how long {@link #start()} waits for {@code GET /hub/api/} to answer 200 (default 2 minutes)
     * @return this
     */
    public ReferenceServerContainer withHubStartupTimeout(Duration timeout) {
        this.startupTimeout = timeout;
        return this;
    }

    @Override
    protected void configure() {
        if (configuration == null) {
            throw new IllegalStateException("no configuration: call withConfiguration before start");
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(configuration);
        } catch (IOException e) {
            throw new IllegalArgumentException("configuration: not YAML: " + e.getMessage(), e);
        }
        JsonNode proxy = root == null ? null : root.path("proxy");
        String ip = proxy == null ? "" : proxy.path("ip").asText("127.0.0.1");
        if (!ALL_INTERFACES.contains(ip)) {
            throw new IllegalArgumentException("configuration: proxy.ip must be 0.0.0.0 in a container"
                    + " (the proxy is reached through a published port); got '" + ip + "'");
        }
        proxyPort = proxy.path("port").asInt(8000);
        adminToken = null;
        for (JsonNode service : root.path("services")) {
            if (service.path("admin").asBoolean(false) && service.hasNonNull("apiToken")) {
                adminToken = service.get("apiToken").asText();
                break;
            }
        }
        withCopyToContainer(Transferable.of(configuration.getBytes(StandardCharsets.UTF_8), 0600), CONFIG_PATH);
        withExposedPorts(proxyPort);
        waitingFor(Wait.forHttp("/hub/api/").forPort(proxyPort).forStatusCode(200).withStartupTimeout(startupTimeout));
        super.configure();
    }

    /** @return the hub's public URL (the proxy's published port), e.g. {@code http://localhost:32768}; once started */
    public URI publicUrl() {
        return URI.create("http://" + getHost() + ":" + getMappedPort(proxyPort));
    }

    /** @return the REST API's root, {@code publicUrl()/hub/api}; once started */
    public URI apiUrl() {
        return URI.create(publicUrl() + "/hub/api");
    }

    /** @return the API token of the configuration's first admin service, if it has one; once started */
    public Optional<String> adminToken() {
        return Optional.ofNullable(adminToken);
    }

    /** @return a client for {@link #publicUrl()}: login form, REST API, users' servers; once started */
    public HubClient client() {
        return new HubClient(publicUrl());
    }
}
