package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.forbidden;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.hubkit.api.ProgressEvent;

/**
 * {@code /users/{name}/server} and {@code /users/{name}/servers/{server}}: start, stop (and
 * remove), and the progress stream. Stateless: servers are {@link ServerLifecycle}'s.
 */
final class ServersResource {
    private final HubEngine engine;

    ServersResource(HubEngine engine) {
        this.engine = engine;
    }

    void serverAction(HttpServletRequest req, HttpServletResponse resp, String method, UserState u, String serverName,
                              Caller c) throws IOException {
        if (method.equals("POST")) {
            Map<String, Object> options = body(req);
            ServerState existing = u.server(serverName);
            if (existing != null && existing.pending() == ServerState.Pending.SPAWN) {
                // JupyterHub: a start request for a server that is already starting is accepted again.
                resp.setStatus(202);
                return;
            }
            answerWhenDone(req, resp, engine.spawn(u, serverName, options), 201);
        } else if (method.equals("DELETE")) {
            if (!c.hasForServer("delete:servers", u.name, serverName, engine)) {
                throw forbidden(c, "delete:servers");
            }
            ServerState s = u.server(serverName);
            Object removeFlag = body(req).get("remove");
            if (removeFlag != null && !(removeFlag instanceof Boolean)) {
                throw new ApiError(400, "remove must be a boolean");
            }
            boolean remove = !serverName.isEmpty() && Boolean.TRUE.equals(removeFlag);
            if (s == null) {
                if (serverName.isEmpty()) {
                    resp.setStatus(204);
                    return;
                }
                throw new ApiError(404, "No such server: " + u.name + "/" + serverName);
            }
            if (!s.active() && !remove) {
                resp.setStatus(204);
                return;
            }
            answerWhenDone(req, resp, engine.stop(u, s, remove), 204);
        } else {
            throw new ApiError(405, "Method not allowed");
        }
    }

    /**
     * Answers {@code doneStatus} if {@code work} completes within the slow spawn timeout, 202 if
     * it is still going then, 500 if it failed; the request thread returns at once.
     */
    private void answerWhenDone(HttpServletRequest req, HttpServletResponse resp, CompletableFuture<Void> work, int doneStatus) {
        Deferred.answer(req, work, engine.settings.slowSpawnTimeout(), (done, failure) -> {
            if (!done) {
                resp.setStatus(202);
            } else if (failure == null) {
                resp.setStatus(doneStatus);
            } else if (HubEngine.unwrap(failure) instanceof RequestRefusedException refused) {
                ApiError e = ApiError.of(refused);
                Web.error(resp, e.status(), e.getMessage());
            } else {
                Web.error(resp, 500, HubEngine.rootMessage(failure));
            }
        });
    }

    void progress(HttpServletRequest req, HttpServletResponse resp, UserState u, String serverName) throws IOException {
        ServerState s = u.server(serverName);
        if (s == null) {
            // JupyterHub: 404 when the user has no such server (never started, or stopped).
            throw new ApiError(404, u.name + " has no server " + (serverName.isEmpty() ? "(default)" : serverName));
        }
        ProgressEvent last = s.lastEvent();
        ServerState.Pending pending = s.pending();
        long maxMillis = engine.settings.startTimeout().multipliedBy(2).plus(engine.settings.httpTimeout())
                .plusSeconds(60).toMillis();
        if (s.ready() && pending == null) {
            // As JupyterHub: a ready server's stream is one "ready" event.
            ProgressEvent ready = new ProgressEvent(100, "Server ready at " + HubEngine.prefix(s.id), true, false,
                    HubEngine.prefix(s.id));
            ProgressStream.open(req, resp, s, List.of(ready), true, engine.scheduler(), maxMillis);
        } else if (pending == ServerState.Pending.SPAWN) {
            ProgressStream.open(req, resp, s, List.of(), false, engine.scheduler(), maxMillis);
        } else if (pending == null && last != null && last.failed()) {
            ProgressStream.open(req, resp, s, List.of(last), true, engine.scheduler(), maxMillis);
        } else {
            // Stopping, or being checked after a hub restart: nothing is starting (JupyterHub answers 400 too).
            throw new ApiError(400, u.name + "'s server " + (serverName.isEmpty() ? "" : serverName + " ") + "is not starting");
        }
    }

}
