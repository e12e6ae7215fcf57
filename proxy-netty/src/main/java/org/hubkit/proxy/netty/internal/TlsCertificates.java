package org.hubkit.proxy.netty.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's certificate and key, read from PEM files and read again when they change, so
 * that a renewed certificate is served without a restart.
 *
 * <p>{@link #reloadIfChanged()} compares each file's modification time, size and identity
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

    private final Path certificateChain;
    private final Path privateKey;
    private final String keyPassword;
    private final long reloadIntervalMillis;
    private volatile Loaded current;
    private Stamp attempted;

    private record Stamp(Object chain, Object key) {
    }

    private record Loaded(SslContext context, String description) {
    }

    private TlsCertificates(Path certificateChain, Path privateKey, String keyPassword, long reloadIntervalMillis,
            Loaded first, Stamp stamp) {
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
        this.keyPassword = keyPassword;
        this.reloadIntervalMillis = reloadIntervalMillis;
        this.current = first;
        this.attempted = stamp;
    }

    /**
     * Loads the pair once, to fail fast on a bad configuration.
     *
     * @param certificateChain a PEM file with the certificate, then any intermediates
     * @param privateKey a PEM file with the PKCS#8 private key
     * @param keyPassword the key's password if it is encrypted, else {@code null}
     * @param reloadIntervalMillis how often {@link ProxyServer} checks the files; 0 for never
     * @return the certificates
     * @throws IllegalArgumentException saying why the pair cannot be used
     */
    public static TlsCertificates load(Path certificateChain, Path privateKey, String keyPassword,
            long reloadIntervalMillis) {
        Stamp stamp = stamp(certificateChain, privateKey);
        try {
            return new TlsCertificates(certificateChain, privateKey, keyPassword, reloadIntervalMillis,
                    read(certificateChain, privateKey, keyPassword), stamp);
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
        Stamp now = stamp(certificateChain, privateKey);
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
        return reload(stamp(certificateChain, privateKey));
    }

    private boolean reload(Stamp stamp) {
        attempted = stamp;
        try {
            Loaded next = read(certificateChain, privateKey, keyPassword);
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

    private static Loaded read(Path chainFile, Path keyFile, String password)
            throws IOException, GeneralSecurityException {
        // bytes first, parsed after: a file replaced meanwhile cannot mix two versions
        byte[] chainPem = Files.readAllBytes(chainFile);
        byte[] keyPem = Files.readAllBytes(keyFile);
        X509Certificate[] chain = PemReader.certificates(chainPem);
        if (chain.length == 0) {
            throw new GeneralSecurityException("no certificate in " + chainFile);
        }
        PrivateKey key = PemReader.privateKey(keyPem, password);
        if (!matches(key, chain[0].getPublicKey())) {
            throw new GeneralSecurityException("the key in " + keyFile + " does not belong to the certificate in "
                    + chainFile);
        }
        SslContext context = SslContextBuilder.forServer(key, chain).build();
        String description = chain[0].getSubjectX500Principal().getName() + ", expires " + chain[0].getNotAfter()
                .toInstant() + " (" + chainFile + ")";
        return new Loaded(context, description);
    }

    /** Signs and verifies a nonce, so a certificate never goes out with another's key. */
    static boolean matches(PrivateKey key, PublicKey certificateKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // nothing to check with; the handshake will tell
        }
        if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())
                && !(algorithm.equals("EdDSA") && certificateKey.getAlgorithm().startsWith("Ed"))) {
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

    private static Stamp stamp(Path chain, Path key) {
        return new Stamp(stamp(chain), stamp(key));
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
    private abstract static class PemReader extends SslContext {
        static X509Certificate[] certificates(byte[] pem) throws GeneralSecurityException {
            return toX509Certificates(new ByteArrayInputStream(pem));
        }

        static PrivateKey privateKey(byte[] pem, String password) throws IOException, GeneralSecurityException {
            return toPrivateKey(new ByteArrayInputStream(pem), password);
        }
    }
}
