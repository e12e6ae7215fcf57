package org.hubkit.core;

import org.hubkit.testkit.RealComponents;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.hubkit.api.Proxy;

/**
 * The end-to-end scenario with the real configurable-http-proxy (npm, 5.x) in front of the hub,
 * started and driven through its REST API by {@link ConfigurableHttpProxy}, as JupyterHub does.
 */
class EndToEndChpIT extends EndToEndScenario {
    @Override
    Database database(Path dir) {
        return Database.h2(dir.resolve("db-" + getClass().getSimpleName()));
    }

    /** The proxy command the hub starts: the npm configurable-http-proxy here. */
    String proxyCommand() {
        return RealComponents.chpCommand();
    }

    @Override
    Proxy proxy(int publicPort) {
        return ConfigurableHttpProxy.builder().command(List.of(proxyCommand()))
                .publicAddress("127.0.0.1", publicPort)
                .apiUrl(URI.create("http://127.0.0.1:" + RealComponents.freePort()))
                .authToken("chp-e2e-" + System.nanoTime())
                .logFile(dir.resolve("chp.log"))
                .build();
    }
}
