package org.hubkit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real components integration tests run against: the single-user server, the npm
 * configurable-http-proxy, PostgreSQL, Chromium. A test that cannot find one is skipped on a
 * developer's machine, and fails when the environment variable {@code CI} is {@code true}, so
 * that CI never passes by skipping.
 *
 * <p>Each lookup tries an environment variable first (set by the project's {@code scripts/test.sh}),
 * then the usual Debian path, then {@code PATH}.
 *
 * @since 0.1
 */
public final class RealComponents {
    private RealComponents() {
    }

    /** @return whether this run is CI's ({@code CI=true}) */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Ends the current test because a component is missing: skipped, or failed under CI.
     *
     * @param what the component, and where it comes from
     */
    public static void missing(String what) {
        if (ci()) {
            Assertions.fail(what + " is required under CI=true (scripts/test.sh installs and starts it)");
        }
        Assumptions.abort(what + " is not available; skipping");
    }

    /**
     * @param what the component, for the message
     * @param envVar an environment variable naming the executable
     * @param usual the usual absolute path
     * @param name the file name to look for on PATH
     * @return the executable; ends the test if none is found
     */
    public static Path executable(String what, String envVar, String usual, String name) {
        String fromEnv = System.getenv(envVar);
        if (fromEnv != null && !fromEnv.isBlank() && Files.isExecutable(Path.of(fromEnv))) {
            return Path.of(fromEnv);
        }
        if (usual != null && Files.isExecutable(Path.of(usual))) {
            return Path.of(usual);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        missing(what);
        throw new IllegalStateException("unreachable");
    }

    /** @return the real {@code jupyterhub-singleuser} (Debian's, preferred over one a virtualenv puts first on PATH) */
    public static String singleuserCommand() {
        return executable("jupyterhub-singleuser (Debian package jupyterhub)", "HUBKIT_SINGLEUSER_CMD",
                "/usr/bin/jupyterhub-singleuser", "jupyterhub-singleuser").toString();
    }

    /** @return the arguments it needs here: the notebook server refuses to run as root without {@code --allow-root} */
    public static List<String> singleuserArgs() {
        return "root".equals(System.getProperty("user.name").toLowerCase(Locale.ROOT)) ? List.of("--allow-root") : List.of();
    }

    /** @return the npm configurable-http-proxy 5.x */
    public static String chpCommand() {
        return executable("configurable-http-proxy from npm (scripts/install-components.sh)", "HUBKIT_CHP_CMD",
                "/opt/hubkit-chp/node_modules/.bin/configurable-http-proxy", "configurable-http-proxy").toString();
    }

    /** @return Debian's Chromium */
    public static Path chromium() {
        return executable("Chromium (Debian package chromium)", "HUBKIT_CHROMIUM", "/usr/bin/chromium", "chromium");
    }

    /** @return the chromedriver matching it */
    public static Path chromedriver() {
        return executable("chromedriver (Debian package chromium-driver)", "HUBKIT_CHROMEDRIVER", "/usr/bin/chromedriver",
                "chromedriver");
    }

    /**
     * The command-line flags of a headless Chromium for tests on these machines: no sandbox (root),
     * no background traffic, a 1280x900 window, and no host name resolving but the loopback ones, so
     * that nothing a page asks for can leave the machine.
     *
     * @param profile a fresh, empty user data directory for this browser
     * @return the flags, for {@code ChromeOptions.addArguments}
     */
    public static java.util.List<String> chromiumArguments(Path profile) {
        return java.util.List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--window-size=1280,900",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
                "--user-data-dir=" + profile);
    }

    /** @return the JDBC URL of the test PostgreSQL server ({@code HUBKIT_PG_URL}) */
    public static String postgresUrl() {
        String url = System.getenv("HUBKIT_PG_URL");
        if (url == null || url.isBlank()) {
            missing("PostgreSQL ($HUBKIT_PG_URL, scripts/start-postgres.sh)");
        }
        return url;
    }

    /**
     * Ends the test unless a Docker engine answers (as Testcontainers finds it: {@code DOCKER_HOST}
     * or the local socket) and has every image given, built locally: nothing is ever pulled.
     *
     * @param images local image tags, e.g. {@code hubkit/singleuser:test}
     */
    public static void dockerImages(String... images) {
        org.testcontainers.DockerClientFactory docker = org.testcontainers.DockerClientFactory.instance();
        if (!docker.isDockerAvailable()) {
            missing("A Docker engine (scripts/start-docker.sh)");
        }
        for (String image : images) {
            try {
                docker.client().inspectImageCmd(image).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                missing("The local image " + image + " (scripts/build-images.sh builds it)");
            }
        }
    }

    /** @return a loopback port nothing listens on right now */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
