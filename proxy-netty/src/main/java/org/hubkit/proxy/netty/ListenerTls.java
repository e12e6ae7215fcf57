package org.hubkit.proxy.netty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hubkit.api.ConfigException;
import org.hubkit.proxy.netty.internal.TlsNames;

/**
 * TLS for a listening socket: the proxy's ({@link NettyProxy.Builder#tls(ListenerTls)}, as
 * configurable-http-proxy's {@code --ssl-*}) or the REST API's
 * ({@link ChpCompatibleProxy.Builder#apiTls}, as {@code --api-ssl-*}).
 *
 * <p>A PEM certificate chain and key; optionally client certificates
 * ({@link Builder#clientAuth}, {@link Builder#clientCa}, as {@code --ssl-request-cert},
 * {@code --ssl-reject-unauthorized} and {@code --ssl-ca}), and the protocol versions and cipher
 * suites to allow, by their JDK names ({@code TLSv1.2}, {@code TLS_AES_128_GCM_SHA256}); both
 * default to the JDK's.
 *
 * <p>Immutable and thread-safe. The files are read when the proxy is built (and again when they
 * change, for the proxy's listener: {@link NettyProxy.Builder#tlsReloadInterval}).
 *
 * <pre>{@code
 * ListenerTls tls = ListenerTls.builder(Path.of("api.crt"), Path.of("api.key"))
 *         .clientAuth(ListenerTls.ClientAuth.REQUIRE)
 *         .clientCa(Path.of("api-ca.crt"))
 *         .build();
 * }</pre>
 *
 * @since 0.1
 */
public final class ListenerTls {
    /** Whether clients are asked for a certificate, and what happens without a good one. */
    public enum ClientAuth {
        /** No certificate is asked for (the default). */
        NONE,
        /**
         * A certificate is asked for, and the connection accepted with any certificate or none:
         * Node.js's {@code requestCert} without {@code rejectUnauthorized}.
         */
        REQUEST,
        /**
         * A certificate signed by {@link ListenerTls#clientCa()} (else by a CA the JDK trusts) is
         * required; the handshake fails without one: {@code requestCert} with
         * {@code rejectUnauthorized}.
         */
        REQUIRE
    }

    private final Path certificateChain;
    private final Path privateKey;
    private final String keyPassword;
    private final ClientAuth clientAuth;
    private final Path clientCa;
    private final List<String> protocols;
    private final List<String> cipherSuites;

    private ListenerTls(Builder b) {
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.keyPassword = b.keyPassword;
        this.clientAuth = b.clientAuth;
        this.clientCa = b.clientCa;
        this.protocols = List.copyOf(b.protocols);
        this.cipherSuites = List.copyOf(b.cipherSuites);
    }

    /**
     * @param certificateChain a PEM file with the certificate, then any intermediates
     * @param privateKey a PEM file with its PKCS#8 (or PKCS#1) private key
     * @return a builder: no client certificates, the JDK's protocols and cipher suites
     */
    public static Builder builder(Path certificateChain, Path privateKey) {
        return new Builder(certificateChain, privateKey);
    }

    /** @return a builder holding these settings, to build a variant */
    public Builder toBuilder() {
        return builder(certificateChain, privateKey).keyPassword(keyPassword).clientAuth(clientAuth)
                .clientCa(clientCa).protocols(protocols).cipherSuites(cipherSuites);
    }

    /** @return the PEM certificate chain */
    public Path certificateChain() {
        return certificateChain;
    }

    /** @return the PEM private key */
    public Path privateKey() {
        return privateKey;
    }

    /** @return the key's password; same package only, kept out of {@link #toString()} */
    String keyPassword() {
        return keyPassword;
    }

    /** @return whether clients are asked for certificates */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** @return the PEM file of CAs client certificates must chain to, if set */
    public Optional<Path> clientCa() {
        return Optional.ofNullable(clientCa);
    }

    /** @return the protocol versions allowed, JDK names; empty for the JDK's defaults */
    public List<String> protocols() {
        return protocols;
    }

    /** @return the cipher suites allowed, JDK names, in order of preference; empty for the JDK's */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerTls t && certificateChain.equals(t.certificateChain)
                && privateKey.equals(t.privateKey) && Objects.equals(keyPassword, t.keyPassword)
                && clientAuth == t.clientAuth && Objects.equals(clientCa, t.clientCa)
                && protocols.equals(t.protocols) && cipherSuites.equals(t.cipherSuites);
    }

    @Override
    public int hashCode() {
        return Objects.hash(certificateChain, privateKey, clientAuth, clientCa, protocols, cipherSuites);
    }

    @Override
    public String toString() {
        return "ListenerTls[" + certificateChain + ", clientAuth=" + clientAuth
                + (clientCa == null ? "" : ", clientCa=" + clientCa)
                + (protocols.isEmpty() ? "" : ", protocols=" + protocols)
                + (cipherSuites.isEmpty() ? "" : ", " + cipherSuites.size() + " cipher suites") + "]";
    }

    /**
     * Configures a {@link ListenerTls}; {@link #build()} reports every problem at once. Not
     * thread-safe.
     *
     * @since 0.1
     */
    public static final class Builder {
        private final Path certificateChain;
        private final Path privateKey;
        private String keyPassword;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private Path clientCa;
        private List<String> protocols = List.of();
        private List<String> cipherSuites = List.of();

        private Builder(Path certificateChain, Path privateKey) {
            this.certificateChain = certificateChain;
            this.privateKey = privateKey;
        }

        /**
         * @param keyPassword the key's password if it is encrypted (as
         *        {@code CONFIGPROXY_SSL_KEY_PASSPHRASE}), else {@code null}
         * @return this builder
         */
        public Builder keyPassword(String keyPassword) {
            this.keyPassword = keyPassword;
            return this;
        }

        /**
         * @param clientAuth whether to ask clients for certificates; default {@link ClientAuth#NONE}
         * @return this builder
         */
        public Builder clientAuth(ClientAuth clientAuth) {
            this.clientAuth = clientAuth;
            return this;
        }

        /**
         * @param clientCa a PEM file with the CAs that sign accepted client certificates (with
         *        {@link ClientAuth#REQUIRE}), as {@code --ssl-ca}; {@code null} (the default) for
         *        the JDK's trusted CAs
         * @return this builder
         */
        public Builder clientCa(Path clientCa) {
            this.clientCa = clientCa;
            return this;
        }

        /**
         * @param protocols the protocol versions to allow, JDK names ({@code TLSv1.2},
         *        {@code TLSv1.3}); empty (the default) for the JDK's enabled ones
         * @return this builder
         */
        public Builder protocols(List<String> protocols) {
            this.protocols = protocols == null ? null : new ArrayList<>(protocols);
            return this;
        }

        /**
         * @param cipherSuites the cipher suites to allow, JDK (IANA) names, most preferred first;
         *        empty (the default) for the JDK's enabled ones
         * @return this builder
         */
        public Builder cipherSuites(List<String> cipherSuites) {
            this.cipherSuites = cipherSuites == null ? null : new ArrayList<>(cipherSuites);
            return this;
        }

        /**
         * @return the settings
         * @throws ConfigException listing every problem (a missing file name, a protocol or cipher
         *         suite this JDK does not offer), each naming its field
         */
        public ListenerTls build() {
            List<String> problems = new ArrayList<>();
            if (certificateChain == null || privateKey == null) {
                problems.add("certificateChain: both a certificate chain and a private key are needed");
            }
            if (clientAuth == null) {
                problems.add("clientAuth: must not be null");
            }
            if (protocols == null) {
                problems.add("protocols: must not be null (empty for the JDK's)");
            } else {
                for (String p : protocols) {
                    if (!TlsNames.enabledProtocols().contains(p)) {
                        problems.add("protocols: '" + p + "' is not a protocol this Java runtime enables "
                                + TlsNames.enabledProtocols());
                    }
                }
            }
            if (cipherSuites == null) {
                problems.add("cipherSuites: must not be null (empty for the JDK's)");
            } else {
                for (String c : cipherSuites) {
                    if (!TlsNames.supportedCipherSuites().contains(c)) {
                        problems.add("cipherSuites: '" + c + "' is not a cipher suite this Java runtime supports");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new ListenerTls(this);
        }
    }
}
