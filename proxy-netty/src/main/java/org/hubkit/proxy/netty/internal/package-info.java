/**
 * The proxy's implementation: not API, may change in any release. Only
 * {@link org.hubkit.proxy.netty.NettyProxy} uses it.
 */
package org.hubkit.proxy.netty.internal;
