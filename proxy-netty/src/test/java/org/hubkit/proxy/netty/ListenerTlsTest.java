package org.hubkit.proxy.netty;

import org.hubkit.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the listeners, started from configurable-http-proxy's flags as {@link ProxyMain} does:
 * client certificates on the public side ({@code --ssl-ca}, {@code --ssl-request-cert}) and on
 * the REST API ({@code --api-ssl-*}, what JupyterHub's {@code internal_ssl} passes), protocol and
 * cipher restrictions, and the flags that are accepted without effect.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerTlsTest {
    private static final String TOKEN = "api-t0ken";
    @TempDir
    static Path dir;
    static TestPki pki;
    @RegisterExtension
    final Resources resources = new Resources();

    @BeforeAll
    static void certificates() throws Exception {
        pki = new TestPki(dir);
    }

    private ChpCompatibleProxy launch(String... flags) throws Exception {
        return launch(Map.of(), flags);
    }

    private ChpCompatibleProxy launch(Map<String, String> env, String... flags) throws Exception {
        Backend backend = resources.track(Backend.start("backend"));
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--default-target", backend.uri().toString()));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("CONFIGPROXY_AUTH_TOKEN", TOKEN);
        return resources.track(ChpApiTest.launch(all, args.toArray(String[]::new)));
    }

    private static String[] publicTls(String... more) {
        List<String> args = new ArrayList<>(List.of("--ssl-key", pki.server.key().toString(), "--ssl-cert",
                pki.server.cert().toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** @return the response's first line, over a TLS connection with this client's context and protocols */
    private static String getOverTls(int port, SSLContext context, String... protocols) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters p = socket.getSSLParameters();
            if (protocols.length > 0) {
                p.setProtocols(protocols);
            }
            socket.setSSLParameters(p);
            try (RawHttp raw = new RawHttp(socket)) {
                RawHttp.Response res = raw.get("/x");
                return res.status() + " " + res.body() + " " + socket.getSession().getProtocol() + " "
                        + socket.getSession().getCipherSuite();
            }
        }
    }

    @Test
    void requestCertRefusesClientsWithoutACertificateSignedByTheCa() throws Exception {
        ChpCompatibleProxy chp = launch(publicTls("--ssl-ca", pki.ca.cert().toString(), "--ssl-request-cert",
                "--ssl-reject-unauthorized"));
        int port = chp.proxy().port();

        assertThat(getOverTls(port, TestPki.context(pki.client, pki.ca))).startsWith("200 backend /x");
        assertThatThrownBy(() -> getOverTls(port, TestPki.context(null, pki.ca))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> getOverTls(port, TestPki.context(pki.untrusted, pki.ca))).isInstanceOf(IOException.class);
    }

    @Test
    void withoutRequestCertClientsNeedNoCertificate() throws Exception {
        ChpCompatibleProxy chp = launch(publicTls("--ssl-ca", pki.ca.cert().toString(), "--ssl-reject-unauthorized"));

        assertThat(getOverTls(chp.proxy().port(), TestPki.context(null, pki.ca))).startsWith("200 backend /x");
        assertThat(chp.proxy().listenerTls()).hasValueSatisfying(
                t -> assertThat(t.clientAuth()).isEqualTo(ListenerTls.ClientAuth.NONE));
    }

    @Test
    void requestClientAuthAcceptsAnyCertificateOrNone() throws Exception {
        Backend backend = resources.track(Backend.start("backend"));
        NettyProxy proxy = resources.track(TestProxies.started(NettyProxy.builder().tls(ListenerTls.builder(
                pki.server.cert(), pki.server.key()).clientAuth(ListenerTls.ClientAuth.REQUEST).clientCa(pki.ca.cert())
                .build()), "/", backend.uri()));

        assertThat(getOverTls(proxy.port(), TestPki.context(null, pki.ca))).startsWith("200");
        assertThat(getOverTls(proxy.port(), TestPki.context(pki.untrusted, pki.ca))).startsWith("200");
    }

    @Test
    void sslProtocolTlsV12RefusesClientsThatOnlySpeakTlsV13() throws Exception {
        ChpCompatibleProxy chp = launch(publicTls("--ssl-protocol", "TLSv1_2"));
        SSLContext client = TestPki.context(null, pki.ca);

        assertThat(getOverTls(chp.proxy().port(), client)).contains(" TLSv1.2 ");
        assertThatThrownBy(() -> getOverTls(chp.proxy().port(), client, "TLSv1.3")).isInstanceOf(IOException.class);
        assertThat(chp.proxy().listenerTls().orElseThrow().protocols()).containsExactly("TLSv1.2");
    }

    @Test
    void sslCiphersInOpenSslNamesRestrictTheCipherSuite() throws Exception {
        ChpCompatibleProxy chp = launch(publicTls("--ssl-protocol", "TLSv1_2_method", "--ssl-ciphers",
                "ECDHE-ECDSA-AES256-GCM-SHA384:!RC4:!aNULL"));

        assertThat(getOverTls(chp.proxy().port(), TestPki.context(null, pki.ca)))
                .endsWith(" TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }

    @Test
    void unknownProtocolsAndUnusableCipherListsFailNamingTheFlag() {
        assertThatThrownBy(() -> CommandLine.parse(publicTls("--ssl-protocol", "TLSv9"), Map.of()))
                .isInstanceOf(CommandLine.UsageException.class).hasMessageContaining("--ssl-protocol")
                .hasMessageContaining("'TLSv9'");
        assertThatThrownBy(() -> CommandLine.parse(publicTls("--ssl-protocol", "SSLv3"), Map.of()))
                .hasMessageContaining("--ssl-protocol").hasMessageContaining("does not enable");
        assertThatThrownBy(() -> CommandLine.parse(publicTls("--ssl-ciphers", "NOT-A-CIPHER"), Map.of()))
                .hasMessageContaining("--ssl-ciphers").hasMessageContaining("'NOT-A-CIPHER'");
        assertThatThrownBy(() -> CommandLine.parse(publicTls("--ssl-ciphers", "HIGH:!ALL"), Map.of()))
                .hasMessageContaining("--ssl-ciphers").hasMessageContaining("leaves no");
    }

    @Test
    void mapsNodeProtocolNamesAndOpenSslCipherListsToTheJdks() throws Exception {
        CommandLine cli = CommandLine.parse(publicTls("--ssl-protocol", "TLSv1_3", "--ssl-ciphers",
                "ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:!RC4"), Map.of());
        ListenerTls tls = cli.builder.build().proxy().listenerTls().orElseThrow();

        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        assertThat(tls.cipherSuites()).startsWith("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").contains("TLS_AES_128_GCM_SHA256");
        assertThat(CommandLine.parse(publicTls("--ssl-protocol", "TLS_method"), Map.of()).builder.build().proxy()
                .listenerTls().orElseThrow().protocols()).isEmpty();
    }

    @Test
    void allowRc4AndDhparamAreAcceptedWithAWarningThatTheyDoNothing() throws Exception {
        Path dhparam = Files.writeString(dir.resolve("dhparam.pem"), "-----BEGIN DH PARAMETERS-----\n");
        CommandLine cli = CommandLine.parse(publicTls("--ssl-allow-rc4", "--ssl-dhparam", dhparam.toString()), Map.of());

        assertThat(cli.warnings).anySatisfy(w -> assertThat(w).contains("--ssl-allow-rc4").contains("no effect"));
        assertThat(cli.warnings).anySatisfy(w -> assertThat(w).contains("--ssl-dhparam").contains("not used"));
        assertThatThrownBy(() -> CommandLine.parse(publicTls("--ssl-dhparam", dir.resolve("none.pem").toString()),
                Map.of())).hasMessageContaining("--ssl-dhparam").hasMessageContaining("none.pem");
    }

    @Test
    void clientSslFlagsAndInsecureConfigureTheTargetTls() throws Exception {
        CommandLine cli = CommandLine.parse(new String[] {"--client-ssl-key", pki.client.key().toString(),
                "--client-ssl-cert", pki.client.cert().toString(), "--client-ssl-ca", pki.ca.cert().toString(),
                "--client-ssl-request-cert", "--client-ssl-reject-unauthorized", "--insecure"}, Map.of());
        TargetTls tls = cli.builder.build().proxy().targetTls();

        assertThat(tls.trustedCertificates()).contains(pki.ca.cert());
        assertThat(tls.clientCertificateChain()).contains(pki.client.cert());
        assertThat(tls.clientPrivateKey()).contains(pki.client.key());
        assertThat(tls.insecure()).isTrue();
        assertThat(CommandLine.parse(new String[0], Map.of()).builder.build().proxy().targetTls())
                .isEqualTo(TargetTls.DEFAULT);
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--client-ssl-key", pki.client.key().toString()},
                Map.of())).hasMessageContaining("--client-ssl-cert");
    }

    @Test
    void restApiSpeaksHttpsAndRequiresACaSignedClientCertificate() throws Exception {
        ChpCompatibleProxy chp = launch("--api-ssl-key", pki.server.key().toString(), "--api-ssl-cert",
                pki.server.cert().toString(), "--api-ssl-ca", pki.ca.cert().toString(), "--api-ssl-request-cert",
                "--api-ssl-reject-unauthorized");
        URI routes = URI.create("https://127.0.0.1:" + chp.apiPort() + "/api/routes");

        HttpResponse<String> res = api(TestPki.context(pki.client, pki.ca), routes);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).contains("\"/\"");
        assertThatThrownBy(() -> api(TestPki.context(null, pki.ca), routes)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> api(TestPki.context(pki.untrusted, pki.ca), routes)).isInstanceOf(IOException.class);
        assertThat(chp.apiTls()).hasValueSatisfying(
                t -> assertThat(t.clientAuth()).isEqualTo(ListenerTls.ClientAuth.REQUIRE));
    }

    private static HttpResponse<String> api(SSLContext context, URI uri) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(uri).header("Authorization", "token " + TOKEN)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void encryptedKeysAreReadWithTheirPassphraseVariables() throws Exception {
        Path publicKey = pki.encryptedKey(pki.server, "public-encrypted.key", "public secret");
        Path apiKey = pki.encryptedKey(pki.server, "api-encrypted.key", "api secret");
        ChpCompatibleProxy chp = launch(Map.of("CONFIGPROXY_SSL_KEY_PASSPHRASE", "public secret",
                        "CONFIGPROXY_API_SSL_KEY_PASSPHRASE", "api secret"),
                "--ssl-key", publicKey.toString(), "--ssl-cert", pki.server.cert().toString(),
                "--api-ssl-key", apiKey.toString(), "--api-ssl-cert", pki.server.cert().toString());

        assertThat(getOverTls(chp.proxy().port(), TestPki.context(null, pki.ca))).startsWith("200 backend /x");
        assertThat(api(TestPki.context(null, pki.ca),
                URI.create("https://127.0.0.1:" + chp.apiPort() + "/api/routes")).statusCode()).isEqualTo(200);

        // each variable is for its own key only, as in configurable-http-proxy
        CommandLine swapped = CommandLine.parse(new String[] {"--api-ssl-key", apiKey.toString(),
                "--api-ssl-cert", pki.server.cert().toString()}, Map.of("CONFIGPROXY_SSL_KEY_PASSPHRASE", "api secret"));
        assertThatThrownBy(swapped.builder::build).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).singleElement().asString().startsWith("apiTls: "));
    }

    @Test
    void unloadableApiCertificateFailsTheBuildNamingApiTls() throws Exception {
        CommandLine cli = CommandLine.parse(new String[] {"--api-ssl-key", dir.resolve("nokey.pem").toString(),
                "--api-ssl-cert", pki.server.cert().toString()}, Map.of());

        assertThatThrownBy(cli.builder::build).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).singleElement().asString().startsWith("apiTls: "));
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--api-ssl-key", "k.pem"}, Map.of()))
                .hasMessageContaining("--api-ssl-cert");
        assertThatThrownBy(() -> ListenerTls.builder(pki.server.cert(), pki.server.key()).protocols(List.of("TLSv7"))
                .build()).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith("protocols: "));
    }
}
