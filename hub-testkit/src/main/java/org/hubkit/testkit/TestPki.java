package org.hubkit.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for the TLS tests, made fresh in a directory: a test CA, a server certificate for
 * {@code localhost} and {@code 127.0.0.1} and a client certificate, both signed by it, one for a
 * host that is not this one ({@code elsewhere.example}), and a self-signed one nobody trusts.
 * Each as PEM files (certificate, PKCS#8 key) and as JDK contexts for test clients and servers:
 * proxy-netty's TLS listener tests, auth-ldap's slapd with StartTLS and LDAPS.
 *
 * @since 0.3
 */
public final class TestPki {
    /**
     * A certificate and its key, on disk and in memory.
     *
     * @param cert the certificate's PEM file
     * @param key the key's PEM file (PKCS#8)
     * @param certificate the certificate
     * @param privateKey the key
     */
    public record Issued(Path cert, Path key, X509Certificate certificate, PrivateKey privateKey) {
    }

    public final Path dir;
    public final Issued ca;
    public final Issued server;
    public final Issued client;
    public final Issued wrongHost;
    public final Issued untrusted;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param dir where the PEM files go
     * @throws Exception if a key or certificate cannot be made
     */
    public TestPki(Path dir) throws Exception {
        this.dir = dir;
        ca = issue("ca", "CN=Hubkit Test CA", null, true);
        server = issue("server", "CN=localhost", ca, false, "localhost", "127.0.0.1");
        client = issue("client", "CN=hubkit-proxy-client", ca, false);
        wrongHost = issue("wrong-host", "CN=elsewhere.example", ca, false, "elsewhere.example");
        untrusted = issue("untrusted", "CN=localhost", null, false, "localhost", "127.0.0.1");
    }

    private Issued issue(String name, String subject, Issued issuer, boolean isCa, String... hosts) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair pair = gen.generateKeyPair();
        X500Name subjectName = new X500Name(subject);
        X500Name issuerName = issuer == null ? subjectName
                : new X500Name(issuer.certificate.getSubjectX500Principal().getName());
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subjectName,
                pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        if (hosts.length > 0) {
            GeneralName[] names = new GeneralName[hosts.length];
            for (int i = 0; i < hosts.length; i++) {
                names[i] = hosts[i].matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, hosts[i])
                        : new GeneralName(GeneralName.dNSName, hosts[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        PrivateKey signingKey = issuer == null ? pair.getPrivate() : issuer.privateKey;
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey);
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)));
        return new Issued(certFile, keyFile, cert, pair.getPrivate());
    }

    /**
     * Writes the key of {@code id} again, as an encrypted PKCS#8 PEM ({@code ENCRYPTED PRIVATE KEY},
     * AES-256-CBC with PBKDF2 and HMAC-SHA256, as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc} writes it).
     *
     * @param id whose key
     * @param name the new file's name, in the same directory
     * @param passphrase the passphrase
     * @return the new key file
     */
    public Path encryptedKey(Issued id, String name, String passphrase) throws Exception {
        org.bouncycastle.operator.OutputEncryptor encryptor =
                new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                        org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                        .setPRF(org.bouncycastle.openssl.PKCS8Generator.PRF_HMACSHA256)
                        .setRandom(RANDOM).setPassword(passphrase.toCharArray()).build();
        Path file = dir.resolve(name);
        Files.writeString(file, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(id.privateKey(), encryptor)));
        return file;
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    /**
     * @param identity the certificate to present, or {@code null} for none
     * @param trusted the CA to trust, or {@code null} to trust nothing at all
     * @return a JDK context for a test client or server
     */
    public static SSLContext context(Issued identity, Issued trusted) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (identity != null) {
            keys.setKeyEntry("id", identity.privateKey, new char[0], new X509Certificate[] {identity.certificate});
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        if (trusted != null) {
            trust.setCertificateEntry("ca", trusted.certificate);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
