package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example is this code: it compiles, and the hub it describes builds. */
class ReadmeExampleTest {
    @TempDir
    Path dataDir;

    static Hub buildHub(int proxyPort, Path dataDir, String password) {
        // README-START
        Hub hub = Hub.builder()
                .spawner(DockerSpawner.builder()
                        .image("quay.io/jupyter/base-notebook:2024-12-02")         // the only required setting
                        .memLimit("2G")
                        .cpuLimit("1")
                        .build())
                .volumePolicy(VolumePolicy.none())                                  // the spawner's own volumes (the default: a volume per user)
                .authenticator(SharedPasswordAuthenticator.builder()
                        .password(password)
                        .accessRules(AccessRules.allow(Set.of("alice", "bob")))
                        .build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dataDir))
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .build();
        // README-END
        return hub;
    }

    @Test
    void theReadmeShowsThisHubAndItBuilds() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/docker/ReadmeExampleTest.java"), StandardCharsets.UTF_8);
        String snippet = source.substring(source.indexOf("// README-START\n") + 16, source.indexOf("        // README-END"))
                .lines().map(l -> l.substring(8)).reduce("", (a, b) -> a + b + "\n");
        assertThat(Files.readString(Path.of("README.md"), StandardCharsets.UTF_8)).contains("```java\n" + snippet + "```");
        Hub hub = buildHub(0, dataDir, "a long shared password");
        assertThat(hub).isNotNull();
        hub.close();
    }
}
