package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Python JupyterHub with {@code c.JupyterHub.internal_ssl = True} and our proxy: the hub
 * makes its CAs and certificates (certipy), starts {@code bin/hubkit-proxy} with
 * {@code --api-ssl-key/-cert/-ca/-request-cert/-reject-unauthorized} and
 * {@code --client-ssl-key/-cert/-ca/...}, and talks to the proxy's REST API over HTTPS with its
 * client certificate. The public port stays plain HTTP; behind it the hub and the user's server
 * are {@code https://} targets that require the proxy's client certificate (mutual TLS), the
 * kernel's WebSocket included.
 *
 * <p>certipy 0.1.x (Debian's python3-certipy) writes X.509 <em>version 1</em> certificates that
 * carry v3 extensions (subjectAltName, basicConstraints). OpenSSL, and so Python and Node.js,
 * accept them; the JDK's certificate parser refuses them ("no more data allowed for version 1
 * certificate"), so no Java TLS stack can load those files. The first test pins that down; the
 * second makes certipy write version 3 certificates (as certipy 0.2, built on {@code cryptography},
 * does) by a patch in {@code jupyterhub_config.py} and runs the whole scenario. Skips without
 * {@code jupyterhub} on the PATH, fails under {@code CI=true}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PythonJupyterHubInternalSslIT {
    /** certipy's sign() with X.509 version 3 and non-zero serial numbers; nothing else changes. */
    private static final List<String> CERTIPY_V3 = List.of(
            "import random, types",
            "import OpenSSL.crypto",
            "import certipy.certipy",
            "class _X509v3(OpenSSL.crypto.X509):",
            "    def __init__(self):",
            "        super().__init__()",
            "        self.set_version(2)",
            "    def set_serial_number(self, serial):",
            "        super().set_serial_number(serial or random.getrandbits(63))",
            "_crypto = types.SimpleNamespace(**{k: getattr(OpenSSL.crypto, k) for k in dir(OpenSSL.crypto)"
                    + " if not k.startswith('__')})",
            "_crypto.X509 = _X509v3",
            "certipy.certipy.crypto = _crypto");

    private static List<String> internalSsl(Path dir) {
        return List.of("c.JupyterHub.internal_ssl = True",
                "c.JupyterHub.internal_certs_location = " + JupyterHubRun.py(dir.resolve("internal-ssl").toString()));
    }

    @Test
    void certipysVersion1CertificatesAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        String output = new JupyterHubRun(dir).runUntilExit("https", "https", internalSsl(dir), 60);

        assertThat(output).doesNotContain("JupyterHub is now running");
        assertThat(output).containsPattern("\\[ConfigProxy\\] error: (apiTls|targetTls): cannot .*internal-ssl/.*"
                + "no more data allowed for version 1 certificate");
        assertThat(output).contains("Proxy failed to start with exit code 1");
    }

    @Test
    void hubWithInternalSslDrivesOurProxyOverMutualTls(@TempDir Path dir) throws Exception {
        JupyterHubRun run = new JupyterHubRun(dir);
        List<String> config = new ArrayList<>(CERTIPY_V3);
        config.addAll(internalSsl(dir));
        run.run("https", "https", config, output -> {
            assertThat(output).contains("Proxy API at https://");
            assertThat(output).contains("Adding route for Hub: / => https://127.0.0.1:" + run.hubPort);
            assertThat(output).containsPattern("Adding user alice to proxy /user/alice/ => https://");
        });
    }
}
