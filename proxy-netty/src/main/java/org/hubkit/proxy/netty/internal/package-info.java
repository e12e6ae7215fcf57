/**
 * The proxy's implementation: not API, may change in any release. Only the classes of
 * {@code org.hubkit.proxy.netty} use it.
 */
package org.hubkit.proxy.netty.internal;
