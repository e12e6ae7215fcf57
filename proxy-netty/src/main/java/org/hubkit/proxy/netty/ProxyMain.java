package org.hubkit.proxy.netty;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code hubkit-proxy} command: a drop-in for the {@code configurable-http-proxy} command
 * that JupyterHub (or anything else) starts. Same flags (see {@code --help}), environment
 * ({@code CONFIGPROXY_AUTH_TOKEN}), REST API and log lines
 * ({@code 2024-05-01T12:00:00.000Z [ConfigProxy] info: Route added / -> http://...}); exits 1 on
 * a flag it does not know or implement, naming it, and 2 on SIGTERM or SIGINT, as CHP does.
 * With {@code --ssl-key}/{@code --ssl-cert}, the files are re-read when they change (checked
 * every 5 s) and at once on {@code SIGHUP}; new connections get the new certificate.
 *
 * <p>Run it from the shaded {@code hubkit-proxy.jar} ({@code java -jar}, or
 * {@code proxy-netty/bin/hubkit-proxy}), which carries the logging backend; the level follows
 * {@code --log-level} through the system property {@code hubkit.proxy.log.level}.
 *
 * @since 0.1
 */
public final class ProxyMain {
    /** The system property the launcher's logback configuration reads the level from. */
    static final String LOG_LEVEL_PROPERTY = "hubkit.proxy.log.level";

    private ProxyMain() {
    }

    /**
     * Starts the proxy and its API and waits until the process is told to stop.
     *
     * @param args configurable-http-proxy's command-line flags
     */
    public static void main(String[] args) {
        if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
            System.setProperty(LOG_LEVEL_PROPERTY, CommandLine.logLevel(args));
        }
        int code = run(args, System.getenv(), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** @return the exit code if the proxy could not start, else 0 once it runs (after blocking) */
    private static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine cli;
        try {
            cli = CommandLine.parse(args, env);
        } catch (CommandLine.UsageException e) {
            err.println(e.getMessage());
            return 1;
        }
        if (cli.action == CommandLine.Action.HELP) {
            out.print(CommandLine.USAGE);
            return 0;
        }
        if (cli.action == CommandLine.Action.VERSION) {
            String v = ProxyMain.class.getPackage().getImplementationVersion();
            out.println(v == null ? "0.1.0-SNAPSHOT" : v);
            return 0;
        }
        Logger log = LoggerFactory.getLogger(ProxyMain.class);
        ChpCompatibleProxy proxy;
        try {
            proxy = start(cli);
        } catch (ConfigException e) {
            e.problems().forEach(p -> log.error("{}", p));
            return 1;
        } catch (HubException e) {
            log.error("{}", e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "hubkit-proxy-shutdown"));
        trapSignal("TERM", "Terminated", log);
        trapSignal("INT", "Interrupted", log);
        if (proxy.proxy().tls()) {
            trapHangUp(proxy.proxy(), log);
        }
        if (cli.pidFile != null) {
            writePid(cli, log);
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Parses the command line and starts what it describes; the code path of {@link #main},
     * without signals, pid file and exit codes.
     *
     * @param args configurable-http-proxy's flags
     * @param env the environment to read {@code CONFIGPROXY_*} from
     * @return the running proxy; the caller closes it
     * @throws CommandLine.UsageException if a flag is unknown, unsupported or has a bad value
     * @throws ConfigException if the flags describe an invalid configuration
     * @throws HubException if an address cannot be bound
     */
    static ChpCompatibleProxy launch(String[] args, Map<String, String> env) throws CommandLine.UsageException {
        CommandLine cli = CommandLine.parse(args, env);
        if (cli.action != CommandLine.Action.RUN) {
            throw new CommandLine.UsageException("--help and --version do not start a proxy");
        }
        return start(cli);
    }

    private static ChpCompatibleProxy start(CommandLine cli) {
        Logger log = LoggerFactory.getLogger(ProxyMain.class);
        cli.warnings.forEach(w -> log.warn("{}", w));
        cli.notes.forEach(n -> log.info("{}", n));
        return cli.builder.build().start();
    }

    /** Logs and exits 2 on the signal, as configurable-http-proxy; shutdown hooks close the proxy. */
    private static void trapSignal(String name, String message, Logger log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                log.warn("{}", message);
                System.exit(2);
            });
        } catch (IllegalArgumentException | LinkageError e) {
            log.debug("Cannot trap SIG{}: {}; the JVM's default applies", name, e.toString());
        }
    }

    /** {@code SIGHUP}: read the TLS files again now (CHP would exit; nothing sends it one). */
    private static void trapHangUp(NettyProxy proxy, Logger log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                log.info("SIGHUP: reloading the TLS certificate");
                proxy.reloadTls();
            });
        } catch (IllegalArgumentException | LinkageError e) {
            log.debug("Cannot trap SIGHUP: {}; the TLS files are still checked periodically", e.toString());
        }
    }

    private static void writePid(CommandLine cli, Logger log) {
        long pid = ProcessHandle.current().pid();
        log.info("Writing pid {} to {}", pid, cli.pidFile);
        try {
            Files.writeString(cli.pidFile, Long.toString(pid), StandardCharsets.US_ASCII);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.deleteIfExists(cli.pidFile);
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }, "hubkit-proxy-pid-file"));
        } catch (IOException e) {
            log.error("Cannot write pid file {}: {}", cli.pidFile, e.toString());
        }
    }
}
