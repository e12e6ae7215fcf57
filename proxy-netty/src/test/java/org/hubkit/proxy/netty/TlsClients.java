package org.hubkit.proxy.netty;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS client sides for the tests: a context trusting one certificate, and what certificate a listener serves. */
final class TlsClients {
    private TlsClients() {
    }

    /** @return a client context that trusts the PEM certificate {@code cert} and nothing else */
    static SSLContext trusting(Path cert) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            ks.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** @return a socket to {@code 127.0.0.1:port}, handshaken, that accepts whatever certificate it is served */
    static SSLSocket connectTrustingAll(int port) throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port);
        try {
            s.startHandshake();
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** @return the subject of the certificate the connection got */
    static String subject(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    /** @return the subject of the certificate a new connection to {@code 127.0.0.1:port} gets */
    static String servedSubject(int port) throws Exception {
        try (SSLSocket s = connectTrustingAll(port)) {
            return subject(s);
        }
    }
}
