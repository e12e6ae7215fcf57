package org.hubkit.core.internal;

import static org.hubkit.core.internal.ApiRequest.body;
import static org.hubkit.core.internal.ApiRequest.needUser;
import static org.hubkit.core.internal.ApiRequest.requireMethod;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.hubkit.api.HubException;
import org.hubkit.api.InvalidServerNameException;
import org.hubkit.api.InvalidUsernameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JupyterHub's REST API under {@code /hub/api}, and the OAuth2 provider endpoints: authenticates
 * the caller, matches the path and dispatches to one handler per resource ({@link UsersResource},
 * {@link ServersResource}, {@link TokensResource}, ...), and turns what they throw into JupyterHub's
 * error answers in one place. Stateless beyond its handlers.
 */
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);
    public static final String JUPYTERHUB_VERSION = "3.0.0";

    private final transient HubEngine engine;
    private final transient HubInfoResource hubInfo;
    private final transient UsersResource users;
    private final transient ServersResource servers;
    private final transient TokensResource tokens;
    private final transient GroupsResource groups;
    private final transient ServicesResource services;
    private final transient ProxyResource proxy;
    private final transient ShutdownResource shutdown;
    private final transient OAuthEndpoints oauth;

    public ApiServlet(HubEngine engine, Runnable shutdown) {
        this.engine = engine;
        this.hubInfo = new HubInfoResource(engine);
        this.users = new UsersResource(engine);
        this.servers = new ServersResource(engine);
        this.tokens = new TokensResource(engine);
        this.groups = new GroupsResource(engine);
        this.services = new ServicesResource(engine);
        this.proxy = new ProxyResource(engine);
        this.shutdown = new ShutdownResource(engine, shutdown);
        this.oauth = new OAuthEndpoints(engine);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("X-JupyterHub-Version", JUPYTERHUB_VERSION);
        resp.setHeader("Cache-Control", "no-store");
        String method = req.getMethod();
        try {
            route(req, resp, method, Web.pathSegments(req, "/hub/api"));
        } catch (ApiError e) {
            answer(resp, e);
        } catch (RequestRefusedException e) {
            answer(resp, ApiError.of(e));
        } catch (InvalidUsernameException | InvalidServerNameException e) {
            Web.error(resp, 400, e.getMessage());
        } catch (JsonProcessingException e) {
            Web.error(resp, 400, "Invalid JSON in the request body: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            Web.error(resp, 400, "Invalid request: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Web.error(resp, 503, "Hub is shutting down");
        } catch (HubException e) {
            // The message is for the log: it may hold a database's or a spawner's internals.
            LOG.warn("{} {} failed: {}", method, LogSafe.value(req.getRequestURI()), LogSafe.value(e.getMessage(), 300));
            internalError(resp);
        } catch (RuntimeException e) {
            int status = ErrorPages.statusOf(e);
            if (status < 500) {
                Web.error(resp, status, org.eclipse.jetty.http.HttpStatus.getMessage(status));
            } else {
                LOG.error("{} {} failed", method, LogSafe.value(req.getRequestURI()), LogSafe.throwable(e));
                internalError(resp);
            }
        }
    }

    private static void answer(HttpServletResponse resp, ApiError e) throws IOException {
        if (e.retryAfterSeconds() != null) {
            resp.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        Web.error(resp, e.status(), e.getMessage());
    }

    /** JupyterHub's answer to an unexpected error: a 500 that says nothing about its cause. */
    private static void internalError(HttpServletResponse resp) throws IOException {
        if (!resp.isCommitted()) {
            resp.resetBuffer();
            Web.error(resp, 500, "Internal Server Error");
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p)
            throws IOException, InterruptedException {
        if (p.isEmpty()) {
            hubInfo.version(resp, method);
            return;
        }
        String head = p.get(0);
        if (head.equals("oauth2")) {
            oauth.oauth(req, resp, method, p);
            return;
        }
        if (head.equals("health") && p.size() == 1) {
            hubInfo.health(resp);
            return;
        }
        Caller c = Caller.of(req, engine);
        if (c == null) {
            throw new ApiError(403, "Missing or invalid credentials");
        }
        if (c.token() == null && !method.equals("GET") && !method.equals("HEAD")) {
            // A cookie alone cannot change state: the XSRF token must be valid for this login session,
            // and the request must come from the hub's own pages.
            String submitted = req.getHeader("X-XSRFToken");
            String refused = Xsrf.refusal(req, engine, submitted != null ? submitted : req.getParameter("_xsrf"));
            if (refused != null) {
                LOG.info("{} {} with a login cookie refused: {}", method, LogSafe.value(req.getRequestURI()), refused);
                throw new ApiError(403, "'_xsrf' argument missing from " + method);
            }
        }
        switch (head) {
            case "user" -> hubInfo.self(req, resp, method, c);
            case "info" -> hubInfo.info(resp, method, c);
            case "users" -> routeUsers(req, resp, method, p, c);
            case "services" -> services.services(resp, method, p, c);
            case "groups" -> groups.handle(req, resp, method, c);
            case "proxy" -> proxy.handle(req, resp, method, c);
            case "shutdown" -> shutdown.handle(req, resp, method, c);
            default -> throw new ApiError(404, "Not found");
        }
    }

    /** {@code /users...}: the collection, one user, or one of a user's servers, tokens or activity. */
    private void routeUsers(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p, Caller c)
            throws IOException, InterruptedException {
        if (p.size() == 1) {
            users.collection(req, resp, method, c);
            return;
        }
        String name = p.get(1);
        if (p.size() == 2) {
            users.userResource(req, resp, method, name, c);
            return;
        }
        UserState u = engine.user(name);
        String sub = p.get(2);
        switch (sub) {
            case "server", "servers" -> {
                String serverName;
                int rest;
                if (sub.equals("server")) {
                    serverName = "";
                    rest = 3;
                } else {
                    if (p.size() < 4) {
                        throw new ApiError(404, "Not found");
                    }
                    serverName = p.get(3);
                    rest = 4;
                }
                if (p.size() == rest + 1 && p.get(rest).equals("progress")) {
                    requireMethod(method, "GET");
                    servers.progress(req, resp, needUser(engine, u, name, c, "read:servers"), serverName);
                } else if (p.size() == rest) {
                    servers.serverAction(req, resp, method, needUser(engine, u, name, c, "servers"), serverName, c);
                } else {
                    throw new ApiError(404, "Not found");
                }
            }
            case "tokens" -> tokens.tokens(req, resp, method, p, name, u, c);
            case "activity" -> {
                requireMethod(method, "POST");
                users.activity(req, resp, needUser(engine, u, name, c, "users:activity"));
            }
            default -> throw new ApiError(404, "Not found");
        }
    }
}
