/**
 * An in-process implementation of {@link org.hubkit.api.Proxy} on Netty:
 * {@link org.hubkit.proxy.netty.NettyProxy}.
 */
package org.hubkit.proxy.netty;
