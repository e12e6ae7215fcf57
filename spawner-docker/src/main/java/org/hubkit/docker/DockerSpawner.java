package org.hubkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ContainerPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.InvalidOptionsException;
import org.hubkit.api.Mount;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnContext;
import org.hubkit.api.SpawnException;
import org.hubkit.api.SpawnOptionsForm;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.SpawnRequest;
import org.hubkit.api.SpawnResult;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerState;
import org.hubkit.api.Usernames;
import org.hubkit.docker.internal.CreateRequest;
import org.hubkit.docker.internal.CreateRequest.Limits;
import org.hubkit.docker.internal.Gpus;
import org.hubkit.docker.internal.HubAddress;
import org.hubkit.docker.internal.InternalNetworkFirewall;
import org.hubkit.docker.internal.Names;
import org.hubkit.docker.internal.PullProgress;
import org.hubkit.docker.internal.SpawnChoices;
import org.hubkit.docker.internal.Sizes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Spawner} that runs each single-user server in a container of its own on a Docker
 * engine, with DockerSpawner's options (in camelCase): image, command, volumes, network, limits,
 * GPUs, image pulls, spawn options.
 *
 * <p><b>Containers.</b> One per user and named server, named by {@code nameTemplate} (default
 * {@code jupyter-{username}}, plus {@code --{servername}} for a named server) with escaped names,
 * so two users never share one, and labelled {@code org.hubkit.hub} (this hub's {@code hubId}),
 * {@code org.hubkit.user} and {@code org.hubkit.server} (escaped). With {@code remove(false)}, the
 * default, a stopped container is kept and started again at the next start when it would be
 * created the same (same image id, same settings and environment, by the digest in its
 * {@code org.hubkit.spec} label); otherwise it is replaced. Its volumes are kept either way.
 *
 * <p><b>Reaching the hub.</b> When the hub's API URL names a loopback address, the container
 * gets the gateway of its network instead, and {@link #hubListenAddresses()} returns that gateway
 * so the hub listens there too. With {@code internalNetwork(true)} containers go on an
 * {@code --internal} network that this spawner creates, and, where it can (hub on the Docker host,
 * as root, with iptables), the host accepts from that network only connections to the hub's port.
 *
 * <p><b>Concurrency.</b> Engine calls run on a pool of {@code callConcurrency} threads, image
 * pulls on a separate pool of {@code pullConcurrency}, so a long pull never holds up another
 * user's start, stop or poll; two starts needing the same image share one pull.
 * {@link #pollAll} asks the engine once (a container list filtered by this hub's label). Stages
 * complete on those pools' threads. Immutable and thread-safe; {@link #close} stops the pools and
 * the engine client and leaves containers running.
 *
 * @since 0.3
 */
public final class DockerSpawner implements Spawner {
    private static final Logger LOG = LoggerFactory.getLogger(DockerSpawner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Label: the hub the container or volume belongs to. */
    public static final String LABEL_HUB = "org.hubkit.hub";
    /** Label: the escaped user name. */
    public static final String LABEL_USER = "org.hubkit.user";
    /** Label: the escaped server name ({@code ""} for the default server). */
    public static final String LABEL_SERVER = "org.hubkit.server";
    /** Label: a digest of the settings a container was created with; a kept container is reused only while it matches. */
    public static final String LABEL_SPEC = "org.hubkit.spec";

    static final String STATE_ID = "containerId";
    static final String STATE_NAME = "containerName";
    static final String STATE_IMAGE = "image";
    static final String STATE_IMAGE_ID = "imageId";
    static final String STATE_URL = "url";

    /** When {@link Builder#pullPolicy} pulls an image. */
    public enum PullPolicy {
        /** Pull only when the engine does not have the image (the default). */
        IF_NOT_PRESENT,
        /** Pull at every start (a registry's newer image replaces the local one). */
        ALWAYS,
        /** Never pull: a missing image fails the spawn. */
        NEVER
    }

    private final Builder config;
    private final SpawnChoices choices;
    private final Limits limits;
    private final JsonNode extraCreate;
    private final JsonNode extraHost;
    private final DockerHttpClient http;
    private final DockerClient docker;
    // Mutable state, each piece with its own rule and no lock held across engine calls: the pools are
    // thread-safe; pullsInFlight is a concurrent map (one pull per image, removed when it ends);
    // gateway is written once per network lookup (idempotent); the firewall synchronizes itself.
    private final ExecutorService calls;
    private final ExecutorService pulls;
    /** postStartCmd runs here: an exec that takes minutes must not hold an engine-call thread. */
    private final ExecutorService execs;
    private final Map<String, CompletableFuture<String>> pullsInFlight = new ConcurrentHashMap<>();
    /** The gateway of the network, once known (it does not change while the network exists). */
    private volatile String gateway;
    private final InternalNetworkFirewall firewall;

    private DockerSpawner(Builder b, SpawnChoices choices, Limits limits) {
        this.config = b.copy();
        this.choices = choices;
        this.limits = limits;
        this.extraCreate = JSON.valueToTree(b.extraCreateConfig);
        this.extraHost = JSON.valueToTree(b.extraHostConfig);
        DefaultDockerClientConfig engine = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(b.dockerHost).build();
        this.http = new ApacheDockerHttpClient.Builder().dockerHost(engine.getDockerHost()).sslConfig(engine.getSSLConfig())
                .maxConnections(b.callConcurrency + b.pullConcurrency + 4)
                .connectionTimeout(Duration.ofSeconds(10)).build();
        this.docker = DockerClientImpl.getInstance(engine, http);
        this.calls = pool("hubkit-docker-call", b.callConcurrency);
        this.pulls = pool("hubkit-docker-pull", b.pullConcurrency);
        this.execs = pool("hubkit-docker-exec", 2);
        String tag = shortHash(b.hubId + "\0" + b.networkName);
        this.firewall = b.internalNetwork
                ? new InternalNetworkFirewall(b.networkName, bridgeName(b), "HUBKIT-" + tag, b.dockerHost.startsWith("unix://"))
                : null;
    }

    private static ExecutorService pool(String name, int size) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** @return a builder with DockerSpawner's defaults and no image */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this spawner's settings */
    public Builder toBuilder() {
        return config.copy();
    }

    @Override
    public String name() {
        return "DockerSpawner";
    }

    /** @return the limits as built, for the configuration's tests */
    Limits limits() {
        return limits;
    }

    /** @return the spawn form and the image each image choice stands for, for the configuration's tests */
    SpawnChoices choices() {
        return choices;
    }

    /** @return the spawner's own volumes, for the configuration's tests */
    DockerVolumes volumes() {
        return config.volumes;
    }

    /** @return {@code extraCreateConfig} and {@code extraHostConfig} as they are merged, for the configuration's tests */
    List<JsonNode> extras() {
        return List.of(extraCreate, extraHost);
    }

    @Override
    public SpawnOptionsForm optionsForm() {
        return choices.form();
    }

    // ---- start ----------------------------------------------------------------------------

    /** What one start uses, after the user's options are applied. */
    private record Plan(ServerId server, String containerName, String image, Limits limits, List<Mount> mounts,
                        Map<String, String> environment, Map<String, String> labels) {
    }

    @Override
    public CompletionStage<SpawnResult> start(SpawnRequest request, SpawnContext context) {
        Plan plan;
        try {
            plan = plan(request);
        } catch (HubException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new SpawnException("Cannot prepare the container: " + e.getMessage(), e));
        }
        context.progress(2, "Preparing container " + plan.containerName);
        CompletableFuture<String> gw = call(this::networkGateway);
        CompletableFuture<ImageInfo> image = gw.thenCompose(g -> ensureImage(plan.image, context));
        return image.thenCompose(img -> call(() -> {
            checkCancelled(context);
            Map<String, String> env = environment(plan, gateway);
            if (firewall != null) {
                firewall.ensure(gateway, HubAddress.hubPort(env));
            }
            createVolumes(plan);
            context.progress(65, "Creating container " + plan.containerName);
            Launch container = reuseOrCreate(plan, img, env, request.previousState());
            String id = container.id();
            SpawnerState early = state(plan, img, id, null);
            context.saveState(early);
            checkCancelled(context);
            context.progress(80, "Starting container " + plan.containerName);
            startContainer(id, plan);
            InspectContainerResponse started = docker.inspectContainerCmd(id).exec();
            URI url = url(started.getNetworkSettings().getNetworks(), started.getNetworkSettings().getPorts() == null ? null
                    : portsOf(started), env);
            if (url == null) {
                throw new SpawnException("Container " + plan.containerName + " started but has no address on network "
                        + config.networkName + (published() ? " nor a published port" : ""));
            }
            context.progress(90, "Container " + plan.containerName + " started");
            LOG.info("Started container {} ({}) for {} from {} at {}", plan.containerName, shortId(id), plan.server,
                    plan.image, url);
            if (!config.postStartCmd.isEmpty()) {
                execs.execute(() -> postStart(id, plan));
            }
            SpawnResult result = new SpawnResult(url, state(plan, img, id, url));
            // A kept container runs with the token it was created with: the hub takes that one back.
            return container.apiToken() == null ? result : result.withReusedApiToken(container.apiToken());
        }));
    }

    private Plan plan(SpawnRequest request) {
        Map<String, Object> chosen = choices.resolve(request.user(), request.userOptions());
        String image = config.image;
        Limits l = limits;
        if (chosen.get("image") instanceof String value) {
            image = choices.images().get(value);
        }
        try {
            if (chosen.get("memLimit") instanceof String v) {
                l = new Limits(Sizes.parse(v), l.memGuarantee(), l.cpuLimit(), l.cpuGuarantee(), l.pidsLimit(), l.gpus());
            }
            if (chosen.get("cpuLimit") instanceof String v) {
                l = new Limits(l.memLimit(), l.memGuarantee(), Sizes.cpus(v), l.cpuGuarantee(), l.pidsLimit(), l.gpus());
            }
            if (chosen.get("gpus") instanceof String v) {
                l = new Limits(l.memLimit(), l.memGuarantee(), l.cpuLimit(), l.cpuGuarantee(), l.pidsLimit(),
                        v.equals("none") ? null : Gpus.parse(v));
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionsException("options", e.getMessage());
        }
        ServerId server = request.server();
        Map<String, Mount> byTarget = new LinkedHashMap<>();
        for (Mount m : request.mounts()) {
            byTarget.put(m.target(), m);
        }
        for (Mount m : config.volumes.mounts(server, request.user())) {
            if (byTarget.put(m.target(), m) != null) {
                LOG.debug("{}: the spawner's volume at {} replaces the hub's", server, m.target());
            }
        }
        List<Mount> mounts = new ArrayList<>(byTarget.values());
        for (Mount m : mounts) {
            checkMount(m);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_HUB, config.hubId);
        labels.put(LABEL_USER, Usernames.escape(server.user()));
        labels.put(LABEL_SERVER, server.isDefault() ? "" : Usernames.escape(server.serverName()));
        Map<String, String> env = new LinkedHashMap<>(config.environment);
        env.putAll(request.environment());
        return new Plan(server, Names.containerName(config.nameTemplate, server), image, l, mounts, env, labels);
    }

    private static void checkMount(Mount m) {
        if (!m.target().startsWith("/")) {
            throw new SpawnException("Mount " + m.target() + ": the target must be an absolute path");
        }
        for (String key : m.options().keySet()) {
            if (!key.equals(DockerVolumes.LAYERS) && !key.equals(DockerVolumes.SCOPE)) {
                throw new SpawnException("Mount " + m.target() + ": the Docker spawner does not know the option '" + key + "'");
            }
        }
        if (m.kind() == Mount.Kind.DIRECTORY && !m.source().startsWith("/")) {
            throw new SpawnException("Mount " + m.target() + ": a directory must be an absolute path on the Docker host");
        }
        if (m.kind() == Mount.Kind.VOLUME && !Names.DOCKER_NAME.matcher(m.source()).matches()) {
            throw new SpawnException("Mount " + m.target() + ": '" + m.source() + "' is not a valid volume name");
        }
    }

    /** The hub's environment, the server's URL inside the container, the hub reached at the gateway. */
    private Map<String, String> environment(Plan plan, String gw) {
        Map<String, String> env = new LinkedHashMap<>(HubAddress.rewrite(plan.environment, hostNetwork() ? null : gw));
        String prefix = env.getOrDefault("JUPYTERHUB_SERVICE_PREFIX", "/");
        int port = hostNetwork() ? freePort() : CreateRequest.SERVER_PORT;
        env.put("JUPYTERHUB_SERVICE_URL", "http://" + (hostNetwork() ? "127.0.0.1" : "0.0.0.0") + ":" + port + prefix);
        return env;
    }

    private boolean hostNetwork() {
        return config.networkName.equals("host");
    }

    private boolean published() {
        return !useInternalIp() && !hostNetwork();
    }

    private boolean useInternalIp() {
        if (config.internalNetwork) {
            return true;
        }
        return config.useInternalIp != null ? config.useInternalIp : !config.networkName.equals("bridge") && !hostNetwork();
    }

    private static void checkCancelled(SpawnContext context) {
        if (context.isCancelled()) {
            throw new SpawnException("The spawn was cancelled");
        }
    }

    private SpawnerState state(Plan plan, ImageInfo img, String id, URI url) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(STATE_ID, id);
        s.put(STATE_NAME, plan.containerName);
        s.put(STATE_IMAGE, plan.image);
        s.put(STATE_IMAGE_ID, img.id);
        if (url != null) {
            s.put(STATE_URL, url.toString());
        }
        return new SpawnerState(s);
    }

    // ---- images ---------------------------------------------------------------------------

    private record ImageInfo(String id, List<String> cmd) {
    }

    private CompletableFuture<ImageInfo> ensureImage(String image, SpawnContext context) {
        return call(() -> inspectImage(image)).thenCompose(found -> {
            if (found != null && config.pullPolicy != PullPolicy.ALWAYS) {
                return CompletableFuture.completedFuture(found);
            }
            if (config.pullPolicy == PullPolicy.NEVER) {
                throw new SpawnException("Image " + image + " is not on the Docker engine and pullPolicy is never");
            }
            CompletableFuture<String> pull = pullsInFlight.computeIfAbsent(image, i -> {
                CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> pull(i, context), pulls);
                f.whenComplete((r, e) -> pullsInFlight.remove(i));
                return f;
            });
            context.progress(5, "Pulling image " + image);
            return pull.thenCompose(done -> call(() -> {
                ImageInfo pulled = inspectImage(image);
                if (pulled == null) {
                    throw new SpawnException("Image " + image + " was pulled but the engine does not have it");
                }
                return pulled;
            }));
        });
    }

    private ImageInfo inspectImage(String image) {
        try {
            InspectImageResponse r = docker.inspectImageCmd(image).exec();
            List<String> cmd = r.getConfig() == null || r.getConfig().getCmd() == null ? List.of() : List.of(r.getConfig().getCmd());
            return new ImageInfo(r.getId(), cmd);
        } catch (NotFoundException e) {
            return null;
        }
    }

    private String pull(String image, SpawnContext context) {
        PullProgress progress = new PullProgress(image, 5, 60);
        long[] lastReport = {0};
        try {
            String[] repoTag = repositoryAndTag(image);
            var cmd = docker.pullImageCmd(repoTag[0]);
            if (repoTag[1] != null) {
                cmd = cmd.withTag(repoTag[1]);
            }
            java.util.concurrent.atomic.AtomicReference<String> refused = new java.util.concurrent.atomic.AtomicReference<>();
            ResultCallback.Adapter<PullResponseItem> stream = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(PullResponseItem item) {
                    if (item.getErrorDetail() != null || item.getError() != null) {
                        // The engine's own refusal (registry down, no such tag): ours to report, not an error of the stream.
                        refused.compareAndSet(null, item.getError() != null ? item.getError() : item.getErrorDetail().getMessage());
                        try {
                            close();
                        } catch (IOException ignored) {
                            // closing a finished stream
                        }
                        return;
                    }
                    if (progress.update(item) && System.nanoTime() - lastReport[0] > 500_000_000L) {
                        lastReport[0] = System.nanoTime();
                        context.progress(progress.percent(), progress.message());
                    }
                }
            };
            cmd.exec(stream).awaitCompletion();
            if (refused.get() != null) {
                throw new SpawnException("Pulling image " + image + " failed: " + refused.get());
            }
            context.progress(60, "Pulled image " + image);
            return image;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpawnException("Pulling image " + image + " was interrupted");
        } catch (SpawnException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpawnException("Pulling image " + image + " failed: " + engineMessage(e), e);
        }
    }

    /** {@code repo[:tag]} or {@code repo@digest}: the engine pulls every tag of a repository given without one. */
    static String[] repositoryAndTag(String image) {
        if (image.contains("@")) {
            return new String[] {image, null};
        }
        int colon = image.lastIndexOf(':');
        if (colon > image.lastIndexOf('/')) {
            return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        }
        return new String[] {image, "latest"};
    }

    // ---- networks and volumes -------------------------------------------------------------

    /** @return the gateway of the containers' network, creating an internal network if it is missing; null for host networking */
    private String networkGateway() {
        if (hostNetwork()) {
            return null;
        }
        String known = gateway;
        if (known != null) {
            return known;
        }
        Network network;
        try {
            network = docker.inspectNetworkCmd().withNetworkId(config.networkName).exec();
        } catch (NotFoundException e) {
            if (!config.internalNetwork) {
                throw new SpawnException("Docker network " + config.networkName + " does not exist");
            }
            createInternalNetwork();
            network = docker.inspectNetworkCmd().withNetworkId(config.networkName).exec();
        }
        if (config.internalNetwork && !Boolean.TRUE.equals(network.getInternal())) {
            throw new SpawnException("Docker network " + config.networkName + " exists but is not an internal network");
        }
        String gw = gatewayOf(network);
        if (gw == null) {
            throw new SpawnException("Docker network " + config.networkName + " has no IPv4 gateway");
        }
        gateway = gw;
        return gw;
    }

    /**
     * The IPAM gateway; the default bridge often has none recorded, then the bridge interface's
     * own address (an engine on this machine), else the subnet's first address, which is what the
     * engine gives its bridges.
     */
    static String gatewayOf(Network network) {
        List<Network.Ipam.Config> ipam = network.getIpam() == null || network.getIpam().getConfig() == null ? List.of()
                : network.getIpam().getConfig().stream().filter(c -> c.getSubnet() != null && !c.getSubnet().contains(":")).toList();
        for (Network.Ipam.Config c : ipam) {
            if (c.getGateway() != null && !c.getGateway().isEmpty()) {
                return c.getGateway();
            }
        }
        String bridge = network.getOptions() == null ? null : network.getOptions().get("com.docker.network.bridge.name");
        try {
            java.net.NetworkInterface nic = bridge == null ? null : java.net.NetworkInterface.getByName(bridge);
            if (nic != null) {
                for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // fall back to the subnet
        }
        for (Network.Ipam.Config c : ipam) {
            String[] parts = c.getSubnet().split("/")[0].split("\\.");
            if (parts.length == 4) {
                return parts[0] + "." + parts[1] + "." + parts[2] + "." + (Integer.parseInt(parts[3]) + 1);
            }
        }
        return null;
    }

    private void createInternalNetwork() {
        try {
            docker.createNetworkCmd().withName(config.networkName).withDriver("bridge").withInternal(true)
                    .withOptions(Map.of("com.docker.network.bridge.name", bridgeName(config)))
                    .withLabels(Map.of(LABEL_HUB, config.hubId)).withCheckDuplicate(true).exec();
            LOG.info("Created internal Docker network {} (bridge {})", config.networkName, bridgeName(config));
        } catch (DockerException e) {
            if (e.getHttpStatus() != 409) {
                throw e;
            }
        }
    }

    /** @return the internal network's bridge interface and iptables chain, for tests that clean up after themselves */
    List<String> firewallNames() {
        return List.of(bridgeName(config), "HUBKIT-" + shortHash(config.hubId + "\0" + config.networkName));
    }

    private static String bridgeName(Builder b) {
        return "hk-" + shortHash(b.hubId + "\0" + b.networkName).substring(0, 12);
    }

    @Override
    public List<String> hubListenAddresses() {
        try {
            String gw = CompletableFuture.supplyAsync(this::networkGateway, calls).get(30, TimeUnit.SECONDS);
            return gw == null ? List.of() : List.of(gw);
        } catch (Exception e) {
            LOG.warn("Cannot tell the gateway of Docker network {}: {}", config.networkName, engineMessage(e));
            return List.of();
        }
    }

    private void createVolumes(Plan plan) {
        for (Mount m : plan.mounts) {
            if (m.kind() != Mount.Kind.VOLUME) {
                continue;
            }
            String scope = m.options().getOrDefault(DockerVolumes.SCOPE, "shared");
            String layers = m.options().get(DockerVolumes.LAYERS);
            try {
                docker.inspectVolumeCmd(m.source()).exec();
                continue;
            } catch (NotFoundException e) {
                // create it below, with the labels that say whose it is
            }
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put(LABEL_HUB, config.hubId);
            if (!scope.equals("shared")) {
                labels.put(LABEL_USER, plan.labels.get(LABEL_USER));
            }
            if (scope.equals("server")) {
                labels.put(LABEL_SERVER, plan.labels.get(LABEL_SERVER));
            }
            var create = docker.createVolumeCmd().withName(m.source()).withDriver("local").withLabels(labels);
            if (layers != null) {
                create = create.withDriverOpts(overlayOptions(List.of(layers.split(":"))));
            }
            try {
                create.exec();
            } catch (DockerException e) {
                if (e.getHttpStatus() != 409) {
                    throw new SpawnException("Cannot create volume " + m.source() + " for " + m.target() + ": "
                            + engineMessage(e), e);
                }
            }
        }
    }

    /**
     * The local driver's options for a read-only overlay of {@code layers}: overlayfs lists its
     * lower directories top first, so the last layer (the one that wins) comes first.
     *
     * @param layers host directories, bottom first
     * @return {@code type}, {@code device} and {@code o} for the local volume driver
     */
    static Map<String, String> overlayOptions(List<String> layers) {
        List<String> topFirst = new ArrayList<>(layers);
        java.util.Collections.reverse(topFirst);
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("type", "overlay");
        opts.put("device", "overlay");
        opts.put("o", "lowerdir=" + String.join(":", topFirst));
        return opts;
    }

    // ---- containers -----------------------------------------------------------------------

    /** The container a start uses, and the API token it was created with when it is a kept one (else null). */
    private record Launch(String id, String apiToken) { }

    private static final String TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN=";
    private static final String OLD_TOKEN_VARIABLE = "JPY_API_TOKEN="; // the same token, under its pre-1.0 name

    private Launch reuseOrCreate(Plan plan, ImageInfo img, Map<String, String> env, SpawnerState previous) {
        List<String> command = null;
        if (!config.cmd.isEmpty() || !config.args.isEmpty()) {
            command = new ArrayList<>(config.cmd.isEmpty() ? img.cmd : config.cmd);
            command.addAll(config.args);
        }
        ObjectNode body = new CreateRequest(plan.image, command, config.workDir)
                .network(config.networkName, published() ? config.hostIp : null)
                .limits(plan.limits).mounts(plan.mounts).extra(extraCreate, extraHost)
                .finish(env, plan.labels);
        String spec = specHash(body);
        ((ObjectNode) body.get("Labels")).put(LABEL_SPEC, spec);

        InspectContainerResponse existing = previous.get(STATE_ID).map(this::inspectOrNull).orElse(null);
        if (existing == null || !plan.containerName.equals(existing.getName().replaceFirst("^/", ""))) {
            existing = inspectOrNull(plan.containerName);
        }
        if (existing != null) {
            Map<String, String> labels = existing.getConfig().getLabels() == null ? Map.of() : existing.getConfig().getLabels();
            if (!config.hubId.equals(labels.get(LABEL_HUB)) || !plan.labels.get(LABEL_USER).equals(labels.get(LABEL_USER))) {
                throw new SpawnException("A container named " + plan.containerName + " exists and is not this hub's");
            }
            boolean running = existing.getState() != null && Boolean.TRUE.equals(existing.getState().getRunning());
            String why = config.remove ? "remove is set"
                    : !img.id.equals(existing.getImageId()) ? "its image changed"
                    : !spec.equals(labels.get(LABEL_SPEC)) ? "its settings or environment changed"
                    : running ? "it is still running" : null;
            String keptToken = existing.getConfig().getEnv() == null ? null : java.util.Arrays.stream(existing.getConfig().getEnv())
                    .filter(e -> e.startsWith(TOKEN_VARIABLE)).map(e -> e.substring(TOKEN_VARIABLE.length())).findFirst()
                    .orElse(null);
            if (why == null && keptToken == null) {
                why = "it has no API token";
            }
            if (why == null) {
                LOG.info("Reusing stopped container {} ({}) for {}", plan.containerName, shortId(existing.getId()), plan.server);
                return new Launch(existing.getId(), keptToken.equals(env.get("JUPYTERHUB_API_TOKEN")) ? null : keptToken);
            }
            LOG.info("Replacing container {} ({}) for {}: {}", plan.containerName, shortId(existing.getId()), plan.server, why);
            removeContainer(existing.getId());
        }
        return new Launch(createContainer(plan.containerName, body), null);
    }

    /** A digest of what the container would be created with, the environment in a fixed order (the hub's map has none). */
    private static String specHash(ObjectNode body) {
        ObjectNode canonical = body.deepCopy();
        List<String> env = new ArrayList<>();
        // The hub gives every start a new API token; a kept container keeps its own (the hub takes it back).
        canonical.get("Env").forEach(e -> {
            if (!e.asText().startsWith(TOKEN_VARIABLE) && !e.asText().startsWith(OLD_TOKEN_VARIABLE)) {
                env.add(e.asText());
            }
        });
        java.util.Collections.sort(env);
        com.fasterxml.jackson.databind.node.ArrayNode sorted = canonical.putArray("Env");
        env.forEach(sorted::add);
        return shortHash(canonical.toString());
    }

    private String createContainer(String name, ObjectNode body) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                .path("/containers/create?name=" + name).putHeader("Content-Type", "application/json")
                .body(new ByteArrayInputStream(json)).build();
        try (DockerHttpClient.Response r = http.execute(request); InputStream in = r.getBody()) {
            JsonNode answer = JSON.readTree(in.readAllBytes());
            if (r.getStatusCode() != 201) {
                String message = answer != null && answer.has("message") ? answer.get("message").asText() : "HTTP " + r.getStatusCode();
                throw new SpawnException("Cannot create container " + name + ": " + message);
            }
            return answer.get("Id").asText();
        } catch (IOException e) {
            throw new SpawnException("Cannot create container " + name + ": " + e.getMessage(), e);
        }
    }

    private void startContainer(String id, Plan plan) {
        try {
            docker.startContainerCmd(id).exec();
        } catch (NotModifiedException alreadyRunning) {
            // started meanwhile: fine
        } catch (DockerException e) {
            String message = engineMessage(e);
            List<String> layered = plan.mounts.stream().filter(m -> m.options().containsKey(DockerVolumes.LAYERS))
                    .map(Mount::target).toList();
            if (!layered.isEmpty() && (message.contains("overlay") || message.contains("mount"))) {
                throw new SpawnException("Container " + plan.containerName + " cannot start: the layered view at "
                        + String.join(", ", layered) + " cannot be mounted (it needs overlayfs in the Docker host's kernel "
                        + "and the layer directories on that host): " + message, e);
            }
            throw new SpawnException("Container " + plan.containerName + " cannot start: " + message, e);
        }
    }

    private void postStart(String id, Plan plan) {
        try {
            String exec = docker.execCreateCmd(id).withCmd(config.postStartCmd.toArray(String[]::new))
                    .withAttachStdout(true).withAttachStderr(true).exec().getId();
            docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>()).awaitCompletion(5, TimeUnit.MINUTES);
            Long code = docker.inspectExecCmd(exec).exec().getExitCodeLong();
            if (code == null || code != 0) {
                LOG.warn("postStartCmd in container {} for {} exited with {}", plan.containerName, plan.server, code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("postStartCmd in container {} for {} failed: {}", plan.containerName, plan.server, engineMessage(e));
        }
    }

    private InspectContainerResponse inspectOrNull(String idOrName) {
        try {
            return docker.inspectContainerCmd(idOrName).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    private void removeContainer(String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(false).exec();
        } catch (NotFoundException gone) {
            // already removed
        } catch (DockerException e) {
            if (e.getHttpStatus() != 409) { // 409: removal already in progress
                throw e;
            }
        }
    }

    /** The server's URL: its address on the network, or its port published on {@code hostIp}. */
    private URI url(Map<String, ContainerNetwork> networks, Map<Integer, Integer> published, Map<String, String> env) {
        if (hostNetwork()) {
            return URI.create(env.get("JUPYTERHUB_SERVICE_URL").replaceFirst("(://[^/]+).*", "$1"));
        }
        if (published()) {
            Integer port = published == null ? null : published.get(CreateRequest.SERVER_PORT);
            return port == null ? null : URI.create("http://" + urlHost(config.hostIp) + ":" + port);
        }
        ContainerNetwork n = networks == null ? null : networks.get(config.networkName);
        String ip = n == null ? null : n.getIpAddress();
        return ip == null || ip.isEmpty() ? null : URI.create("http://" + ip + ":" + CreateRequest.SERVER_PORT);
    }

    private static String urlHost(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip.equals("0.0.0.0") ? "127.0.0.1" : ip;
    }

    private static Map<Integer, Integer> portsOf(InspectContainerResponse c) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        c.getNetworkSettings().getPorts().getBindings().forEach((exposed, bindings) -> {
            if (bindings != null && bindings.length > 0 && bindings[0].getHostPortSpec() != null
                    && !bindings[0].getHostPortSpec().isEmpty()) {
                out.put(exposed.getPort(), Integer.parseInt(bindings[0].getHostPortSpec()));
            }
        });
        return out;
    }

    private static Map<Integer, Integer> portsOf(Container c) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        if (c.getPorts() != null) {
            for (ContainerPort p : c.getPorts()) {
                if (p.getPrivatePort() != null && p.getPublicPort() != null) {
                    out.putIfAbsent(p.getPrivatePort(), p.getPublicPort());
                }
            }
        }
        return out;
    }

    // ---- poll, stop, delete ---------------------------------------------------------------

    @Override
    public CompletionStage<PollResult> poll(ServerId server, SpawnerState state) {
        Optional<String> id = state.get(STATE_ID);
        if (id.isEmpty()) {
            return CompletableFuture.completedFuture(PollResult.stopped(null, "no container"));
        }
        return call(() -> {
            InspectContainerResponse c = inspectOrNull(id.get());
            if (c == null) {
                return PollResult.stopped(null, "container " + shortId(id.get()) + " is gone");
            }
            var s = c.getState();
            if (s == null || !Boolean.TRUE.equals(s.getRunning())) {
                Long code = s == null ? null : s.getExitCodeLong();
                return PollResult.stopped(code == null ? null : code.intValue(), "container " + shortId(id.get()) + " is "
                        + (s == null ? "not running" : s.getStatus()));
            }
            return withUrl(PollResult.alive(), state, url(c.getNetworkSettings().getNetworks(),
                    c.getNetworkSettings().getPorts() == null ? null : portsOf(c), serviceEnv(state)));
        });
    }

    /** One container list, filtered by this hub's label, answers for every server. */
    @Override
    public CompletionStage<Map<ServerId, PollResult>> pollAll(Map<ServerId, SpawnerState> servers) {
        return call(() -> {
            Map<String, Container> byId = new LinkedHashMap<>();
            for (Container c : docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(LABEL_HUB, config.hubId)).exec()) {
                byId.put(c.getId(), c);
            }
            Map<ServerId, PollResult> out = new LinkedHashMap<>();
            servers.forEach((server, state) -> {
                String id = state.get(STATE_ID).orElse(null);
                Container c = id == null ? null : byId.get(id);
                if (c == null) {
                    out.put(server, PollResult.stopped(null, id == null ? "no container" : "container " + shortId(id) + " is gone"));
                } else if (!"running".equals(c.getState())) {
                    out.put(server, PollResult.stopped(null, "container " + shortId(id) + " is " + c.getStatus()));
                } else {
                    Map<String, ContainerNetwork> networks = c.getNetworkSettings() == null ? null : c.getNetworkSettings().getNetworks();
                    out.put(server, withUrl(PollResult.alive(), state, url(networks, portsOf(c), serviceEnv(state))));
                }
            });
            return Map.copyOf(out);
        });
    }

    /** For host networking the URL is the one saved (the port is the spawner's choice). */
    private static Map<String, String> serviceEnv(SpawnerState state) {
        return Map.of("JUPYTERHUB_SERVICE_URL", state.get(STATE_URL).orElse("http://127.0.0.1:0") + "/");
    }

    private static PollResult withUrl(PollResult alive, SpawnerState state, URI now) {
        if (now == null || state.get(STATE_URL).map(now.toString()::equals).orElse(true)) {
            return alive;
        }
        Map<String, String> s = new LinkedHashMap<>(state.values());
        s.put(STATE_URL, now.toString());
        return alive.withUrl(now).withState(new SpawnerState(s));
    }

    @Override
    public CompletionStage<Void> stop(ServerId server, SpawnerState state) {
        Optional<String> id = state.get(STATE_ID);
        if (id.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return call(() -> {
            try {
                docker.stopContainerCmd(id.get()).withTimeout((int) Math.max(0, config.stopTimeout.toSeconds())).exec();
                LOG.info("Stopped container {} of {}", shortId(id.get()), server);
            } catch (NotFoundException | NotModifiedException alreadyGone) {
                LOG.debug("Container {} of {} was already stopped or gone", shortId(id.get()), server);
            }
            if (config.remove) {
                removeContainer(id.get());
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> deleteForever(ServerId server, SpawnerState state, boolean userDeleted) {
        return call(() -> {
            String user = Usernames.escape(server.user());
            String serverLabel = server.isDefault() ? "" : Usernames.escape(server.serverName());
            Set<String> ids = new java.util.LinkedHashSet<>();
            state.get(STATE_ID).ifPresent(ids::add);
            for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL_HUB, config.hubId,
                    LABEL_USER, user)).exec()) {
                if (userDeleted || serverLabel.equals(c.getLabels().get(LABEL_SERVER))) {
                    ids.add(c.getId());
                }
            }
            for (String id : ids) {
                InspectContainerResponse c = inspectOrNull(id);
                if (c != null && c.getConfig().getLabels() != null && config.hubId.equals(c.getConfig().getLabels().get(LABEL_HUB))
                        && user.equals(c.getConfig().getLabels().get(LABEL_USER))) {
                    removeContainer(id);
                    LOG.info("Removed container {} of {}", shortId(id), server);
                }
            }
            if (config.removeVolumesOnDelete) {
                var volumes = docker.listVolumesCmd().withFilter("label", List.of(LABEL_HUB + "=" + config.hubId,
                        LABEL_USER + "=" + user)).exec().getVolumes();
                for (var v : volumes == null ? List.<com.github.dockerjava.api.command.InspectVolumeResponse>of() : volumes) {
                    Map<String, String> labels = v.getLabels() == null ? Map.of() : v.getLabels();
                    boolean mine = config.hubId.equals(labels.get(LABEL_HUB)) && user.equals(labels.get(LABEL_USER));
                    boolean serverOwn = labels.containsKey(LABEL_SERVER) && serverLabel.equals(labels.get(LABEL_SERVER));
                    if (mine && (userDeleted || serverOwn)) {
                        try {
                            docker.removeVolumeCmd(v.getName()).exec();
                            LOG.info("Removed volume {} of {}", v.getName(), server);
                        } catch (NotFoundException gone) {
                            // removed meanwhile
                        }
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void close() {
        calls.shutdown();
        pulls.shutdownNow();
        execs.shutdownNow();
        try {
            calls.awaitTermination(10, TimeUnit.SECONDS);
            docker.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("Closing the Docker client: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "DockerSpawner[image=" + config.image + ", engine=" + config.dockerHost + ", network=" + config.networkName + "]";
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Runs one engine call on the call pool; engine errors become {@link SpawnException}s without secrets. */
    private <T> CompletableFuture<T> call(Supplier<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.get();
            } catch (HubException e) {
                throw e;
            } catch (DockerException e) {
                throw new SpawnException("Docker engine: " + engineMessage(e), e);
            } catch (RuntimeException e) {
                throw new SpawnException("Docker engine call failed: " + engineMessage(e), e);
            }
        }, calls);
    }

    private static String engineMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        try {
            JsonNode json = JSON.readTree(m.substring(Math.max(0, m.indexOf('{'))));
            if (json != null && json.has("message")) {
                return json.get("message").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // keep the text
        }
        return m.strip();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new SpawnException("No free port for a host-network container: " + e.getMessage());
        }
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Settings of a {@link DockerSpawner}; {@link #build()} checks every one and reports all
     * problems at once, each under the field's name. Not thread-safe.
     *
     * @since 0.3
     */
    public static final class Builder {
        private String dockerHost;
        private String hubId = "hubkit";
        private String image;
        private List<String> cmd = List.of();
        private List<String> args = List.of();
        private Map<String, String> environment = new LinkedHashMap<>();
        private String workDir;
        private String nameTemplate = "jupyter-{username}";
        private Map<String, Object> extraCreateConfig = new LinkedHashMap<>();
        private Map<String, Object> extraHostConfig = new LinkedHashMap<>();
        private String networkName = "bridge";
        private boolean networkNameSet;
        private Boolean useInternalIp;
        private String hostIp = "127.0.0.1";
        private boolean internalNetwork;
        private String memLimit;
        private String memGuarantee;
        private String cpuLimit;
        private String cpuGuarantee;
        private long pidsLimit;
        private String gpus;
        private boolean remove;
        private Duration stopTimeout = Duration.ofSeconds(10);
        private List<String> postStartCmd = List.of();
        private boolean removeVolumesOnDelete;
        private PullPolicy pullPolicy = PullPolicy.IF_NOT_PRESENT;
        private int callConcurrency = 8;
        private int pullConcurrency = 2;
        private DockerVolumes volumes = DockerVolumes.defaults();
        private Map<Choice, String> imageChoices = new LinkedHashMap<>();
        private Map<String, List<Choice>> optionChoices = new LinkedHashMap<>();
        private Map<String, String> optionDefaults = new LinkedHashMap<>();

        private Builder() {
            String env = System.getenv("DOCKER_HOST");
            dockerHost = env == null || env.isBlank() ? "unix:///var/run/docker.sock" : env;
        }

        private Builder copy() {
            Builder b = new Builder();
            b.dockerHost = dockerHost;
            b.hubId = hubId;
            b.image = image;
            b.cmd = cmd;
            b.args = args;
            b.environment = new LinkedHashMap<>(environment);
            b.workDir = workDir;
            b.nameTemplate = nameTemplate;
            b.extraCreateConfig = new LinkedHashMap<>(extraCreateConfig);
            b.extraHostConfig = new LinkedHashMap<>(extraHostConfig);
            b.networkName = networkName;
            b.networkNameSet = networkNameSet;
            b.useInternalIp = useInternalIp;
            b.hostIp = hostIp;
            b.internalNetwork = internalNetwork;
            b.memLimit = memLimit;
            b.memGuarantee = memGuarantee;
            b.cpuLimit = cpuLimit;
            b.cpuGuarantee = cpuGuarantee;
            b.pidsLimit = pidsLimit;
            b.gpus = gpus;
            b.remove = remove;
            b.stopTimeout = stopTimeout;
            b.postStartCmd = postStartCmd;
            b.removeVolumesOnDelete = removeVolumesOnDelete;
            b.pullPolicy = pullPolicy;
            b.callConcurrency = callConcurrency;
            b.pullConcurrency = pullConcurrency;
            b.volumes = volumes;
            b.imageChoices = new LinkedHashMap<>(imageChoices);
            b.optionChoices = new LinkedHashMap<>(optionChoices);
            b.optionDefaults = new LinkedHashMap<>(optionDefaults);
            return b;
        }

        /**
         * @param host the engine: {@code unix:///var/run/docker.sock} (the default, unless {@code DOCKER_HOST} is set) or {@code tcp://host:port}
         * @return this builder
         */
        public Builder dockerHost(String host) {
            this.dockerHost = host;
            return this;
        }

        /**
         * @param id names this hub in the {@code org.hubkit.hub} label of its containers and volumes, so that two hubs on
         *        one engine never touch each other's ({@code [a-z0-9-]}, default {@code hubkit})
         * @return this builder
         */
        public Builder hubId(String id) {
            this.hubId = id;
            return this;
        }

        /**
         * @param image the image servers run, e.g. {@code quay.io/jupyter/base-notebook:2024-12-02}; required
         * @return this builder
         */
        public Builder image(String image) {
            this.image = image;
            return this;
        }

        /**
         * @param cmd the command, replacing the image's {@code CMD}; empty for the image's own
         * @return this builder
         */
        public Builder cmd(List<String> cmd) {
            this.cmd = List.copyOf(cmd);
            return this;
        }

        /**
         * @param args arguments appended to the command (to the image's {@code CMD} when no {@code cmd} is set)
         * @return this builder
         */
        public Builder args(List<String> args) {
            this.args = List.copyOf(args);
            return this;
        }

        /**
         * @param name a variable every server gets (the hub's own {@code JUPYTERHUB_*} variables win)
         * @param value its value
         * @return this builder
         */
        public Builder environment(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        /**
         * @param dir the working directory in the container; the image's own when null
         * @return this builder
         */
        public Builder workDir(String dir) {
            this.workDir = dir;
            return this;
        }

        /**
         * @param template the container name, holding {@code {username}} (and optionally {@code {servername}}: without it a named
         *        server's container gets {@code --<servername>} appended); default {@code jupyter-{username}}
         * @return this builder
         */
        public Builder nameTemplate(String template) {
            this.nameTemplate = template;
            return this;
        }

        /**
         * @param extra merged into the create request's JSON (Docker Engine API names: {@code Hostname}, {@code User}, ...):
         *        a mapping key by key, anything else replacing what the spawner set; labels and environment cannot be overridden
         * @return this builder
         */
        public Builder extraCreateConfig(Map<String, ?> extra) {
            this.extraCreateConfig = new LinkedHashMap<>(extra);
            return this;
        }

        /**
         * @param extra merged the same way into its {@code HostConfig} ({@code ShmSize}, {@code CapAdd}, ...), after the
         *        spawner's limits, mounts and ports: what is set here wins
         * @return this builder
         */
        public Builder extraHostConfig(Map<String, ?> extra) {
            this.extraHostConfig = new LinkedHashMap<>(extra);
            return this;
        }

        /**
         * @param name the Docker network containers join; default {@code bridge} ({@code hubkit-internal} with {@link #internalNetwork})
         * @return this builder
         */
        public Builder networkName(String name) {
            this.networkName = name;
            this.networkNameSet = true;
            return this;
        }

        /**
         * @param use whether the hub reaches a server at its address on the network (true) or at a port published on
         *        {@link #hostIp} (false); default true on every network but {@code bridge} and {@code host}
         * @return this builder
         */
        public Builder useInternalIp(boolean use) {
            this.useInternalIp = use;
            return this;
        }

        /**
         * @param ip the host address a server's port is published on (a random port); default {@code 127.0.0.1}
         * @return this builder
         */
        public Builder hostIp(String ip) {
            this.hostIp = ip;
            return this;
        }

        /**
         * @param internal whether containers go on an {@code --internal} network that reaches the hub and nothing else,
         *        created when missing (see the README for what the host filter needs)
         * @return this builder
         */
        public Builder internalNetwork(boolean internal) {
            this.internalNetwork = internal;
            return this;
        }

        /**
         * @param size the memory limit ({@code 512M}, {@code 2G}); none when null
         * @return this builder
         */
        public Builder memLimit(String size) {
            this.memLimit = size;
            return this;
        }

        /**
         * @param size memory reserved for the container (the engine's soft limit, {@code MemoryReservation}); none when null
         * @return this builder
         */
        public Builder memGuarantee(String size) {
            this.memGuarantee = size;
            return this;
        }

        /**
         * @param cpus the CPU limit ({@code 0.5}, {@code 2}); none when null
         * @return this builder
         */
        public Builder cpuLimit(String cpus) {
            this.cpuLimit = cpus;
            return this;
        }

        /**
         * @param cpus the CPUs' worth of CPU shares (1024 per CPU) the container gets under contention; none when null
         * @return this builder
         */
        public Builder cpuGuarantee(String cpus) {
            this.cpuGuarantee = cpus;
            return this;
        }

        /**
         * @param limit the most processes the container may run; 0 for none
         * @return this builder
         */
        public Builder pidsLimit(long limit) {
            this.pidsLimit = limit;
            return this;
        }

        /**
         * @param gpus {@code all}, a number, or device ids ({@code device=0}, {@code device=0,1}; {@code 0,1}): a device request to the NVIDIA driver; none when null
         * @return this builder
         */
        public Builder gpus(String gpus) {
            this.gpus = gpus;
            return this;
        }

        /**
         * @param remove whether a stopped container is removed (default false: kept and started again when it would be created the same)
         * @return this builder
         */
        public Builder remove(boolean remove) {
            this.remove = remove;
            return this;
        }

        /**
         * @param timeout how long stop waits after SIGTERM before the engine kills the container; default 10 s
         * @return this builder
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * @param cmd a command run in the container once it started (its failure is logged, the server keeps running)
         * @return this builder
         */
        public Builder postStartCmd(List<String> cmd) {
            this.postStartCmd = List.copyOf(cmd);
            return this;
        }

        /**
         * @param remove whether deleting a user removes the volumes the spawner created for them (deleting a named server:
         *        its own volumes); default false
         * @return this builder
         */
        public Builder removeVolumesOnDelete(boolean remove) {
            this.removeVolumesOnDelete = remove;
            return this;
        }

        /**
         * @param policy when images are pulled; default {@link PullPolicy#IF_NOT_PRESENT}
         * @return this builder
         */
        public Builder pullPolicy(PullPolicy policy) {
            this.pullPolicy = policy;
            return this;
        }

        /**
         * @param calls engine calls (create, start, stop, inspect, list) in flight at once; default 8
         * @param pulls image pulls in flight at once, apart from the calls; default 2
         * @return this builder
         */
        public Builder concurrency(int calls, int pulls) {
            this.callConcurrency = calls;
            this.pullConcurrency = pulls;
            return this;
        }

        /**
         * @param volumes the spawner's own volumes, added to the hub's mounts (the same target: this one wins); default
         *        {@link DockerVolumes#defaults()}
         * @return this builder
         */
        public Builder volumes(DockerVolumes volumes) {
            this.volumes = volumes;
            return this;
        }

        /**
         * @param images images users may choose from, each offered under its own name (DockerSpawner's {@code allowed_images})
         * @return this builder
         */
        public Builder allowedImages(List<String> images) {
            images.forEach(i -> imageChoices.put(Choice.of(i), i));
            return this;
        }

        /**
         * @param choice what the form shows and the user sends (its value, label, groups)
         * @param image the image that choice stands for
         * @return this builder
         */
        public Builder imageChoice(Choice choice, String image) {
            imageChoices.put(choice, image);
            return this;
        }

        /**
         * @param field {@code memLimit}, {@code cpuLimit} or {@code gpus} ({@code none} as a gpus value: no GPU)
         * @param choice a choice offered for it, its value in the field's own syntax
         * @return this builder
         */
        public Builder choice(String field, Choice choice) {
            optionChoices.computeIfAbsent(field, f -> new ArrayList<>()).add(choice);
            return this;
        }

        /**
         * @param field {@code image}, {@code memLimit}, {@code cpuLimit} or {@code gpus}
         * @param value the value picked when the user sends none (else the first the user may see)
         * @return this builder
         */
        public Builder defaultChoice(String field, String value) {
            optionDefaults.put(field, value);
            return this;
        }

        /**
         * @return the spawner, with its own engine client and pools
         * @throws ConfigException naming each bad field
         */
        public DockerSpawner build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (!networkNameSet && internalNetwork) {
                networkName = "hubkit-internal";
            }
            if (image == null || image.isBlank()) {
                problems.add(new ConfigException.Problem("image", "is required"));
            }
            if (dockerHost == null || !dockerHost.matches("(unix|tcp|npipe)://.+")) {
                problems.add(new ConfigException.Problem("dockerHost", "must be unix:///path or tcp://host:port; got '" + dockerHost + "'"));
            }
            if (hubId == null || !hubId.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                problems.add(new ConfigException.Problem("hubId", "must be 1 to 63 of a-z, 0-9, '-'; got '" + hubId + "'"));
            }
            String p = Names.containerTemplateProblem(nameTemplate);
            if (p != null) {
                problems.add(new ConfigException.Problem("nameTemplate", p));
            }
            if (networkName == null || networkName.isBlank()) {
                problems.add(new ConfigException.Problem("networkName", "must not be empty"));
            } else if (internalNetwork && (networkName.equals("bridge") || networkName.equals("host") || networkName.equals("none"))) {
                problems.add(new ConfigException.Problem("internalNetwork", "needs a network of its own, not '" + networkName + "'"));
            }
            if (hostIp == null || hostIp.isBlank() || !hostIp.matches("[0-9a-fA-F.:]+")) {
                problems.add(new ConfigException.Problem("hostIp", "must be an IP address; got '" + hostIp + "'"));
            }
            for (String name : environment.keySet()) {
                if (name.isEmpty() || name.contains("=") || name.contains("\0")) {
                    problems.add(new ConfigException.Problem("environment", "'" + name + "' is not a valid variable name"));
                }
            }
            long mem = size(problems, "memLimit", memLimit);
            long memReserved = size(problems, "memGuarantee", memGuarantee);
            double cpus = cpus(problems, "cpuLimit", cpuLimit);
            double shares = cpus(problems, "cpuGuarantee", cpuGuarantee);
            Gpus g = null;
            if (gpus != null) {
                try {
                    g = Gpus.parse(gpus);
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigException.Problem("gpus", e.getMessage()));
                }
            }
            if (pidsLimit < 0) {
                problems.add(new ConfigException.Problem("pidsLimit", "must be 0 (none) or more"));
            }
            if (stopTimeout == null || stopTimeout.isNegative()) {
                problems.add(new ConfigException.Problem("stopTimeout", "must be zero or more"));
            }
            if (callConcurrency < 1 || pullConcurrency < 1) {
                problems.add(new ConfigException.Problem("concurrency", "must be 1 or more for calls and for pulls"));
            }
            if (pullPolicy == null) {
                problems.add(new ConfigException.Problem("pullPolicy", "is required"));
            }
            if (volumes == null) {
                problems.add(new ConfigException.Problem("volumes", "is required (DockerVolumes.none() for none)"));
            }
            for (String field : optionChoices.keySet()) {
                if (!SpawnChoices.FIELDS.subList(1, 4).contains(field)) {
                    problems.add(new ConfigException.Problem("options." + field, "is not a spawn option; offered: "
                            + SpawnChoices.FIELDS));
                    continue;
                }
                for (Choice c : optionChoices.get(field)) {
                    try {
                        switch (field) {
                            case "memLimit" -> Sizes.parse(c.value());
                            case "cpuLimit" -> Sizes.cpus(c.value());
                            default -> {
                                if (!c.value().equals("none")) {
                                    Gpus.parse(c.value());
                                }
                            }
                        }
                    } catch (IllegalArgumentException e) {
                        problems.add(new ConfigException.Problem("options." + field, "the choice '" + c.value() + "' " + e.getMessage()));
                    }
                }
            }
            imageChoices.forEach((c, i) -> {
                if (i == null || i.isBlank()) {
                    problems.add(new ConfigException.Problem("options.image", "the choice '" + c.value() + "' names no image"));
                }
            });
            SpawnChoices sc = null;
            try {
                sc = SpawnChoices.of(imageChoices, optionDefaults, optionChoices);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigException.Problem("options", e.getMessage()));
            }
            if (!problems.isEmpty()) {
                throw ConfigException.of(problems);
            }
            return new DockerSpawner(this, sc, new Limits(mem, memReserved, cpus, shares, pidsLimit, g));
        }

        private static long size(List<ConfigException.Problem> problems, String field, String value) {
            if (value == null) {
                return 0;
            }
            try {
                return Sizes.parse(value);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigException.Problem(field, e.getMessage()));
                return 0;
            }
        }

        private static double cpus(List<ConfigException.Problem> problems, String field, String value) {
            if (value == null) {
                return 0;
            }
            try {
                return Sizes.cpus(value);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigException.Problem(field, e.getMessage()));
                return 0;
            }
        }
    }
}
