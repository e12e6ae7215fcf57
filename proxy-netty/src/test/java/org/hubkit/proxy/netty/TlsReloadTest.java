package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's certificate is re-read from its PEM files when they change, without a restart:
 * new connections get the new one, open ones go on with theirs. The two pairs are self-signed
 * test certificates in {@code src/test/resources/tls}: RSA {@code CN=localhost} and EC
 * {@code CN=reloaded.localhost}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsReloadTest {
    private static final String FIRST = "CN=localhost";
    private static final String SECOND = "CN=reloaded.localhost";

    @TempDir
    Path dir;
    private Path cert;
    private Path key;
    private Backend backend;
    private NettyProxy proxy;

    @BeforeEach
    void files() throws Exception {
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        install("cert.pem", cert);
        install("key.pem", key);
        backend = Backend.start("secure");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private void start(Duration reloadInterval) {
        proxy = TestProxies.started(NettyProxy.builder().tls(cert, key, null).tlsReloadInterval(reloadInterval), "/",
                backend.uri());
    }

    /** Replaces {@code target} the way a certificate renewal usually does: a new file renamed over it. */
    private void install(String resource, Path target) throws IOException, URISyntaxException {
        Path source = Path.of(getClass().getClassLoader().getResource("tls/" + resource).toURI());
        Path temp = Files.createTempFile(dir, "new", ".pem");
        Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private SSLSocket connect() throws Exception {
        return TlsClients.connectTrustingAll(proxy.port());
    }

    /** @return the subject of the certificate a new connection gets */
    private String served() throws Exception {
        return TlsClients.servedSubject(proxy.port());
    }

    private String awaitServed(String expected) throws Exception {
        String got = served();
        for (int i = 0; i < 100 && !got.equals(expected); i++) {
            Thread.sleep(100);
            got = served();
        }
        return got;
    }

    @Test
    void servesTheNewCertificateToNewConnectionsOnceTheFilesChange() throws Exception {
        start(Duration.ofMillis(100));
        assertThat(served()).isEqualTo(FIRST);

        try (RawHttp open = new RawHttp(connect())) {
            assertThat(open.get("/before").body()).isEqualTo("secure /before");

            // certificate first, key a moment later: the checks in between see a mismatched pair
            install("other-cert.pem", cert);
            Thread.sleep(300);
            assertThat(served()).as("a certificate without its key is not used").isEqualTo(FIRST);
            install("other-key.pem", key);

            assertThat(awaitServed(SECOND)).isEqualTo(SECOND);
            assertThat(open.get("/after").body()).as("the open connection goes on").isEqualTo("secure /after");
            assertThat(TlsClients.subject((SSLSocket) open.socket)).isEqualTo(FIRST);
        }
        try (RawHttp fresh = new RawHttp(connect())) {
            assertThat(fresh.get("/new").body()).isEqualTo("secure /new");
            assertThat(backend.last().header("X-Forwarded-Proto")).isEqualTo("https");
        }
    }

    @Test
    void keepsServingTheCurrentCertificateWhenTheNewFilesDoNotLoad() throws Exception {
        start(Duration.ZERO); // no polling: reloadTls() alone reads the files
        install("other-cert.pem", cert);

        assertThat(proxy.reloadTls()).as("certificate and key do not match").isFalse();
        assertThat(served()).isEqualTo(FIRST);

        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n", StandardCharsets.US_ASCII);
        assertThat(proxy.reloadTls()).as("a key file half written").isFalse();
        Files.delete(key);
        assertThat(proxy.reloadTls()).as("a key file missing").isFalse();
        assertThat(served()).isEqualTo(FIRST);

        install("other-key.pem", key);
        assertThat(proxy.reloadTls()).isTrue();
        assertThat(served()).isEqualTo(SECOND);
    }

    @Test
    void doesNotReadTheFilesAgainWhileTheyAreUnchanged() throws Exception {
        start(Duration.ofMillis(50));
        try (LogCapture logs = new LogCapture(org.hubkit.proxy.netty.internal.TlsCertificates.class.getName(),
                ch.qos.logback.classic.Level.INFO, true)) {
            Thread.sleep(400);
            assertThat(logs.messages()).as("nothing changed, nothing loaded").isEmpty();

            install("other-cert.pem", cert);
            install("other-key.pem", key);
            assertThat(awaitServed(SECOND)).isEqualTo(SECOND);
            Thread.sleep(400);

            assertThat(logs.messages())
                    .filteredOn(m -> m.startsWith("TLS certificate reloaded: " + SECOND))
                    .as("one reload per change").hasSize(1);
        }
    }

    @Test
    void builderRejectsANegativeReloadIntervalAndToBuilderCopiesIt() {
        assertThatThrownBy(() -> NettyProxy.builder().tlsReloadInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("tlsReloadInterval: must be zero or positive (got PT-1S)"));
        NettyProxy original = NettyProxy.builder().tls(cert, key, null).tlsReloadInterval(Duration.ofSeconds(30)).build();

        assertThat(original.toBuilder().build().tlsReloadInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(NettyProxy.builder().build().tlsReloadInterval()).as("default").isEqualTo(Duration.ofSeconds(5));
        assertThat(NettyProxy.builder().build().reloadTls()).as("nothing to reload without TLS").isFalse();
    }

    @Test
    void refusesAtBuildACertificateWithTheWrongKey() throws Exception {
        install("other-key.pem", key);

        assertThatThrownBy(() -> NettyProxy.builder().tls(cert, key, null).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p).startsWith("tls: ").contains("does not belong to the certificate")));
    }
}
