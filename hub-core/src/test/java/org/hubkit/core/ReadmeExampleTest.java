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

/**
 * The hub in README.md's program is this code, and so is {@link Hub}'s Javadoc example: the test
 * fails if they drift apart or the hub they build stops working. The whole program, imports and
 * {@code main} included, is compiled and run as printed, outside this build, by
 * {@code examples/sdk-consumer}.
 */
class ReadmeExampleTest {
    @TempDir
    Path dataDir;

    static Hub buildHub(int proxyPort, Path dataDir, String password) {
        // README-START
        Hub hub = Hub.builder()
                .spawner(LocalProcessSpawner.builder().build())             // jupyterhub-singleuser per user
                .authenticator(SharedPasswordAuthenticator.builder()
                        .password(password)
                        .accessRules(AccessRules.allow(Set.of("alice", "bob")))
                        .build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .database(Database.h2(dataDir))                             // also homes in dataDir/users, logs in dataDir/logs
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .port(0)                                                    // the hub's own API port; 8081 by default
                .build();
        // README-END
        return hub;
    }

    private static String oneLine(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    private static String readmeProgram() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int marker = readme.indexOf("<!-- examples/sdk-consumer compiles and runs this program as printed -->");
        assertThat(marker).as("README.md marks its program").isNotNegative();
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        return readme.substring(start, readme.indexOf("\n```", start));
    }

    @Test
    void theReadmeProgramAndHubsJavadocBuildTheHubThisTestBuilds() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/hubkit/core/ReadmeExampleTest.java"));
        String snippet = source.substring(source.indexOf("// README-START") + "// README-START".length(),
                source.indexOf("// README-END"));
        String program = readmeProgram();
        assertThat(oneLine(program)).contains(oneLine(snippet));

        String hubSource = Files.readString(Path.of("src/main/java/org/hubkit/core/Hub.java"));
        int pre = hubSource.indexOf("<pre>{@code\n");
        String javadocExample = hubSource.substring(pre + "<pre>{@code\n".length(), hubSource.indexOf("}</pre>", pre))
                .replaceAll("(?m)^ \\* ?", "");
        assertThat(oneLine(javadocExample)).contains(oneLine(snippet)).contains("hub.awaitShutdown();");
        assertThat(oneLine(program)).as("Hub's Javadoc example is part of the README's program").contains(oneLine(javadocExample));
    }

    @Test
    void theHubServesItsLoginPageThroughTheProxyAndKeepsItsFilesInTheDatabasesDirectory() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Hub hub = buildHub(port, dataDir, "a shared password").start()) {
            assertThat(hub.dataDirectory()).isEqualTo(dataDir.toAbsolutePath());
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hub/api/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-JupyterHub-Version")).isPresent();
            HttpResponse<String> login = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hub/login")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.body()).contains("name=\"password\"");
            assertThat(dataDir.resolve("hubkit.mv.db")).exists();
        }
    }
}
