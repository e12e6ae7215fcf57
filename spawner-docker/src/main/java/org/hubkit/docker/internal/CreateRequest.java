package org.hubkit.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hubkit.api.Mount;

/**
 * The JSON body of {@code POST /containers/create}, built from what the spawner models and then
 * merged with {@code extraCreateConfig} and {@code extraHostConfig}: an extra mapping is merged
 * into the mapping it replaces key by key (recursively), any other extra value replaces ours. The
 * hub's labels and the server's environment are applied last and cannot be overridden, so the
 * hub always finds its containers and the server always gets the hub's variables. Not
 * thread-safe; one per create.
 */
public final class CreateRequest {
    /** The port the single-user server listens on inside its container, as DockerSpawner's. */
    public static final int SERVER_PORT = 8888;
    static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode body = JSON.createObjectNode();
    private final ObjectNode host = body.putObject("HostConfig");

    /**
     * @param image the image's name or id
     * @param command the command and its arguments, or null for the image's own
     * @param workDir the working directory, or null for the image's own
     */
    public CreateRequest(String image, List<String> command, String workDir) {
        body.put("Image", image);
        if (command != null) {
            ArrayNode cmd = body.putArray("Cmd");
            command.forEach(cmd::add);
        }
        if (workDir != null) {
            body.put("WorkingDir", workDir);
        }
        body.putObject("ExposedPorts").putObject(SERVER_PORT + "/tcp");
    }

    /**
     * @param network the network's name ({@code bridge}, {@code host}, a user-defined one)
     * @param publishOn the host IP to publish the server port on (a random host port), or null for none
     * @return this
     */
    public CreateRequest network(String network, String publishOn) {
        host.put("NetworkMode", network);
        if (publishOn != null) {
            host.putObject("PortBindings").putArray(SERVER_PORT + "/tcp").addObject().put("HostIp", publishOn).put("HostPort", "");
        }
        return this;
    }

    /**
     * @param limits the limits; zero fields are left out
     * @return this
     */
    public CreateRequest limits(Limits limits) {
        if (limits.memLimit() > 0) {
            host.put("Memory", limits.memLimit());
        }
        if (limits.memGuarantee() > 0) {
            host.put("MemoryReservation", limits.memGuarantee());
        }
        if (limits.cpuLimit() > 0) {
            host.put("NanoCpus", Math.round(limits.cpuLimit() * 1e9));
        }
        if (limits.cpuGuarantee() > 0) {
            host.put("CpuShares", Math.max(2, Math.round(limits.cpuGuarantee() * 1024)));
        }
        if (limits.pidsLimit() > 0) {
            host.put("PidsLimit", limits.pidsLimit());
        }
        if (limits.gpus() != null) {
            ObjectNode request = host.putArray("DeviceRequests").addObject();
            request.put("Driver", "nvidia");
            request.put("Count", limits.gpus().count());
            ArrayNode ids = request.putArray("DeviceIDs");
            limits.gpus().deviceIds().forEach(ids::add);
            request.putArray("Capabilities").addArray().add("gpu");
            request.putObject("Options");
        }
        return this;
    }

    /**
     * @param mounts the mounts, each realised: a {@link Mount.Kind#VOLUME} as a named volume, a
     *        {@link Mount.Kind#DIRECTORY} as a bind mount
     * @return this
     */
    public CreateRequest mounts(List<Mount> mounts) {
        ArrayNode out = host.putArray("Mounts");
        for (Mount m : mounts) {
            out.addObject().put("Type", m.kind() == Mount.Kind.VOLUME ? "volume" : "bind")
                    .put("Source", m.source()).put("Target", m.target()).put("ReadOnly", m.readOnly());
        }
        return this;
    }

    /**
     * @param extraCreate merged into the body
     * @param extraHost merged into {@code HostConfig}
     * @return this
     */
    public CreateRequest extra(JsonNode extraCreate, JsonNode extraHost) {
        if (extraCreate != null) {
            merge(body, extraCreate);
        }
        if (extraHost != null) {
            merge(body.with("HostConfig"), extraHost);
        }
        return this;
    }

    /**
     * @param environment the server's environment, set last
     * @param labels the hub's labels, set last
     * @return the body
     */
    public ObjectNode finish(Map<String, String> environment, Map<String, String> labels) {
        ArrayNode env = body.putArray("Env");
        environment.forEach((k, v) -> env.add(k + "=" + v));
        ObjectNode l = body.get("Labels") instanceof ObjectNode existing ? existing : body.putObject("Labels");
        labels.forEach(l::put);
        return body;
    }

    /**
     * Merges {@code extra} into {@code into}: mappings key by key, recursively; anything else replaced.
     *
     * @param into the mapping to change
     * @param extra what to merge in
     */
    public static void merge(ObjectNode into, JsonNode extra) {
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = into.get(e.getKey());
            if (mine instanceof ObjectNode m && e.getValue().isObject()) {
                merge(m, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    /**
     * The limits of one container.
     *
     * @param memLimit bytes, 0 for none
     * @param memGuarantee bytes reserved (a soft limit), 0 for none
     * @param cpuLimit CPUs, 0 for none
     * @param cpuGuarantee CPUs' worth of shares (1024 per CPU), 0 for the engine's default
     * @param pidsLimit processes, 0 for none
     * @param gpus the GPUs to request, or null for none
     */
    public record Limits(long memLimit, long memGuarantee, double cpuLimit, double cpuGuarantee, long pidsLimit, Gpus gpus) {
        /** No limits. */
        public static final Limits NONE = new Limits(0, 0, 0, 0, 0, null);
    }
}
