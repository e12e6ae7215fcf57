package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * configurable-http-proxy's {@code test/cli_spec.js} behaviours and its flag handling, in-process
 * through {@link ProxyMain#launch} (the jar itself is run by {@code HubkitProxyJarIT}).
 */
class ProxyMainTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void basicHttpRequestThroughTheDefaultTargetLogsRouteAdded() throws Exception {
        try (LogCapture logs = new LogCapture("org.hubkit.proxy.netty", Level.INFO, true);
                Backend backend = Backend.start("default");
                ChpCompatibleProxy chp = ChpApiTest.launch(Map.of("CONFIGPROXY_AUTH_TOKEN", "t0ken"),
                        "--default-target", backend.uri().toString())) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + chp.proxy().port() + "/")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(res.body()).isEqualTo("default /");
            List<String> lines = logs.messages();
            assertThat(lines).contains("Route added / -> " + backend.uri());
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("Proxying http://127.0.0.1:"));
            assertThat(lines).noneSatisfy(l -> assertThat(l).contains("t0ken"));
        }
    }

    @Test
    void defaultsFollowConfigurableHttpProxy() throws Exception {
        CommandLine cli = CommandLine.parse(new String[0], Map.of());
        ChpCompatibleProxy chp = cli.builder.build();

        assertThat(chp.proxy().port()).isEqualTo(8000);
        assertThat(chp.apiPort()).isEqualTo(8001);
        assertThat(chp.proxy().ip()).isEmpty();
        assertThat(chp.proxy().prependPath()).isTrue();
        assertThat(chp.proxy().includePrefix()).isTrue();
        assertThat(chp.proxy().xForward()).isTrue();
        assertThat(chp.proxy().hostRouting()).isFalse();
        // no flags for them in configurable-http-proxy: Node 20's http server defaults
        assertThat(chp.proxy().headersTimeout()).contains(java.time.Duration.ofSeconds(60));
        assertThat(chp.proxy().requestTimeout()).contains(java.time.Duration.ofSeconds(300));
        assertThat(chp.metricsPort()).isEqualTo(-1);
        assertThat(cli.logLevel).isEqualTo("info");
    }

    @Test
    void flagsMapToTheProxysOptions() throws Exception {
        CommandLine cli = CommandLine.parse(new String[] {"--ip", "*", "--port=9000", "--api-port", "9100",
                "--host-routing", "--no-prepend-path", "--no-include-prefix", "--no-x-forward", "--timeout", "1500",
                "--proxy-timeout", "2500", "--keep-alive-timeout", "7000", "--error-target", "http://127.0.0.1:8081/hub/error",
                "--log-level", "DEBUG"}, Map.of());
        NettyProxy proxy = cli.builder.build().proxy();

        assertThat(proxy.ip()).isEmpty();
        assertThat(proxy.port()).isEqualTo(9000);
        assertThat(proxy.hostRouting()).isTrue();
        assertThat(proxy.prependPath()).isFalse();
        assertThat(proxy.includePrefix()).isFalse();
        assertThat(proxy.xForward()).isFalse();
        assertThat(proxy.timeout()).hasValueSatisfying(d -> assertThat(d.toMillis()).isEqualTo(1500));
        assertThat(proxy.proxyTimeout()).hasValueSatisfying(d -> assertThat(d.toMillis()).isEqualTo(2500));
        assertThat(proxy.keepAliveTimeout().toMillis()).isEqualTo(7000);
        assertThat(proxy.errorTarget()).contains(URI.create("http://127.0.0.1:8081/hub/error"));
        assertThat(cli.logLevel).isEqualTo("debug");
        assertThat(cli.warnings).singleElement().satisfies(w -> assertThat(w).contains("all-interfaces"));
        assertThat(CommandLine.logLevel(new String[] {"--log-level=WARN"})).isEqualTo("warn");
    }

    @Test
    void unknownFlagsFailNamingTheFlag() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port", "1", "--frobnicate"}, Map.of()))
                .hasMessage("error: unknown option '--frobnicate'");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"stray"}, Map.of()))
                .hasMessageContaining("'stray'");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port"}, Map.of()))
                .hasMessage("error: option '--port' argument missing");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port", "http"}, Map.of()))
                .hasMessageContaining("--port");
    }

    @Test
    void storageBackendIsRefusedSayingWhyAndWhatToDo() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--storage-backend", "./redis-store.js"}, Map.of()))
                .hasMessageStartingWith("error: option '--storage-backend' is not supported")
                .hasMessageContaining("Node.js module").hasMessageContaining("in memory")
                .hasMessageContaining("Remove the flag");
    }

    @Test
    void rewriteFlagsSetTheProxysOptionsAndAreLoggedAsConfigurableHttpProxyDoes() throws Exception {
        CommandLine cli = CommandLine.parse(new String[] {"--auto-rewrite", "--protocol-rewrite", "https"}, Map.of());
        NettyProxy proxy = cli.builder.build().proxy();

        assertThat(proxy.autoRewrite()).isTrue();
        assertThat(proxy.protocolRewrite()).contains("https");
        assertThat(cli.notes).containsExactly("AutoRewrite of Location headers enabled.",
                "ProtocolRewrite enabled. Rewriting to https");
        assertThat(CommandLine.parse(new String[0], Map.of()).builder.build().proxy().autoRewrite()).isFalse();
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--protocol-rewrite=gopher"}, Map.of()))
                .hasMessage("error: option '--protocol-rewrite' must be http or https (got 'gopher')");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--auto-rewrite=yes"}, Map.of()))
                .hasMessage("error: option '--auto-rewrite' takes no value");
    }

    @Test
    void everyFlagOfConfigurableHttpProxy53IsHandledOrRefusedByName() throws Exception {
        // bin/configurable-http-proxy of 5.3.0, long names
        String[] all = {"--ip", "--port", "--socket", "--ssl-key", "--ssl-cert", "--ssl-ca", "--ssl-request-cert",
                "--ssl-reject-unauthorized", "--ssl-protocol", "--ssl-ciphers", "--ssl-allow-rc4", "--ssl-dhparam",
                "--api-ip", "--api-port", "--api-socket", "--api-ssl-key", "--api-ssl-cert", "--api-ssl-ca",
                "--api-ssl-request-cert", "--api-ssl-reject-unauthorized", "--client-ssl-key", "--client-ssl-cert",
                "--client-ssl-ca", "--client-ssl-request-cert", "--client-ssl-reject-unauthorized", "--default-target",
                "--error-target", "--error-path", "--redirect-port", "--redirect-to", "--pid-file", "--no-x-forward",
                "--no-prepend-path", "--no-include-prefix", "--auto-rewrite", "--change-origin", "--protocol-rewrite",
                "--custom-header", "--insecure", "--host-routing", "--metrics-ip", "--metrics-port", "--metrics-socket",
                "--log-level", "--timeout", "--proxy-timeout", "--storage-backend", "--keep-alive-timeout"};
        for (String flag : all) {
            try {
                CommandLine.parse(new String[] {flag, "1"}, Map.of());
            } catch (CommandLine.UsageException e) {
                assertThat(e.getMessage()).as(flag).doesNotContain("unknown option");
            }
        }
    }

    @Test
    void invalidCustomHeaderFails() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--custom-header", "nocolon"}, Map.of()))
                .hasMessage("A colon was expected in custom header: nocolon");
    }

    @Test
    void inconsistentFlagsFailAsConfigurableHttpProxyDoes() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--redirect-port", "8080"}, Map.of()))
                .hasMessage("HTTPS redirection specified but certificates not provided.");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--error-target", "http://h", "--error-path", "/tmp"},
                Map.of())).hasMessage("Cannot specify both error-target and error-path. Pick one.");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--log-level", "loud"}, Map.of()))
                .hasMessageContaining("--log-level");
    }

    @Test
    void unreadableTlsFilesFailNamingTheSetting() throws Exception {
        CommandLine cli = CommandLine.parse(new String[] {"--ssl-key", "/nonexistent/key.pem", "--ssl-cert",
                "/nonexistent/cert.pem"}, Map.of());

        assertThatThrownBy(cli.builder::build).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("tls: ")));
    }
}
