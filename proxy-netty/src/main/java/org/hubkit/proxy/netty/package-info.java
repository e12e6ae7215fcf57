/**
 * A routing proxy on Netty that behaves like configurable-http-proxy (CHP):
 * {@link org.hubkit.proxy.netty.NettyProxy}, the in-process {@link org.hubkit.api.Proxy};
 * {@link org.hubkit.proxy.netty.ChpCompatibleProxy}, the same with CHP's REST API (and optional
 * metrics and HTTPS-redirect listeners) for clients that drive CHP over HTTP; and
 * {@link org.hubkit.proxy.netty.ProxyMain}, the {@code hubkit-proxy} command that takes CHP's
 * flags, so JupyterHub can run it as {@code c.ConfigurableHTTPProxy.command}.
 */
package org.hubkit.proxy.netty;
