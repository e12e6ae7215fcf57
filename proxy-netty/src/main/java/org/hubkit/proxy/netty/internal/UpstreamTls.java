package org.hubkit.proxy.netty.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The client side of TLS to {@code https://} targets: one context for every connection, the
 * target's certificate checked against the trusted CAs and its host name (unless insecure), the
 * host name sent as SNI, a client certificate presented when configured. Thread-safe.
 */
public final class UpstreamTls {
    private final SslContext context;
    private final boolean verify;

    private UpstreamTls(SslContext context, boolean verify) {
        this.context = context;
        this.verify = verify;
    }

    /**
     * Reads the files and builds the context.
     *
     * @param trustedCertificates a PEM file of CAs replacing the JDK's, or {@code null}
     * @param clientChain a PEM client certificate chain, or {@code null}
     * @param clientKey its PEM private key, or {@code null}
     * @param clientKeyPassword the key's password, or {@code null}
     * @param insecure accept any certificate for any host
     * @return the client TLS
     * @throws IllegalArgumentException saying which file could not be used and why
     */
    public static UpstreamTls create(Path trustedCertificates, Path clientChain, Path clientKey,
            String clientKeyPassword, boolean insecure) {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (insecure) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (trustedCertificates != null) {
            X509Certificate[] cas = certificates(trustedCertificates);
            b.trustManager(cas);
        }
        if (clientChain != null) {
            X509Certificate[] chain = certificates(clientChain);
            PrivateKey key;
            try {
                key = TlsCertificates.PemReader.privateKey(Files.readAllBytes(clientKey), clientKeyPassword);
                if (!TlsCertificates.matches(key, chain[0].getPublicKey())) {
                    throw new IllegalArgumentException("the key in " + clientKey + " does not belong to the certificate in "
                            + clientChain);
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                if (e instanceof IllegalArgumentException) {
                    throw (IllegalArgumentException) e;
                }
                throw new IllegalArgumentException("cannot read the key " + clientKey + ": " + why(e), e);
            }
            b.keyManager(key, chain);
        }
        try {
            return new UpstreamTls(b.build(), !insecure);
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new IllegalArgumentException(why(e), e);
        }
    }

    private static X509Certificate[] certificates(Path file) {
        try {
            X509Certificate[] certs = TlsCertificates.PemReader.certificates(Files.readAllBytes(file));
            if (certs.length == 0) {
                throw new IllegalArgumentException("no certificate in " + file);
            }
            return certs;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read certificates from " + file + ": " + why(e), e);
        }
    }

    private static String why(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * @param alloc the connection's allocator
     * @param host the target's host name or IP address
     * @param port the target's port
     * @return a handler for a new connection to that target; goes first in its pipeline
     */
    SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        SslHandler handler = context.newHandler(alloc, host, port);
        SSLEngine engine = handler.engine();
        SSLParameters p = engine.getSSLParameters();
        if (verify) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            // the JDK leaves out SNI for names without a dot, such as localhost
            try {
                p.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException e) {
                // not a name SNI can carry (a trailing dot, say): connect without
            }
        }
        engine.setSSLParameters(p);
        return handler;
    }
}
