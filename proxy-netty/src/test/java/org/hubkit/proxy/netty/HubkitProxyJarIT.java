package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * configurable-http-proxy's {@code test/cli_spec.js} behaviours against the real launcher:
 * {@code bin/hubkit-proxy} running {@code target/hubkit-proxy.jar} as a subprocess.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HubkitProxyJarIT {
    private static final String TOKEN = "jar-it-token-0123456789";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void basicHttpRequestApiAndSigtermLikeConfigurableHttpProxy() throws Exception {
        int port = LauncherProcess.freePort();
        int apiPort = LauncherProcess.freePort();
        try (Backend backend = Backend.start("default");
                LauncherProcess.Running proxy = new LauncherProcess.Running(new ProcessBuilder(
                        LauncherProcess.script().toString(), "--ip", "127.0.0.1", "--port", String.valueOf(port),
                        "--api-ip", "127.0.0.1", "--api-port", String.valueOf(apiPort),
                        "--default-target", backend.uri().toString(), "--log-level", "info"))) {
            proxy.process.getOutputStream().close();
            assertThat(proxy.awaitLine("Route added /", 30)).as(proxy.output()).isTrue();

            HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/hub/home?token=x")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> routes = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + apiPort + "/api/routes")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(res.body()).isEqualTo("default /hub/home?token=x");
            assertThat(routes.statusCode()).as("open API without CONFIGPROXY_AUTH_TOKEN").isEqualTo(200);
            assertThat(proxy.lines).anySatisfy(l -> assertThat(l).matches(
                    "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[ConfigProxy\\] info: Route added / -> "
                            + backend.uri()));
            assertThat(proxy.lines).anySatisfy(l -> assertThat(l).contains("warn: REST API is not authenticated."));

            proxy.process.destroy(); // SIGTERM
            assertThat(proxy.process.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.process.exitValue()).isEqualTo(2);
            assertThat(proxy.output()).doesNotContain("token=x");
        }
    }

    @Test
    void httpsWithRedirectPortAndTokenFromTheEnvironment() throws Exception {
        int port = LauncherProcess.freePort();
        int apiPort = LauncherProcess.freePort();
        int redirectPort = LauncherProcess.freePort();
        Path tls = Path.of(getClass().getClassLoader().getResource("tls/cert.pem").toURI()).getParent();
        ProcessBuilder pb = new ProcessBuilder(LauncherProcess.script().toString(), "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--api-ip", "127.0.0.1", "--api-port", String.valueOf(apiPort),
                "--ssl-key", tls.resolve("key.pem").toString(), "--ssl-cert", tls.resolve("cert.pem").toString(),
                "--redirect-port", String.valueOf(redirectPort));
        pb.environment().put("CONFIGPROXY_AUTH_TOKEN", TOKEN);
        try (Backend backend = Backend.start("secure");
                LauncherProcess.Running proxy = new LauncherProcess.Running(pb)) {
            assertThat(proxy.awaitLine("Proxy API at", 30)).as(proxy.output()).isTrue();
            HttpResponse<String> denied = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + apiPort + "/api/routes")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> added = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + apiPort + "/api/routes/")).header("Authorization", "token " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"" + backend.uri() + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(TlsClients.trusting(tls.resolve("cert.pem"))).build();
            HttpResponse<String> res = https.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/x")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> redirected = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + redirectPort + "/x?y=1")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(added.statusCode()).isEqualTo(201);
            assertThat(res.body()).isEqualTo("secure /x");
            assertThat(backend.last().header("X-Forwarded-Proto")).isEqualTo("https");
            assertThat(redirected.statusCode()).isEqualTo(301);
            assertThat(redirected.headers().firstValue("location")).contains("https://127.0.0.1:" + port + "/x?y=1");
            assertThat(proxy.output()).doesNotContain(TOKEN);
        }
    }

    @Test
    void sighupReloadsTheTlsCertificateWithoutARestart(@TempDir Path dir) throws Exception {
        Path resources = Path.of(getClass().getClassLoader().getResource("tls/cert.pem").toURI()).getParent();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.copy(resources.resolve("cert.pem"), cert);
        Files.copy(resources.resolve("key.pem"), key);
        int port = LauncherProcess.freePort();
        ProcessBuilder pb = new ProcessBuilder(LauncherProcess.script().toString(), "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--api-ip", "127.0.0.1", "--api-port",
                String.valueOf(LauncherProcess.freePort()), "--ssl-key", key.toString(), "--ssl-cert", cert.toString());
        try (LauncherProcess.Running proxy = new LauncherProcess.Running(pb)) {
            assertThat(proxy.awaitLine("Proxy API at", 30)).as(proxy.output()).isTrue();
            assertThat(TlsClients.servedSubject(port)).isEqualTo("CN=localhost");

            Files.copy(resources.resolve("other-cert.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(resources.resolve("other-key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(proxy.process.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

            assertThat(proxy.awaitLine("SIGHUP: reloading the TLS certificate", 10)).as(proxy.output()).isTrue();
            assertThat(proxy.awaitLine("info: TLS certificate reloaded: CN=reloaded.localhost", 10))
                    .as(proxy.output()).isTrue();
            assertThat(TlsClients.servedSubject(port)).isEqualTo("CN=reloaded.localhost");
            assertThat(proxy.process.isAlive()).as("still the same process").isTrue();
        }
    }

    @Test
    void unknownFlagExitsWithOneNamingIt() throws Exception {
        try (LauncherProcess.Running proxy = new LauncherProcess.Running(
                new ProcessBuilder(LauncherProcess.script().toString(), "--port", "0", "--frobnicate"))) {
            assertThat(proxy.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.process.exitValue()).isEqualTo(1);
            assertThat(proxy.awaitLine("--frobnicate", 5)).as(proxy.output()).isTrue();
        }
    }

    @Test
    void onlyTheLauncherJarBundlesLogback() throws Exception {
        Path target = LauncherProcess.home().resolve("target");
        try (JarFile launcher = new JarFile(target.resolve("hubkit-proxy.jar").toFile());
                JarFile library = new JarFile(target.resolve("proxy-netty-0.1.0-SNAPSHOT.jar").toFile())) {
            assertThat(launcher.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(ProxyMain.class.getName());
            assertThat(launcher.getEntry("logback.xml")).isNotNull();
            assertThat(launcher.getEntry("ch/qos/logback/classic/Logger.class")).isNotNull();
            assertThat(library.getEntry("logback.xml")).isNull();
            assertThat(library.stream().map(e -> e.getName()).filter(n -> n.startsWith("ch/qos") || n.startsWith("io/netty/")))
                    .isEmpty();
        }
        assertThat(Files.isExecutable(LauncherProcess.home().resolve("bin/hubkit-proxy"))).isTrue();
    }

    @Test
    void socketFlagsAndLocationRewriteThroughTheLauncher(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("proxy.sock");
        Path apiSocket = dir.resolve("api.sock");
        try (Backend backend = Backend.start("default")) {
            backend.handle("/login", exchange -> {
                exchange.getResponseHeaders().set("Location", backend.uri("/hub/home").toString());
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            });
            try (LauncherProcess.Running proxy = new LauncherProcess.Running(new ProcessBuilder(
                    LauncherProcess.script().toString(), "--socket", socket.toString(), "--api-socket",
                    apiSocket.toString(), "--auto-rewrite", "--protocol-rewrite", "https",
                    "--default-target", backend.uri().toString()))) {
                proxy.process.getOutputStream().close();
                assertThat(proxy.awaitLine("Route added /", 30)).as(proxy.output()).isTrue();

                try (RawHttp client = new RawHttp(socket); RawHttp api = new RawHttp(apiSocket)) {
                    assertThat(client.get("/hub/").body()).isEqualTo("default /hub/");
                    RawHttp.Response redirect = client.exchange("GET", "/login", "");
                    assertThat(redirect.status()).isEqualTo(302);
                    assertThat(redirect.header("Location")).isEqualTo("https://localhost/hub/home");
                    assertThat(api.get("/api/routes").body()).contains("\"/\"");
                }
                assertThat(proxy.lines).anySatisfy(l -> assertThat(l).contains("info: Proxying http://" + socket + " to "));
                assertThat(proxy.lines).anySatisfy(l -> assertThat(l).contains("info: AutoRewrite of Location headers enabled."));

                proxy.process.destroy(); // SIGTERM
                assertThat(proxy.process.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(proxy.process.exitValue()).isEqualTo(2);
            }
        }
        assertThat(socket).as("deleted on exit").doesNotExist();
        assertThat(apiSocket).doesNotExist();
    }

    @Test
    void aSocketFlagWithItsPortFlagExits1NamingBoth() throws Exception {
        try (LauncherProcess.Running proxy = new LauncherProcess.Running(new ProcessBuilder(
                LauncherProcess.script().toString(), "--api-socket", "/tmp/hubkit-never.sock", "--api-port", "8001"))) {
            assertThat(proxy.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(proxy.process.exitValue()).isEqualTo(1);
            assertThat(proxy.output()).contains("error: option '--api-socket' cannot be used with option '--api-port'");
        }
    }
}
