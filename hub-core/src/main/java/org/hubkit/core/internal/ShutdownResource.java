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
        resp.setContentLength(0);
        // The hub stops only once the 202 has gone out whole: stopping first cut it off mid-answer.
        jakarta.servlet.AsyncContext ctx = req.startAsync();
        ctx.addListener(new jakarta.servlet.AsyncListener() {
            @Override
            public void onComplete(jakarta.servlet.AsyncEvent event) {
                new Thread(shutdown, "hubkit-shutdown").start();
            }

            @Override
            public void onTimeout(jakarta.servlet.AsyncEvent event) {
            }

            @Override
            public void onError(jakarta.servlet.AsyncEvent event) {
                new Thread(shutdown, "hubkit-shutdown").start();
            }

            @Override
            public void onStartAsync(jakarta.servlet.AsyncEvent event) {
            }
        });
        ctx.complete();
    }
}
