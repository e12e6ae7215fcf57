package org.hubkit.docker.internal;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a container reaches the hub. The hub puts its own URL in {@code JUPYTERHUB_API_URL}; when
 * that names a loopback address, which inside a container is the container itself, every variable
 * that starts with the hub's {@code scheme://host:port} gets the gateway of the container's
 * network instead (the hub listens there too, see {@code Spawner.hubListenAddresses}). Any other
 * host (a hub in a container, {@code http://hub:8081}) is left as it is. Stateless.
 */
public final class HubAddress {
    private HubAddress() {
    }

    /**
     * @param environment the hub's environment for the server
     * @param gateway the gateway of the container's network, or null when the container shares the host's network
     * @return the environment the container gets
     */
    public static Map<String, String> rewrite(Map<String, String> environment, String gateway) {
        String api = environment.get("JUPYTERHUB_API_URL");
        if (api == null || gateway == null) {
            return environment;
        }
        URI uri;
        try {
            uri = URI.create(api);
        } catch (IllegalArgumentException e) {
            return environment;
        }
        if (uri.getHost() == null || !isLoopback(uri.getHost())) {
            return environment;
        }
        String from = uri.getScheme() + "://" + uri.getRawAuthority();
        String host = gateway.contains(":") ? "[" + gateway + "]" : gateway;
        String to = uri.getScheme() + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        Map<String, String> out = new LinkedHashMap<>();
        environment.forEach((k, v) -> out.put(k, v.startsWith(from) && (v.length() == from.length()
                || "/?#".indexOf(v.charAt(from.length())) >= 0) ? to + v.substring(from.length()) : v));
        return out;
    }

    /**
     * @param environment the hub's environment for the server
     * @return the hub's port from {@code JUPYTERHUB_API_URL}, or -1
     */
    public static int hubPort(Map<String, String> environment) {
        try {
            URI uri = URI.create(environment.getOrDefault("JUPYTERHUB_API_URL", ""));
            return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : "http".equals(uri.getScheme()) ? 80 : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /**
     * @param host a host name or address
     * @return whether it is this machine's loopback
     */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("127.") || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }
}
