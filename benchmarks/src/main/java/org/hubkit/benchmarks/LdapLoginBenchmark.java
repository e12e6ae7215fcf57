package org.hubkit.benchmarks;

import static org.hubkit.benchmarks.Cli.value;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hubkit.api.Credentials;
import org.hubkit.auth.ldap.LdapAuthenticator;

/**
 * Logins per second through auth-ldap's {@link LdapAuthenticator} against a local slapd (Debian's,
 * started here with a configuration and an mdb database in a temporary folder, plain LDAP on
 * loopback), for 1 and for 16 users logging in over and over at once, beside the floor: the same
 * simple bind made by {@code ldapwhoami -x} in the same loop (a process per login, as a shell
 * script would). Each login of the authenticator is a bind as the user plus a read of the user's
 * entry on a pooled connection; each figure is successful logins over {@code --seconds}.
 *
 * <p>Only the slapd it started is ended, by its pid; the folder is deleted on any exit.
 */
final class LdapLoginBenchmark {
    static final String BASE = "dc=bench,dc=hubkit";
    static final String PEOPLE = "ou=people," + BASE;
    static final String ROOT_DN = "cn=admin," + BASE;
    static final String ROOT_PASSWORD = "bench-root-password";

    private final Options options;
    private Path dir;
    private volatile Process slapd;

    private LdapLoginBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Cli.main(args, Options::parse, o -> o.help, Options.USAGE, o -> new LdapLoginBenchmark(o).run());
    }

    /** One concurrency level: logins per second of the authenticator and of ldapwhoami. */
    record Level(int users, double hubkit, double floor) {
        double ratio() {
            return hubkit / floor;
        }
    }

    private int run() throws Exception {
        Thread watchdog = Cli.guard(this::cleanUp, "ldap-bench-cleanup", options.maxMinutes);
        for (String tool : List.of(options.slapd, options.ldapwhoami)) {
            if (!Cli.executable(tool)) {
                System.err.println(tool + " not found: bash scripts/install-components.sh installs slapd and ldap-utils");
                return 2;
            }
        }
        int users = options.concurrency.stream().max(Integer::compare).orElse(1);
        int port = new Ports().free();
        startSlapd(port, users);
        System.out.printf(Locale.ROOT, "LDAP login benchmark: slapd pid %d on 127.0.0.1:%d, %d s per figure, concurrency %s%n",
                slapd.pid(), port, options.seconds, options.concurrency);
        List<Level> levels = new ArrayList<>();
        try (LdapAuthenticator ldap = LdapAuthenticator.builder().serverAddress("127.0.0.1").serverPort(port)
                .tlsStrategy(LdapAuthenticator.TlsStrategy.INSECURE).poolSize(users)
                .bindDnTemplate(List.of("uid={username}," + PEOPLE)).allowAll(true).build()) {
            measure(Duration.ofSeconds(1), 1, i -> login(ldap, i)); // connects the pool, warms up
            for (int n : options.concurrency) {
                double floor = measure(Duration.ofSeconds(options.seconds), n, i -> whoami(port, i));
                double hubkit = measure(Duration.ofSeconds(options.seconds), n, i -> login(ldap, i));
                levels.add(new Level(n, hubkit, floor));
            }
        }
        System.out.println();
        System.out.println("| users at once | auth-ldap logins/s | ldapwhoami logins/s (floor) | ratio |");
        System.out.println("|---|---|---|---|");
        for (Level l : levels) {
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.2fx |%n", l.users(), l.hubkit(), l.floor(), l.ratio());
        }
        watchdog.interrupt();
        return 0;
    }

    interface Login {
        boolean run(int user) throws Exception;
    }

    private static boolean login(LdapAuthenticator ldap, int user) throws Exception {
        return ldap.authenticate(new Credentials("user" + user, password(user), Map.of())).toCompletableFuture()
                .get(30, TimeUnit.SECONDS).accepted();
    }

    private boolean whoami(int port, int user) throws Exception {
        Process p = new ProcessBuilder(options.ldapwhoami, "-x", "-H", "ldap://127.0.0.1:" + port + "/",
                "-D", "uid=user" + user + "," + PEOPLE, "-w", password(user)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** Successful logins per second of {@code users} threads, each logging its own user in again and again. */
    private static double measure(Duration time, int users, Login login) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(users);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<long[]>> counts = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                int user = u;
                counts.add(threads.submit(() -> {
                    start.await();
                    long ok = 0;
                    long failed = 0;
                    while (!stop.get()) {
                        if (login.run(user)) {
                            ok++;
                        } else {
                            failed++;
                        }
                    }
                    return new long[] {ok, failed};
                }));
            }
            long t0 = System.nanoTime();
            start.countDown();
            Thread.sleep(time.toMillis());
            stop.set(true);
            long ok = 0;
            long failed = 0;
            for (Future<long[]> f : counts) {
                long[] c = f.get(60, TimeUnit.SECONDS);
                ok += c[0];
                failed += c[1];
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (failed > 0) {
                throw new IllegalStateException(failed + " logins failed: the figure would be void");
            }
            return ok / seconds;
        } finally {
            threads.shutdownNow();
        }
    }

    static String password(int user) {
        return "bench-password-" + user;
    }

    private void startSlapd(int port, int users) throws Exception {
        dir = Files.createTempDirectory("hubkit-ldap-bench-");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("slapd.conf"), String.join("\n",
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "pidfile " + dir.resolve("slapd.pid"),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "database mdb",
                "suffix \"" + BASE + "\"",
                "rootdn \"" + ROOT_DN + "\"",
                "rootpw " + ROOT_PASSWORD,
                "directory " + dir.resolve("data"),
                "access to attrs=userPassword by anonymous auth by self read by * none",
                "access to * by * read",
                ""));
        slapd = new ProcessBuilder(options.slapd, "-d", "0", "-h", "ldap://127.0.0.1:" + port + "/", "-f",
                dir.resolve("slapd.conf").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!slapd.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("slapd did not start: " + Files.readString(dir.resolve("slapd.log")));
                }
                Thread.sleep(50);
            }
        }
        try (LDAPConnection root = new LDAPConnection("127.0.0.1", port, ROOT_DN, ROOT_PASSWORD)) {
            root.add(new Entry(BASE, new com.unboundid.ldap.sdk.Attribute("objectClass", "dcObject", "organization"),
                    new com.unboundid.ldap.sdk.Attribute("dc", "bench"), new com.unboundid.ldap.sdk.Attribute("o", "bench")));
            root.add(new Entry(PEOPLE, new com.unboundid.ldap.sdk.Attribute("objectClass", "organizationalUnit"),
                    new com.unboundid.ldap.sdk.Attribute("ou", "people")));
            for (int u = 0; u < users; u++) {
                root.add(new Entry("uid=user" + u + "," + PEOPLE,
                        new com.unboundid.ldap.sdk.Attribute("objectClass", "inetOrgPerson"),
                        new com.unboundid.ldap.sdk.Attribute("uid", "user" + u), new com.unboundid.ldap.sdk.Attribute("cn", "user" + u),
                        new com.unboundid.ldap.sdk.Attribute("sn", "user" + u),
                        new com.unboundid.ldap.sdk.Attribute("userPassword", password(u))));
            }
        }
    }

    private void cleanUp() {
        Process p = slapd;
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dir != null && !options.keep) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder
            }
        }
    }

    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: benchmarks/ldap-run.sh [options]",
                "  --concurrency N,M       users logging in at once, one level after the other (1,16)",
                "  --seconds S             how long each figure is measured (5)",
                "  --max-minutes M         limit for the whole run (5)",
                "  --slapd CMD             Debian's slapd (/usr/sbin/slapd)",
                "  --ldapwhoami CMD        the floor's client (/usr/bin/ldapwhoami)",
                "  --keep                  keep the temporary folder (slapd.conf, slapd.log)");

        boolean help;
        boolean keep;
        List<Integer> concurrency = List.of(1, 16);
        int seconds = 5;
        int maxMinutes = 5;
        String slapd = "/usr/sbin/slapd";
        String ldapwhoami = "/usr/bin/ldapwhoami";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--keep" -> o.keep = true;
                    case "--concurrency" -> o.concurrency = Cli.positives(a, value(args, ++i, a));
                    case "--seconds" -> o.seconds = Cli.positive(a, value(args, ++i, a));
                    case "--max-minutes" -> o.maxMinutes = Cli.positive(a, value(args, ++i, a));
                    case "--slapd" -> o.slapd = value(args, ++i, a);
                    case "--ldapwhoami" -> o.ldapwhoami = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.concurrency.stream().anyMatch(c -> c > 64)) {
                throw new IllegalArgumentException("--concurrency: at most 64 at once (the authenticator's pool takes that many)");
            }
            return o;
        }
    }
}
