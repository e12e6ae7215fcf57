package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding example in README.md is this code: the test fails if the two drift apart or the example stops working. */
class ReadmeExampleTest {
    @TempDir
    Path dataDir;

    static Hub startHub(int proxyPort, Path dataDir, String password) {
        // README-START
        Hub hub = Hub.builder()
                .spawner(LocalProcessSpawner.builder().build())             // jupyterhub-singleuser per user
                .authenticator(SharedPasswordAuthenticator.builder()
                        .password(password)
                        .accessRules(AccessRules.allow(Set.of("alice", "bob")))
                        .build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dataDir))                             // or Database.of("jdbc:postgresql://...")
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .port(0)                                                    // the hub's own API port; 8081 by default
                .build();
        hub.start();
        // README-END
        return hub;
    }

    @Test
    void readmeShowsTheCompiledExampleAndTheExampleServesTheHubThroughTheProxy() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/core/ReadmeExampleTest.java"));
        String snippet = source.substring(source.indexOf("// README-START") + "// README-START".length(),
                source.indexOf("// README-END")).stripIndent().strip();
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme.replaceAll("\\s+", " ")).contains(snippet.replaceAll("\\s+", " "));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Hub hub = startHub(port, dataDir, "a shared password")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hub/api/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-JupyterHub-Version")).isPresent();
            HttpResponse<String> login = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hub/login")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.body()).contains("name=\"password\"");
        }
    }
}
