package org.hubkit.proxy.netty;

import java.net.URI;
import org.hubkit.api.Proxy;
import org.hubkit.testkit.ProxyContract;

/**
 * {@link NettyProxy} passes the proxy contract every {@link Proxy} implementation must pass. The
 * class is {@code ProxyContract}'s Javadoc example (hub-testkit's {@code JavadocExamplesTest}
 * checks that they stay the same).
 */
class NettyProxyContractTest extends ProxyContract {
    @Override
    protected Proxy createProxy() {
        return NettyProxy.builder().ip("127.0.0.1").port(0).build();
    }

    @Override
    protected URI publicUrl(Proxy started) {
        return URI.create("http://127.0.0.1:" + ((NettyProxy) started).port());
    }
}
