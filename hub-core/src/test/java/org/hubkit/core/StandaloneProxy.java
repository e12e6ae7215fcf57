package org.hubkit.core;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hubkit.testkit.RealComponents;

/** Hubkit's own standalone proxy, {@code proxy-netty/bin/hubkit-proxy}, built by the proxy-netty module before hub-core's tests. */
final class StandaloneProxy {
    private StandaloneProxy() {
    }

    static String command() {
        Path script = Path.of("..", "proxy-netty", "bin", "hubkit-proxy").toAbsolutePath().normalize();
        Path jar = Path.of("..", "proxy-netty", "target", "hubkit-proxy.jar");
        if (!Files.isExecutable(script) || !Files.isRegularFile(jar)) {
            RealComponents.missing("proxy-netty/target/hubkit-proxy.jar (built by `mvn package` in proxy-netty)");
        }
        return script.toString();
    }
}
