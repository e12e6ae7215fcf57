package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.requireMethod;
import static org.hubkit.core.internal.ApiRequest.requireScope;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /shutdown}: answers 202, then shuts the hub down on its own thread. Stateless. */
final class ShutdownResource {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownResource.class);

    private final HubEngine engine;
    private final Runnable shutdown;

    ShutdownResource(HubEngine engine, Runnable shutdown) {
        this.engine = engine;
        this.shutdown = shutdown;
    }

    void handle(HttpServletRequest req, HttpServletResponse resp, String method, Caller c) throws IOException {
        requireMethod(method, "POST");
        requireScope(c, "shutdown");
        Map<String, Object> body = body(req);
        Object servers = body.getOrDefault("servers", engine.cleanupOnClose());
        if (!(servers instanceof Boolean) || !(body.getOrDefault("proxy", true) instanceof Boolean)) {
            throw new ApiError(400, "servers and proxy must be booleans");
        }
        boolean stopServers = (Boolean) servers;
        engine.cleanupOnClose(stopServers);
        LOG.info("Shutdown requested by {}{}", LogSafe.value(c.name()), stopServers ? ", stopping all servers" : "");
        resp.setStatus(202);
        resp.flushBuffer();
        Thread t = new Thread(shutdown, "hubkit-shutdown");
        t.start();
    }
}
