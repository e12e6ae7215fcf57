package org.hubkit.core;

/**
 * {@link ConfigurableHttpProxy} driving Hubkit's standalone {@code hubkit-proxy} through the
 * same REST API passes the proxy contract, and its routes come back after the process dies.
 */
class HubkitProxyClientContractIT extends ConfigurableHttpProxyContractIT {
    @Override
    String proxyCommand() {
        return StandaloneProxy.command();
    }
}
