package org.hubkit.auth.ldap;

import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hubkit.testkit.RealComponents;
import org.hubkit.testkit.TestPki;

/**
 * A real OpenLDAP {@code slapd} from Debian's package, started by the test on 127.0.0.1 with a
 * configuration, an mdb database and certificates of its own in a temporary directory:
 * {@code ldap://} (with StartTLS) on {@link #port}, {@code ldaps://} on {@link #ldapsPort}. Its
 * entries are {@link TestEntries}. It is stopped, paused ({@code kill -STOP}) and resumed by its
 * own pid only.
 */
final class Slapd implements AutoCloseable {
    final Path dir;
    final TestPki pki;
    final int port;
    final int ldapsPort;
    final List<String> hosts;
    private final Path executable;
    private Process process;

    private Slapd(Path executable, Path dir, int port, List<String> hosts, boolean namedElsewhere) throws Exception {
        this.executable = executable;
        this.dir = dir;
        this.pki = new TestPki(Files.createDirectories(dir.resolve("pki")));
        this.port = port;
        this.ldapsPort = RealComponents.freePort();
        this.hosts = hosts;
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("slapd.conf"), String.join("\n",
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "include /etc/ldap/schema/nis.schema",
                "pidfile " + dir.resolve("slapd.pid"),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "TLSCACertificateFile " + pki.ca.cert(),
                "TLSCertificateFile " + (namedElsewhere ? pki.wrongHost : pki.server).cert(),
                "TLSCertificateKeyFile " + keyForGnuTls(namedElsewhere ? pki.wrongHost : pki.server),
                "database mdb",
                "maxsize 67108864",
                "suffix \"" + TestEntries.BASE + "\"",
                "rootdn \"" + TestEntries.ADMIN_DN + "\"",
                "rootpw " + TestEntries.ADMIN_PASSWORD,
                "directory " + dir.resolve("data"),
                "index objectClass,uid,member,uniqueMember,memberUid eq",
                "access to attrs=userPassword by anonymous auth by self read by * none",
                "access to * by * read",
                ""));
        start();
        try (LDAPConnection admin = admin()) {
            TestEntries.load(admin);
        }
    }

    /**
     * The server key as PKCS#8 whose inner EC key also holds the public key: Debian's slapd is built
     * with GnuTLS, which refuses the JDK's encoding (the optional public key left out).
     */
    private Path keyForGnuTls(TestPki.Issued id) throws Exception {
        java.security.interfaces.ECPrivateKey k = (java.security.interfaces.ECPrivateKey) id.privateKey();
        var spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(id.certificate().getPublicKey().getEncoded());
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(k.getEncoded());
        var inner = new org.bouncycastle.asn1.sec.ECPrivateKey(256, k.getS(), spki.getPublicKeyData(), null);
        byte[] der = new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(info.getPrivateKeyAlgorithm(), inner).getEncoded();
        Path file = dir.resolve("pki/" + id.key().getFileName() + ".gnutls");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PRIVATE KEY-----\n");
        return file;
    }

    /** Starts a slapd, or ends the test when Debian's slapd is not installed (fails under CI=true). */
    static Slapd start(Path dir) throws Exception {
        return start(dir, RealComponents.freePort(), "127.0.0.1");
    }

    /**
     * @param port the {@code ldap://} port, the same on every host
     * @param hosts loopback addresses to listen on ({@code 127.0.0.2} for a second server)
     */
    static Slapd start(Path dir, int port, String... hosts) throws Exception {
        return start(dir, port, false, hosts);
    }

    /** A slapd whose certificate, signed by its test CA, names {@code elsewhere.example} only. */
    static Slapd startNamedElsewhere(Path dir) throws Exception {
        return start(dir, RealComponents.freePort(), true, "127.0.0.1");
    }

    private static Slapd start(Path dir, int port, boolean namedElsewhere, String... hosts) throws Exception {
        Path slapd = RealComponents.executable("slapd (Debian package slapd, scripts/install-components.sh)", "HUBKIT_SLAPD",
                "/usr/sbin/slapd", "slapd");
        if (!Files.isDirectory(Path.of("/etc/ldap/schema"))) {
            RealComponents.missing("slapd's schemas in /etc/ldap/schema (Debian package slapd)");
        }
        return new Slapd(slapd, dir, port, List.of(hosts), namedElsewhere);
    }

    private void start() throws IOException, InterruptedException {
        List<String> urls = new ArrayList<>();
        for (String h : hosts) {
            urls.add("ldap://" + h + ":" + port + "/");
            urls.add("ldaps://" + h + ":" + ldapsPort + "/");
        }
        List<String> cmd = List.of(executable.toString(), "-d", "0", "-h", String.join(" ", urls), "-f", dir.resolve("slapd.conf").toString());
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("slapd exited " + process.exitValue() + ": " + Files.readString(dir.resolve("slapd.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hosts.get(0), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("slapd did not listen on " + port + ": " + Files.readString(dir.resolve("slapd.log")));
    }

    /** @return a plain connection bound as the directory's root, to change entries during a test */
    LDAPConnection admin() throws Exception {
        return new LDAPConnection(hosts.get(0), port, TestEntries.ADMIN_DN, TestEntries.ADMIN_PASSWORD);
    }

    long pid() {
        return process.pid();
    }

    /** {@code kill -STOP}: the socket stays open, nothing answers. */
    void pause() throws Exception {
        signal("-STOP");
    }

    /** {@code kill -CONT}. */
    void resume() throws Exception {
        signal("-CONT");
    }

    private void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill " + signal + " " + process.pid() + " failed");
        }
    }

    /** Stops this slapd (SIGTERM to its own pid, then SIGKILL), resuming it first if paused. */
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            resume();
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts it again on the same ports and database. */
    void restart() throws Exception {
        stop();
        start();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
