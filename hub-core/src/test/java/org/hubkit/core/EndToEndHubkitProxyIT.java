package org.hubkit.core;

/**
 * The end-to-end scenario with Hubkit's standalone {@code hubkit-proxy} started by the hub and
 * driven through configurable-http-proxy's REST API, as the Python JupyterHub would drive it.
 */
class EndToEndHubkitProxyIT extends EndToEndChpIT {
    @Override
    String proxyCommand() {
        return StandaloneProxy.command();
    }
}
