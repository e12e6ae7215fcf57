package org.hubkit.proxy.netty;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Python JupyterHub (3.0, the {@code jupyterhub} command) with
 * {@code c.ConfigurableHTTPProxy.command = ['.../bin/hubkit-proxy']}: the hub starts our proxy,
 * drives it through the CHP REST API, and a user's server, its REST API and a kernel's
 * WebSocket are reached through it. Skips without {@code jupyterhub} on the PATH, fails under
 * {@code CI=true}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PythonJupyterHubIT {
    @Test
    void hubStartsOurProxyAndAUsersServerAndKernelAreReachedThroughIt(@TempDir Path dir) throws Exception {
        new JupyterHubRun(dir).run("http", "http", List.of(), output -> { });
    }
}
