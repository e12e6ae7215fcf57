package org.hubkit.proxy.netty.internal;

import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.api.Proxy;
import org.hubkit.api.ProxyFactory;
import org.hubkit.proxy.netty.NettyProxy;

/**
 * {@code proxy.type: netty}: the in-process {@link NettyProxy} on the proxy's public address,
 * with its defaults (CHP's). It reads no key of its own yet; proxy-netty's README says so.
 */
public final class NettyProxyFactory implements ProxyFactory {
    @Override
    public String type() {
        return "netty";
    }

    @Override
    public Configured<Proxy> configure(ConfigNode node, ConfigContext context) {
        NettyProxy.Builder builder = NettyProxy.builder().ip(context.proxyIp()).port(context.proxyPort());
        return builder::build;
    }
}
