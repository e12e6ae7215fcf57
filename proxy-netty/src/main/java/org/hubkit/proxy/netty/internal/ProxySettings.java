package org.hubkit.proxy.netty.internal;

/**
 * What {@link ProxyServer} needs from the proxy's configuration, already validated.
 *
 * @param ip the address to listen on; empty for every interface
 * @param port the port to listen on; 0 for any free one
 * @param ioThreads event loop threads; 0 for Netty's default (twice the cores)
 * @param preferNative whether to use epoll where available
 * @param connectTimeoutMillis how long to wait for a target to accept a connection
 * @param keepAliveTimeoutMillis how long a client connection may sit idle between requests
 */
public record ProxySettings(String ip, int port, int ioThreads, boolean preferNative,
        int connectTimeoutMillis, long keepAliveTimeoutMillis) {
}
