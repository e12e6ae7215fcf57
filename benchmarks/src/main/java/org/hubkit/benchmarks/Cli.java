package org.hubkit.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the mains of {@link HubBenchmark} and {@link ProxyBenchmark} share: option errors and
 * {@code --help}, the clean-up hook and the time limit of the whole run.
 */
final class Cli {

    /** A run of a benchmark with its options; returns the exit code. */
    interface Run<O> {
        int run(O options) throws Exception;
    }

    private Cli() {
    }

    /**
     * Parses {@code args}: on a bad option prints why and {@code usage} to standard error and
     * exits 2; with {@code --help} prints {@code usage} and returns; else exits with the code
     * {@code run} returns.
     */
    static <O> void main(String[] args, Function<String[], O> parse, Predicate<O> help, String usage, Run<O> run)
            throws Exception {
        O options;
        try {
            options = parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(usage);
            System.exit(2);
            return;
        }
        if (help.test(options)) {
            System.out.println(usage);
            return;
        }
        System.exit(run.run(options));
    }

    /**
     * Runs {@code cleanUp} on any exit of the JVM (a shutdown hook named {@code hookName}), and
     * stops the JVM with exit code 3 after {@code maxMinutes}.
     *
     * @return the watchdog: interrupt it when the run has finished in time
     */
    static Thread guard(Runnable cleanUp, String hookName, int maxMinutes) {
        Runtime.getRuntime().addShutdownHook(new Thread(cleanUp, hookName));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofMinutes(maxMinutes).toMillis());
                System.err.println("time limit of " + maxMinutes + " min reached: stopping"
                        + " (the shutdown hook ends what was started)");
                System.exit(3);
            } catch (InterruptedException done) {
                // finished in time
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    /** The value after option {@code args[i - 1]}. */
    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** An option's value as a whole number of at least 1, or a message naming the option. */
    static int positive(String option, String v) {
        int n = atLeastZero(option, v);
        if (n < 1) {
            throw new IllegalArgumentException(option + " needs a positive whole number, not " + v);
        }
        return n;
    }

    /** @return a comma-separated list of positive whole numbers ({@code --concurrency 1,10}) */
    static List<Integer> positives(String option, String v) {
        return Arrays.stream(v.split(",")).map(x -> positive(option, x.trim())).toList();
    }

    /** An option's value as a whole number of at least 0, or a message naming the option. */
    static int atLeastZero(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a whole number >= 0, not " + v);
    }

    /** The Hubkit checkout: {@code given}, else property {@code hubkit.repo}, else {@code $HUBKIT_REPO}, else the current folder. */
    static Path repo(Path given) {
        if (given != null) {
            return given;
        }
        String prop = System.getProperty("hubkit.repo", System.getenv("HUBKIT_REPO"));
        return Path.of(prop == null ? "" : prop).toAbsolutePath().normalize();
    }

    /** The reference server's jar as the checkout builds it. */
    static Path serverJar(Path repo) {
        return repo.resolve("examples/reference-server/target/hubkit-server.jar");
    }

    /** Whether {@code cmd} names an executable file. */
    static boolean executable(String cmd) {
        return cmd != null && Files.isExecutable(Path.of(cmd));
    }
}
