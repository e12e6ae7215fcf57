package org.hubkit.proxy.netty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hubkit.api.ConfigException;

/**
 * How the proxy speaks TLS to {@code https://} targets (routes, the default target and the error
 * target), as configurable-http-proxy's {@code --client-ssl-*} and {@code --insecure}.
 *
 * <p>By default a target's certificate must chain to a CA the JDK trusts and name the target's
 * host (DNS name or IP address); the host name is also sent as SNI. {@link Builder#trustedCertificates}
 * replaces the JDK's CAs with those of a PEM file (as Node.js's {@code ca} option does),
 * {@link Builder#clientCertificate} presents a certificate to targets that ask for one (mutual
 * TLS, what JupyterHub's {@code internal_ssl} needs), {@link Builder#insecure} turns verification
 * off.
 *
 * <p>Immutable and thread-safe. Files are read when the proxy is built.
 *
 * <pre>{@code
 * TargetTls tls = TargetTls.builder()
 *         .trustedCertificates(Path.of("internal-ssl/proxy-client-ca_trust.crt"))
 *         .clientCertificate(Path.of("proxy-client.crt"), Path.of("proxy-client.key"), null)
 *         .build();
 * NettyProxy proxy = NettyProxy.builder().targetTls(tls).build();
 * }</pre>
 *
 * @since 0.1
 */
public final class TargetTls {
    /** The JDK's trusted CAs, host names checked, no client certificate. */
    public static final TargetTls DEFAULT = builder().build();

    private final Path trustedCertificates;
    private final Path clientCertificateChain;
    private final Path clientPrivateKey;
    private final String clientKeyPassword;
    private final boolean insecure;

    private TargetTls(Builder b) {
        this.trustedCertificates = b.trustedCertificates;
        this.clientCertificateChain = b.clientCertificateChain;
        this.clientPrivateKey = b.clientPrivateKey;
        this.clientKeyPassword = b.clientKeyPassword;
        this.insecure = b.insecure;
    }

    /** @return a builder with the defaults of {@link #DEFAULT} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these settings, to build a variant */
    public Builder toBuilder() {
        Builder b = builder().trustedCertificates(trustedCertificates).insecure(insecure);
        if (clientCertificateChain != null) {
            b.clientCertificate(clientCertificateChain, clientPrivateKey, clientKeyPassword);
        }
        return b;
    }

    /** @return the PEM file of CAs that replace the JDK's, if set */
    public Optional<Path> trustedCertificates() {
        return Optional.ofNullable(trustedCertificates);
    }

    /** @return the PEM certificate chain presented to targets, if set */
    public Optional<Path> clientCertificateChain() {
        return Optional.ofNullable(clientCertificateChain);
    }

    /** @return the PEM private key of {@link #clientCertificateChain()}, if set */
    public Optional<Path> clientPrivateKey() {
        return Optional.ofNullable(clientPrivateKey);
    }

    /** @return the client key's password; same package only, kept out of {@link #toString()} */
    String clientKeyPassword() {
        return clientKeyPassword;
    }

    /** @return whether targets' certificates and host names go unchecked */
    public boolean insecure() {
        return insecure;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TargetTls t && Objects.equals(trustedCertificates, t.trustedCertificates)
                && Objects.equals(clientCertificateChain, t.clientCertificateChain)
                && Objects.equals(clientPrivateKey, t.clientPrivateKey)
                && Objects.equals(clientKeyPassword, t.clientKeyPassword) && insecure == t.insecure;
    }

    @Override
    public int hashCode() {
        return Objects.hash(trustedCertificates, clientCertificateChain, clientPrivateKey, insecure);
    }

    @Override
    public String toString() {
        return "TargetTls[trust=" + (trustedCertificates == null ? "JDK" : trustedCertificates)
                + (clientCertificateChain == null ? "" : ", client=" + clientCertificateChain)
                + (insecure ? ", insecure" : "") + "]";
    }

    /**
     * Configures a {@link TargetTls}; {@link #build()} reports every problem at once. Not
     * thread-safe.
     *
     * @since 0.1
     */
    public static final class Builder {
        private Path trustedCertificates;
        private Path clientCertificateChain;
        private Path clientPrivateKey;
        private String clientKeyPassword;
        private boolean insecure;

        private Builder() {
        }

        /**
         * @param caFile a PEM file with the CA certificates targets' certificates must chain to,
         *        replacing the JDK's trusted CAs, as {@code --client-ssl-ca}; {@code null} (the
         *        default) for the JDK's
         * @return this builder
         */
        public Builder trustedCertificates(Path caFile) {
            this.trustedCertificates = caFile;
            return this;
        }

        /**
         * A certificate to present to targets that ask for one, as {@code --client-ssl-cert} and
         * {@code --client-ssl-key}.
         *
         * @param certificateChain a PEM file with the certificate, then any intermediates
         * @param privateKey a PEM file with its PKCS#8 private key
         * @param keyPassword the key's password if it is encrypted, else {@code null}
         * @return this builder
         */
        public Builder clientCertificate(Path certificateChain, Path privateKey, String keyPassword) {
            this.clientCertificateChain = certificateChain;
            this.clientPrivateKey = privateKey;
            this.clientKeyPassword = keyPassword;
            return this;
        }

        /**
         * @param insecure whether to accept any certificate from targets, whoever signed it and
         *        whatever host it names, as {@code --insecure}; default off
         * @return this builder
         */
        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        /**
         * @return the settings
         * @throws ConfigException if a client certificate lacks its key or the other way round
         */
        public TargetTls build() {
            List<String> problems = new ArrayList<>();
            if ((clientCertificateChain == null) != (clientPrivateKey == null)) {
                problems.add("clientCertificate: both a certificate chain and a private key are needed");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new TargetTls(this);
        }
    }
}
