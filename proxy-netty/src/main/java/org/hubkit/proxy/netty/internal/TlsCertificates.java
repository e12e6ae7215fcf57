package org.hubkit.proxy.netty.internal;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Objects;
import org.hubkit.proxy.netty.ListenerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS context: its certificate and key, read from PEM files and read again when they
 * change, so that a renewed certificate is served without a restart; and what it asks of clients
 * (certificates, protocols, cipher suites), as {@link ListenerTls} says.
 *
 * <p>{@link #reloadIfChanged()} compares each file's (the client CA's too) modification time, size and identity
 * (inode: a file replaced by a rename, or a Kubernetes secret's symlink swap, counts as changed)
 * with those of the last attempt, and loads the pair again if either differs. A pair that does
 * not load (a file half written, a certificate whose key has not been replaced yet, a bad
 * password) is logged and the current certificate stays; the next change is tried again. New
 * connections take {@link #current()}; open connections keep the certificate they shook hands
 * with.
 *
 * <p>Thread-safe: loading is serialised; {@link #current()} is a volatile read.
 */
public final class TlsCertificates {
    private static final Logger log = LoggerFactory.getLogger(TlsCertificates.class);

    private final Settings settings;
    private final Path certificateChain;
    private final Path privateKey;
    private final long reloadIntervalMillis;
    private volatile Loaded current;
    private Stamp attempted;

    /**
     * What a listener's TLS is made of.
     *
     * @param certificateChain a PEM file with the certificate, then any intermediates
     * @param privateKey a PEM file with the private key
     * @param keyPassword the key's password if it is encrypted, else {@code null}
     * @param clientAuth whether clients are asked for certificates
     * @param clientCa a PEM file with the CAs client certificates must chain to, or {@code null} for the JDK's
     * @param protocols JDK protocol names; empty for the JDK's
     * @param cipherSuites JDK cipher suite names; empty for the JDK's
     */
    public record Settings(Path certificateChain, Path privateKey, String keyPassword,
            ListenerTls.ClientAuth clientAuth, Path clientCa, java.util.List<String> protocols,
            java.util.List<String> cipherSuites) {
    }

    private record Stamp(Object chain, Object key, Object ca) {
    }

    private record Loaded(SslContext context, String description) {
    }

    private TlsCertificates(Settings settings, long reloadIntervalMillis, Loaded first, Stamp stamp) {
        this.settings = settings;
        this.certificateChain = settings.certificateChain();
        this.privateKey = settings.privateKey();
        this.reloadIntervalMillis = reloadIntervalMillis;
        this.current = first;
        this.attempted = stamp;
    }

    /**
     * Loads the files once, to fail fast on a bad configuration.
     *
     * @param settings the files and what to ask of clients
     * @param reloadIntervalMillis how often {@link ProxyServer} checks the files; 0 for never
     * @return the certificates
     * @throws IllegalArgumentException saying why the files cannot be used
     */
    public static TlsCertificates load(Settings settings, long reloadIntervalMillis) {
        Stamp stamp = stamp(settings);
        try {
            return new TlsCertificates(settings, reloadIntervalMillis, read(settings), stamp);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(why(e), e);
        }
    }

    /** @return what new connections get */
    public SslContext current() {
        return current.context();
    }

    /** @return how often the files are checked, in milliseconds; 0 for never */
    public long reloadIntervalMillis() {
        return reloadIntervalMillis;
    }

    /** @return the certificate in use: subject, expiry and file */
    public String describe() {
        return current.description();
    }

    /**
     * Loads the files again if they changed since the last attempt.
     *
     * @return whether a new certificate is now in use
     */
    public synchronized boolean reloadIfChanged() {
        Stamp now = stamp(settings);
        if (now.equals(attempted)) {
            return false;
        }
        return reload(now);
    }

    /**
     * Loads the files again, changed or not (the launcher does on {@code SIGHUP}).
     *
     * @return whether a new certificate is now in use (it may be the same one, re-read)
     */
    public synchronized boolean reload() {
        return reload(stamp(settings));
    }

    private boolean reload(Stamp stamp) {
        attempted = stamp;
        try {
            Loaded next = read(settings);
            current = next;
            log.info("TLS certificate reloaded: {}", next.description());
            return true;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.error("TLS certificate not reloaded, still serving {}: {}", current.description(), why(e));
            return false;
        }
    }

    private static String why(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "cannot read " + e.getMessage();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static Loaded read(Settings settings) throws IOException, GeneralSecurityException {
        Path chainFile = settings.certificateChain();
        Path keyFile = settings.privateKey();
        String password = settings.keyPassword();
        // bytes first, parsed after: a file replaced meanwhile cannot mix two versions
        byte[] chainPem = Files.readAllBytes(chainFile);
        byte[] keyPem = Files.readAllBytes(keyFile);
        X509Certificate[] clientCas = settings.clientCa() == null ? null
                : PemReader.certificates(Files.readAllBytes(settings.clientCa()));
        if (clientCas != null && clientCas.length == 0) {
            throw new GeneralSecurityException("no certificate in " + settings.clientCa());
        }
        X509Certificate[] chain = PemReader.certificates(chainPem);
        if (chain.length == 0) {
            throw new GeneralSecurityException("no certificate in " + chainFile);
        }
        PrivateKey key = PemReader.privateKey(keyPem, password);
        if (!matches(key, chain[0].getPublicKey())) {
            throw new GeneralSecurityException("the key in " + keyFile + " does not belong to the certificate in "
                    + chainFile);
        }
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain);
        switch (settings.clientAuth()) {
            // Node.js's requestCert without rejectUnauthorized: any certificate, or none, will do
            case REQUEST -> builder.clientAuth(ClientAuth.OPTIONAL).trustManager(InsecureTrustManagerFactory.INSTANCE);
            case REQUIRE -> builder.clientAuth(ClientAuth.REQUIRE).trustManager(clientCas);
            default -> builder.clientAuth(ClientAuth.NONE);
        }
        if (!settings.protocols().isEmpty()) {
            builder.protocols(settings.protocols());
        }
        if (!settings.cipherSuites().isEmpty()) {
            builder.ciphers(settings.cipherSuites());
        }
        SslContext context = builder.build();
        String description = chain[0].getSubjectX500Principal().getName() + ", expires " + chain[0].getNotAfter()
                .toInstant() + " (" + chainFile + ")";
        return new Loaded(context, description);
    }

    /** Signs and verifies a nonce, so a certificate never goes out with another's key. */
    static boolean matches(PrivateKey key, PublicKey certificateKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA"; // ECDSA: BouncyCastle's name, when it parsed the PEM
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // nothing to check with; the handshake will tell
        }
        if (!family(key.getAlgorithm()).equals(family(certificateKey.getAlgorithm()))) {
            return false;
        }
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(nonce);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificateKey);
        verifier.update(nonce);
        return verifier.verify(signature);
    }

    private static String family(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC", "ECDSA" -> "EC";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> keyAlgorithm;
        };
    }

    private static Stamp stamp(Settings s) {
        return new Stamp(stamp(s.certificateChain()), stamp(s.privateKey()),
                s.clientCa() == null ? null : stamp(s.clientCa()));
    }

    private static Object stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.List.of(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey()));
        } catch (IOException e) {
            return "missing";
        }
    }

    /** Netty's PEM parsing (PKCS#8, PKCS#1, encrypted keys) is only reachable from a subclass. */
    abstract static class PemReader extends SslContext {
        static X509Certificate[] certificates(byte[] pem) throws GeneralSecurityException {
            return toX509Certificates(new ByteArrayInputStream(pem));
        }

        static PrivateKey privateKey(byte[] pem, String password) throws IOException, GeneralSecurityException {
            PrivateKey key = toPrivateKey(new ByteArrayInputStream(pem), password);
            if (key == null) {
                throw new GeneralSecurityException("no private key found");
            }
            // with BouncyCastle on the class path Netty parses with it; the JDK's own key classes
            // are what its Signature and TLS code expect
            if ("PKCS#8".equals(key.getFormat()) && key.getEncoded() != null) {
                String family = family(key.getAlgorithm());
                try {
                    return java.security.KeyFactory.getInstance(family)
                            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
                } catch (GeneralSecurityException e) {
                    return key;
                }
            }
            return key;
        }
    }
}
