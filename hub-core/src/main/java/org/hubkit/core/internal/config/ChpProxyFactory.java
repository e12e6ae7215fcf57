package org.hubkit.core.internal.config;

import java.net.URI;
import java.util.List;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.api.Proxy;
import org.hubkit.api.ProxyFactory;
import org.hubkit.core.ConfigurableHttpProxy;
import org.hubkit.core.Secrets;

/**
 * {@code proxy.type: chp}: {@link ConfigurableHttpProxy}, configurable-http-proxy (or
 * {@code hubkit-proxy}) driven through its REST API, on the proxy's public address. Keys:
 * {@code command} (started and kept running by the hub when given), {@code apiUrl} (default the
 * public port + 1 on 127.0.0.1), {@code authToken} (default {@code $CONFIGPROXY_AUTH_TOKEN}, else
 * generated for a proxy the hub starts). The proxy's output goes to {@code proxy.log} in the data
 * directory; its error pages come from the hub.
 */
public final class ChpProxyFactory implements ProxyFactory {
    @Override
    public String type() {
        return "chp";
    }

    @Override
    public Configured<Proxy> configure(ConfigNode node, ConfigContext context) {
        List<String> command = node.command("command", null);
        int port = context.proxyPort();
        URI apiUrl = node.url("apiUrl", URI.create("http://127.0.0.1:" + (port == 65535 ? 65534 : port + 1)));
        String token = node.secret("authToken", context.environment().get("CONFIGPROXY_AUTH_TOKEN"));
        if (token == null && command == null) {
            node.problem("authToken", "required for a proxy started elsewhere (or set CONFIGPROXY_AUTH_TOKEN)");
        }
        int hubPort = context.hubPort();
        if (command != null && hubPort != 0 && apiUrl.getPort() == hubPort) {
            node.problem("apiUrl", "port " + hubPort + " is also the hub's own port; the proxy started by the hub could not"
                    + " bind it (its default is " + node.key("port") + " + 1)");
        }
        String hubHost = context.hubIp().equals("0.0.0.0") ? "127.0.0.1" : context.hubIp();
        URI errorTarget = URI.create("http://" + (hubHost.contains(":") ? "[" + hubHost + "]" : hubHost) + ":"
                + context.hubPort() + "/hub/error");
        return () -> ConfigurableHttpProxy.builder()
                .command(command)
                .publicAddress(context.proxyIp(), port)
                .apiUrl(apiUrl)
                .authToken(token != null ? token : Secrets.newToken())
                .errorTarget(errorTarget)
                .logFile(context.dataDirectory().resolve("proxy.log"))
                .build();
    }
}
