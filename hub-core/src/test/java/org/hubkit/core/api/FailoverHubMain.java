package org.hubkit.core.api;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hubkit.api.AccessRules;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;

/**
 * One hub of {@link FailoverScenario}, in a JVM of its own: started from the test class path,
 * killed with {@code kill -9} by the test. Its single-user servers are {@link TestHub}'s Python
 * script, their environment files in {@code FAILOVER_ENV_DIR} (shared by both hubs). It prints
 * {@code FAILOVER-MAIN role=active|standby} when {@code start()} returns and
 * {@code FAILOVER-MAIN now active} when a standby has taken over; SIGTERM closes it.
 *
 * <p>Environment: {@code FAILOVER_DB} (a JDBC URL, or {@code h2:<dir>}), {@code FAILOVER_DIR},
 * {@code FAILOVER_ENV_DIR}, {@code FAILOVER_HUB_PORT}, {@code FAILOVER_PROXY_PORT},
 * {@code FAILOVER_TOKEN} (an admin service's token), {@code FAILOVER_STANDBY_POLL_MS} (optional).
 */
public final class FailoverHubMain {
    private FailoverHubMain() {
    }

    public static void main(String[] args) throws Exception {
        String db = env("FAILOVER_DB");
        Path dir = Path.of(env("FAILOVER_DIR"));
        Path envDir = Files.createDirectories(Path.of(env("FAILOVER_ENV_DIR")));
        int proxyPort = Integer.parseInt(env("FAILOVER_PROXY_PORT"));
        Hub.Builder b = Hub.builder()
                .spawner(LocalProcessSpawner.builder()
                        .cmd(List.of("/usr/bin/python3", "-c", TestHub.SERVER_SCRIPT))
                        .logDirectory(dir.resolve("logs"))
                        .environment("HUBKIT_TEST_DIR", envDir.toString())
                        .stopTimeout(Duration.ofSeconds(3))
                        .isolation(LocalProcessSpawner.Isolation.NONE)
                        .build())
                .authenticator(SharedPasswordAuthenticator.builder().password(TestHub.PASSWORD)
                        .accessRules(AccessRules.allowAllUsers()).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .volumePolicy(VolumePolicy.perUserDirectory(dir.resolve("home"), "/home/jovyan"))
                .database(db.startsWith("h2:") ? Database.h2(Path.of(db.substring(3))) : Database.of(db))
                .port(Integer.parseInt(env("FAILOVER_HUB_PORT")))
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .startTimeout(Duration.ofSeconds(30))
                .httpTimeout(Duration.ofSeconds(10))
                .slowSpawnTimeout(Duration.ofSeconds(2))
                .addService(new Service("failover-admin", env("FAILOVER_TOKEN"), true));
        String poll = System.getenv("FAILOVER_STANDBY_POLL_MS");
        if (poll != null) {
            b.standbyPollInterval(Duration.ofMillis(Long.parseLong(poll)));
        }
        Hub hub = b.build();
        Runtime.getRuntime().addShutdownHook(new Thread(hub::close, "failover-main-close"));
        hub.start();
        System.out.println("FAILOVER-MAIN role=" + (hub.isActive() ? "active" : "standby"));
        hub.whenActive().thenRun(() -> System.out.println("FAILOVER-MAIN now active"));
        hub.awaitShutdown();
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(name + " is not set");
        }
        return v;
    }
}
