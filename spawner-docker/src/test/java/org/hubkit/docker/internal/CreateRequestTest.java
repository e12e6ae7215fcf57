package org.hubkit.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.hubkit.api.Mount;
import org.junit.jupiter.api.Test;

class CreateRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void limitsMountsAndPortsAreWrittenInTheEngineApisNames() {
        ObjectNode body = new CreateRequest("img:1", List.of("start.sh"), "/home/jovyan")
                .network("bridge", "127.0.0.1")
                .limits(new CreateRequest.Limits(256L << 20, 128L << 20, 1.5, 0.25, 100, Gpus.parse("2")))
                .mounts(List.of(new Mount(Mount.Kind.VOLUME, "home-alice", "/home/jovyan/work", false),
                        new Mount(Mount.Kind.DIRECTORY, "/srv/data", "/data", true)))
                .finish(Map.of("A", "1"), Map.of("org.hubkit.hub", "h"));
        JsonNode host = body.get("HostConfig");
        assertThat(host.get("Memory").asLong()).isEqualTo(268435456L);
        assertThat(host.get("MemoryReservation").asLong()).isEqualTo(134217728L);
        assertThat(host.get("NanoCpus").asLong()).isEqualTo(1_500_000_000L);
        assertThat(host.get("CpuShares").asInt()).isEqualTo(256);
        assertThat(host.get("PidsLimit").asInt()).isEqualTo(100);
        assertThat(host.get("DeviceRequests").toString())
                .isEqualTo("[{\"Driver\":\"nvidia\",\"Count\":2,\"DeviceIDs\":[],\"Capabilities\":[[\"gpu\"]],\"Options\":{}}]");
        assertThat(host.get("PortBindings").toString()).isEqualTo("{\"8888/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}");
        assertThat(host.get("Mounts").toString()).isEqualTo("[{\"Type\":\"volume\",\"Source\":\"home-alice\",\"Target\":"
                + "\"/home/jovyan/work\",\"ReadOnly\":false},{\"Type\":\"bind\",\"Source\":\"/srv/data\",\"Target\":\"/data\",\"ReadOnly\":true}]");
        assertThat(body.get("Env").toString()).isEqualTo("[\"A=1\"]");
    }

    @Test
    void extrasMergeKeyByKeyAndWinExceptForTheHubsLabelsAndEnvironment() throws Exception {
        ObjectNode body = new CreateRequest("img", null, null).network("bridge", null)
                .limits(new CreateRequest.Limits(1L << 30, 0, 0, 0, 0, null))
                .extra(JSON.readTree("{\"Hostname\":\"nb\",\"Labels\":{\"team\":\"a\",\"org.hubkit.hub\":\"forged\"},"
                        + "\"Env\":[\"JUPYTERHUB_API_TOKEN=forged\"]}"),
                        JSON.readTree("{\"Memory\":2147483648,\"ShmSize\":1073741824,\"CapAdd\":[\"SYS_PTRACE\"]}"))
                .finish(Map.of("JUPYTERHUB_API_TOKEN", "real"), Map.of("org.hubkit.hub", "h"));
        assertThat(body.get("Hostname").asText()).isEqualTo("nb");
        assertThat(body.get("HostConfig").get("Memory").asLong()).as("extraHostConfig wins").isEqualTo(2147483648L);
        assertThat(body.get("HostConfig").get("NetworkMode").asText()).as("merged, not replaced").isEqualTo("bridge");
        assertThat(body.get("HostConfig").get("CapAdd").toString()).isEqualTo("[\"SYS_PTRACE\"]");
        assertThat(body.get("Labels").toString()).isEqualTo("{\"team\":\"a\",\"org.hubkit.hub\":\"h\"}");
        assertThat(body.get("Env").toString()).isEqualTo("[\"JUPYTERHUB_API_TOKEN=real\"]");
        assertThat(body.has("Cmd")).as("the image's own command").isFalse();
    }

    @Test
    void theHubsLoopbackUrlBecomesTheGatewayInEveryVariableThatStartsWithIt() {
        Map<String, String> env = Map.of("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api",
                "JUPYTERHUB_ACTIVITY_URL", "http://127.0.0.1:8081/hub/api/users/a/activity",
                "OTHER", "http://127.0.0.1:80811/x", "JUPYTERHUB_SERVICE_PREFIX", "/user/a/");
        Map<String, String> out = HubAddress.rewrite(env, "172.17.0.1");
        assertThat(out).containsEntry("JUPYTERHUB_API_URL", "http://172.17.0.1:8081/hub/api")
                .containsEntry("JUPYTERHUB_ACTIVITY_URL", "http://172.17.0.1:8081/hub/api/users/a/activity")
                .containsEntry("OTHER", "http://127.0.0.1:80811/x").containsEntry("JUPYTERHUB_SERVICE_PREFIX", "/user/a/");
        Map<String, String> inContainer = Map.of("JUPYTERHUB_API_URL", "http://hub:8081/hub/api");
        assertThat(HubAddress.rewrite(inContainer, "172.17.0.1")).isEqualTo(inContainer);
        assertThat(HubAddress.rewrite(Map.of("JUPYTERHUB_API_URL", "http://localhost:8081/hub/api"), "10.0.0.1"))
                .containsEntry("JUPYTERHUB_API_URL", "http://10.0.0.1:8081/hub/api");
        assertThat(HubAddress.hubPort(env)).isEqualTo(8081);
    }
}
