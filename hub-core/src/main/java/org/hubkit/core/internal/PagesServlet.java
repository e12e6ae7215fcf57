package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hubkit.api.Credentials;
import org.hubkit.api.InvalidOptionsException;
import org.hubkit.api.InvalidServerNameException;
import org.hubkit.api.InvalidUsernameException;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.SpawnOptionsForm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's server-rendered pages under {@code /hub/}: login, logout, home, spawn,
 * spawn-pending (with a progress bar fed by the progress event stream), the
 * {@code /hub/user/...} redirects and the proxy's error pages; plus, for any path outside
 * {@code /hub/}, JupyterHub's redirect to {@code /hub/...}.
 */
public final class PagesServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PagesServlet.class);
    private static final java.time.Duration LOGIN_PATIENCE = java.time.Duration.ofSeconds(60);

    private final transient HubEngine engine;
    private final transient LoginThrottle throttle = new LoginThrottle();

    public PagesServlet(HubEngine engine) {
        this.engine = engine;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("X-JupyterHub-Version", ApiServlet.JUPYTERHUB_VERSION);
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
        String uri = req.getRequestURI();
        if (!uri.equals("/hub") && !uri.startsWith("/hub/")) {
            outside(req, resp, uri);
            return;
        }
        try {
            List<String> p = Web.pathSegments(req, "/hub");
            String page = p.isEmpty() ? "" : p.get(0);
            switch (page) {
                case "" -> root(req, resp);
                case "login" -> login(req, resp);
                case "oauth_login" -> oauthLogin(req, resp, p);
                case "oauth_callback" -> oauthCallback(req, resp);
                case "oauth_backchannel_logout" -> backchannelLogout(req, resp, p);
                case "logout" -> logout(req, resp);
                case "home" -> home(req, resp);
                case "spawn" -> spawn(req, resp, p);
                case "spawn-pending" -> spawnPending(req, resp, p);
                case "user" -> userRedirect(req, resp, p);
                case "error" -> errorPage(resp, p.size() > 1 ? p.get(1) : "500");
                case "logo" -> logo(resp);
                case "favicon.ico" -> favicon(resp);
                case "static" -> {
                    if (p.size() == 2 && p.get(1).equals("favicon.ico")) {
                        favicon(resp);
                    } else {
                        page(resp, 404, "Not found", "<p>There is no page here.</p>");
                    }
                }
                default -> page(resp, 404, "Not found", "<p>There is no page here.</p>");
            }
        } catch (ApiError e) {
            refusalPage(resp, e);
        } catch (RequestRefusedException e) {
            refusalPage(resp, ApiError.of(e));
        } catch (InvalidUsernameException | InvalidServerNameException e) {
            page(resp, 400, "Error 400", "<p>" + Web.html(e.getMessage()) + "</p>");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            page(resp, 503, "Unavailable", "<p>The hub is shutting down.</p>");
        } catch (RuntimeException e) {
            int status = ErrorPages.statusOf(e);
            if (status == 500) {
                LOG.error("{} {} failed", req.getMethod(), LogSafe.value(uri), LogSafe.throwable(e));
            }
            if (!resp.isCommitted()) {
                resp.resetBuffer();
                page(resp, status, "Error " + status, status == 500 ? "<p>Something went wrong.</p>"
                        : "<p>" + Web.html(org.eclipse.jetty.http.HttpStatus.getMessage(status)) + "</p>");
            }
        }
    }

    private Caller loggedIn(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Caller c = Caller.fromCookie(req, engine);
        if (c == null) {
            String here = req.getRequestURI() + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
            redirect(resp, "/hub/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8));
        }
        return c;
    }

    private void root(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Caller c = loggedIn(req, resp);
        if (c == null) {
            return;
        }
        // Never to /hub/spawn: a page view (a browser's favicon request lands here too) must not start a server.
        ServerState s = c.user().server("");
        redirect(resp, s != null && s.ready() ? HubEngine.prefix(s.id) : "/hub/home");
    }

    /**
     * A request outside {@code /hub/} that reached the hub: the proxy sends what no route matches
     * (a stopped server's {@code /user/...}) here. {@code /} goes to the hub, {@code /user/...} to
     * the hub's page for that server (which offers to start it, never starts it), the favicon is
     * served, anything else is 404.
     */
    private void outside(HttpServletRequest req, HttpServletResponse resp, String uri) throws IOException {
        String q = req.getQueryString();
        if (uri.equals("/") || uri.isEmpty()) {
            redirect(resp, "/hub/");
        } else if (uri.startsWith("/user/")) {
            redirect(resp, "/hub" + uri + (q == null ? "" : "?" + q));
        } else if (uri.equals("/favicon.ico")) {
            favicon(resp);
        } else {
            page(resp, 404, "Not found", "<p>There is no page here.</p><p><a href=\"/hub/home\">Home</a></p>");
        }
    }

    // ------------------------------------------------------------------ login / logout

    private String xsrf(HttpServletRequest req, HttpServletResponse resp) {
        return Xsrf.issue(req, resp, engine);
    }

    private void login(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String next = Web.safeNext(req.getParameter("next"), "/hub/");
        if (req.getMethod().equals("GET")) {
            if (Caller.fromCookie(req, engine) != null) {
                redirect(resp, next);
                return;
            }
            loginForm(req, resp, 200, next, null);
            return;
        }
        if (!req.getMethod().equals("POST")) {
            throw new ApiError(405, "Method not allowed");
        }
        String refused = Xsrf.refusal(req, engine, req.getParameter("_xsrf"));
        if (refused != null) {
            LOG.info("Login form refused: {}", refused);
            loginForm(req, resp, 403, next, "Your form expired or came from another site; please try again.");
            return;
        }
        Map<String, String> form = new HashMap<>();
        req.getParameterMap().forEach((k, v) -> {
            if (!k.equals("password") && v.length > 0) {
                form.put(k, v[0]);
            }
        });
        Credentials credentials = new Credentials(req.getParameter("username"), req.getParameter("password"), form);
        String throttledName = throttledName(credentials.username());
        String address = LoginThrottle.clientAddress(req.getRemoteAddr(), forwardedFor(req));
        long wait = throttle.tryAcquire(throttledName, address);
        if (wait > 0) {
            // Refused before the password is checked: a guess made now is not a guess.
            resp.setHeader("Retry-After", String.valueOf(wait));
            loginForm(req, resp, 429, next, "Too many failed sign-in attempts. Please wait " + wait
                    + (wait == 1 ? " second" : " seconds") + " and try again.");
            return;
        }
        // The authenticator may be slow (a directory, a remote service): answer when it is done, holding no thread.
        CompletableFuture<Optional<UserState>> login = engine.login(credentials);
        Deferred.answer(req, login, LOGIN_PATIENCE, (done, failure) -> {
            if (!done || failure != null) {
                LOG.warn("Authenticator {} failed: {}", engine.logins.passwords().map(l -> l.authenticator().name()).orElse("-"),
                        done ? LogSafe.value(HubEngine.rootMessage(failure), 300)
                                : "no answer within " + LOGIN_PATIENCE.toSeconds() + " s");
                loginForm(req, resp, 500, next, "Login is not available right now; please try again later.");
                return;
            }
            Optional<UserState> user = login.join();
            if (user.isEmpty()) {
                loginForm(req, resp, 403, next, "Invalid username or password");
                return;
            }
            throttle.succeeded(throttledName, address);
            startSession(req, resp, user.get(), next);
        });
    }

    /** The end of every login: a new session, its cookie, an XSRF token bound to it, then {@code next}. */
    private void startSession(HttpServletRequest req, HttpServletResponse resp, UserState user, String next) {
        String sessionId = engine.createSession(user);
        Instant expires = Instant.now().plus(engine.settings.cookieMaxAge());
        Web.setCookie(resp, Web.LOGIN_COOKIE, Web.signedValue(engine.cookieSecret, sessionId, expires),
                engine.settings.cookieMaxAge().toSeconds(), true, engine.settings.cookieSecure());
        // A new token for the new session: the one from before login is not valid any more.
        Xsrf.issueFor(req, resp, engine, Xsrf.sessionBinding(sessionId));
        redirect(resp, next);
    }

    /**
     * {@code GET /hub/oauth_login[?authenticator=<id>]} or {@code /hub/oauth_login/<id>}: asks the
     * authenticator where to send the browser and keeps what it needs for the callback in the
     * signed state cookie, bound to this browser.
     */
    private void oauthLogin(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException {
        if (!req.getMethod().equals("GET")) {
            throw new ApiError(405, "Method not allowed");
        }
        String next = Web.safeNext(req.getParameter("next"), "/hub/");
        String id = p.size() > 1 ? p.get(1) : req.getParameter("authenticator");
        List<Logins.Login> redirects = engine.logins.redirects();
        Optional<Logins.Login> login = id == null
                ? (redirects.size() == 1 ? Optional.of(redirects.get(0)) : Optional.empty())
                : engine.logins.byId(id).filter(l -> l.authenticator().redirectLogin().isPresent());
        if (login.isEmpty()) {
            page(resp, 404, "Not found", "<p>There is no such login here.</p><p><a href=\"/hub/login\">Sign in</a></p>");
            return;
        }
        String binding = Xsrf.browserBinding(req, resp, engine);
        String state = org.hubkit.core.Secrets.newToken().substring(0, 43);
        org.hubkit.api.RedirectLogin.Redirect to;
        try {
            to = login.get().authenticator().redirectLogin().orElseThrow()
                    .begin(new org.hubkit.api.RedirectLogin.Start(state, callbackUrl()));
        } catch (RuntimeException e) {
            LOG.warn("Authenticator {} could not start a login: {}", login.get().id(), LogSafe.value(e.getMessage(), 300));
            page(resp, 503, "Sign in", "<p class=\"error\">Login is not available right now; please try again later.</p>");
            return;
        }
        String cookie = engine.redirectStates.issue(login.get().id(), state, binding, next, to.kept());
        Web.setCookie(resp, RedirectStates.COOKIE, cookie, RedirectStates.TTL.toSeconds(), true, engine.settings.cookieSecure());
        resp.setHeader("Cache-Control", "no-store");
        redirect(resp, to.location().toString());
    }

    private java.net.URI callbackUrl() {
        return engine.settings.publicUrl().resolve("/hub/oauth_callback");
    }

    /**
     * {@code GET /hub/oauth_callback}: checks the state itself (cookie signature and age, the
     * {@code state} parameter, this browser, not used before), then hands the rest to the
     * authenticator and logs the user in as a password login would.
     */
    private void oauthCallback(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!req.getMethod().equals("GET")) {
            throw new ApiError(405, "Method not allowed");
        }
        resp.setHeader("Cache-Control", "no-store");
        Web.setCookie(resp, RedirectStates.COOKIE, "", 0, true, engine.settings.cookieSecure());
        RedirectStates.Pending pending;
        try {
            pending = engine.redirectStates.consume(Web.cookie(req, RedirectStates.COOKIE), req.getParameter("state"),
                    Xsrf.browserBinding(req, null, engine));
        } catch (RedirectStates.Refused e) {
            LOG.info("OAuth callback refused: {}", e.getMessage());
            callbackFailed(resp, e.status, e.status == 400
                    ? "This sign-in was not started here or took too long."
                    : "This sign-in could not be verified.");
            return;
        }
        Optional<Logins.Login> login = engine.logins.byId(pending.authenticator())
                .filter(l -> l.authenticator().redirectLogin().isPresent());
        if (login.isEmpty()) {
            LOG.info("OAuth callback refused: authenticator '{}' is not configured any more", LogSafe.value(pending.authenticator()));
            callbackFailed(resp, 400, "This sign-in was not started here or took too long.");
            return;
        }
        Map<String, String> params = new HashMap<>();
        req.getParameterMap().forEach((k, v) -> {
            if (v.length > 0) {
                params.put(k, v[0]);
            }
        });
        String error = params.get("error");
        if (error != null) {
            // The provider said no (denied consent, for one): no need to ask the authenticator.
            LOG.info("OAuth callback for {}: the provider answered error '{}'", login.get().id(), LogSafe.value(error, 60));
            callbackFailed(resp, 403, "The sign-in was refused or cancelled at the identity provider.");
            return;
        }
        CompletableFuture<Optional<UserState>> done;
        try {
            done = engine.login(login.get(), login.get().authenticator().redirectLogin().orElseThrow()
                    .complete(new org.hubkit.api.RedirectLogin.Callback(params, pending.kept(), callbackUrl())),
                    "(" + login.get().id() + " login)");
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Optional<UserState>> login2 = done;
        Deferred.answer(req, login2, LOGIN_PATIENCE, (finished, failure) -> {
            if (!finished || failure != null) {
                LOG.warn("Authenticator {} failed: {}", login.get().id(),
                        finished ? LogSafe.value(HubEngine.rootMessage(failure), 300)
                                : "no answer within " + LOGIN_PATIENCE.toSeconds() + " s");
                callbackFailed(resp, 502, "The identity provider could not be reached; please try again later.");
                return;
            }
            Optional<UserState> user = login2.join();
            if (user.isEmpty()) {
                callbackFailed(resp, 403, "You are not allowed to sign in to this hub with that account, "
                        + "or the identity provider's answer could not be verified.");
                return;
            }
            startSession(req, resp, user.get(), Web.safeNext(pending.next(), "/hub/"));
        });
    }

    /**
     * {@code POST /hub/oauth_backchannel_logout/<id>}: a provider tells the hub that a user logged
     * out there; the authenticator checks the logout token and the hub ends the matching users'
     * sessions. Server to server: no cookie, no XSRF token; the signed token is the proof.
     */
    private void backchannelLogout(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        if (!req.getMethod().equals("POST")) {
            throw new ApiError(405, "Method not allowed");
        }
        Optional<Logins.Login> login = p.size() == 2 ? engine.logins.byId(p.get(1)) : Optional.empty();
        if (login.isEmpty()) {
            Web.error(resp, 404, "No such login");
            return;
        }
        Map<String, String> form = new HashMap<>();
        req.getParameterMap().forEach((k, v) -> {
            if (v.length > 0) {
                form.put(k, v[0]);
            }
        });
        CompletableFuture<Optional<java.util.function.Predicate<org.hubkit.api.UserInfo>>> answer;
        try {
            answer = login.get().authenticator().backchannelLogout(form).toCompletableFuture();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Optional<java.util.function.Predicate<org.hubkit.api.UserInfo>>> decided = answer;
        Deferred.answer(req, decided, LOGIN_PATIENCE, (done, failure) -> {
            Optional<java.util.function.Predicate<org.hubkit.api.UserInfo>> who = done && failure == null ? decided.join()
                    : Optional.empty();
            if (who.isEmpty()) {
                LOG.info("Back-channel logout for {} refused", login.get().id());
                Web.error(resp, 400, "invalid_request");
                return;
            }
            int ended = 0;
            for (UserState u : engine.users()) {
                if (engine.logins.ownerOf(u).filter(l -> l.id().equals(login.get().id())).isPresent()
                        && who.get().test(new org.hubkit.api.UserInfo(u.name, u.admin, u.groups, u.authState))) {
                    int n = engine.endUserSessions(u.name);
                    ended += n;
                    LOG.info("Back-channel logout from {}: ended {} session(s) of {}", login.get().id(), n, LogSafe.value(u.name));
                }
            }
            if (ended == 0) {
                LOG.info("Back-channel logout from {}: no session to end", login.get().id());
            }
            resp.setStatus(200);
        });
    }

    private static void callbackFailed(HttpServletResponse resp, int status, String why) throws IOException {
        page(resp, status, "Sign-in failed", "<p class=\"error\" role=\"alert\" id=\"error\">" + Web.html(why)
                + "</p><p><a class=\"button\" href=\"/hub/login\">Try again</a></p>");
    }

    /** The name a login attempt counts against: normalised as the authenticator does, so case does not make a new name. */
    private String throttledName(String typed) {
        try {
            return engine.logins.passwords().orElse(engine.logins.primary()).authenticator().normalizeUsername(typed);
        } catch (RuntimeException e) {
            return typed;
        }
    }

    private static String forwardedFor(HttpServletRequest req) {
        List<String> values = java.util.Collections.list(req.getHeaders("X-Forwarded-For"));
        return values.isEmpty() ? null : String.join(",", values);
    }

    private void loginForm(HttpServletRequest req, HttpServletResponse resp, int status, String next, String error)
            throws IOException {
        String xsrf = xsrf(req, resp);
        String nextParam = Web.html(URLEncoder.encode(next, StandardCharsets.UTF_8));
        StringBuilder body = new StringBuilder(error == null ? "" : "<p class=\"error\" role=\"alert\">" + Web.html(error) + "</p>");
        for (Logins.Login l : engine.logins.redirects()) {
            body.append("<p><a class=\"button\" id=\"login-").append(Web.html(l.id())).append("\" href=\"/hub/oauth_login?authenticator=")
                    .append(Web.html(URLEncoder.encode(l.id(), StandardCharsets.UTF_8))).append("&amp;next=").append(nextParam).append("\">")
                    .append(Web.html(l.authenticator().loginLabel())).append("</a></p>");
        }
        if (engine.logins.passwords().isPresent()) {
            body.append("<form method=\"post\" action=\"/hub/login?next=").append(nextParam).append("\">")
                    .append("<input type=\"hidden\" name=\"_xsrf\" value=\"").append(xsrf).append("\">")
                    .append("<label>Username <input name=\"username\" autocomplete=\"username\" autofocus required></label>")
                    .append("<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>")
                    .append("<button type=\"submit\" id=\"login_submit\">Sign in</button></form>");
        }
        page(resp, status, "Sign in", body.toString());
    }

    private void logout(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id = Caller.sessionId(req, engine);
        String next = "/hub/login";
        if (id != null) {
            UserState u = engine.session(id).map(s -> engine.user(s.user())).orElse(null);
            engine.endSession(id);
            if (u != null) {
                next = providerLogout(u).orElse(next);
            }
        }
        Web.setCookie(resp, Web.LOGIN_COOKIE, "", 0, true, engine.settings.cookieSecure());
        Web.setCookie(resp, Web.XSRF_COOKIE, "", 0, false, engine.settings.cookieSecure());
        redirect(resp, next);
    }

    /** Where the user's authenticator sends the browser after the hub's logout (its provider's end-session page), if anywhere. */
    private Optional<String> providerLogout(UserState u) {
        Optional<Logins.Login> owner = engine.logins.ownerOf(u);
        if (owner.isEmpty()) {
            return Optional.empty();
        }
        try {
            return owner.get().authenticator().logoutRedirect(new org.hubkit.api.UserInfo(u.name, u.admin, u.groups, u.authState),
                    engine.settings.publicUrl().resolve("/hub/login")).map(java.net.URI::toString);
        } catch (RuntimeException e) {
            LOG.warn("Authenticator {} could not say where logout goes: {}", owner.get().id(), LogSafe.value(e.getMessage(), 300));
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ home, spawn, pending

    private void home(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Caller c = loggedIn(req, resp);
        if (c == null) {
            return;
        }
        xsrf(req, resp);
        UserState u = c.user();
        ServerState s = u.server("");
        boolean ready = s != null && s.ready();
        ServerState.Pending state = s == null ? null : s.pending(); // read once: it may change meanwhile
        boolean pending = state != null;
        String name = Web.html(u.name);
        String apiPath = "/hub/api/users/" + Web.html(HubEngine.urlPath(u.name)) + "/server";
        StringBuilder b = new StringBuilder();
        b.append("<p>Signed in as <strong id=\"username\">").append(name).append("</strong>")
                .append(u.admin ? " (admin)" : "").append(".</p>");
        if (ready) {
            b.append("<p>Your server is running.</p><p><a class=\"button\" id=\"start\" href=\"")
                    .append(Web.html(HubEngine.prefix(s.id))).append("\">My Server</a> ")
                    .append("<button id=\"stop\" data-api=\"").append(apiPath).append("\">Stop My Server</button></p>");
        } else if (pending) {
            b.append("<p>Your server is ").append(switch (state) {
                case SPAWN -> "starting";
                case STOP -> "stopping";
                case CHECK -> "being checked after a hub restart";
            }).append(".</p><p><a class=\"button\" href=\"/hub/spawn-pending/")
                    .append(Web.html(HubEngine.urlPath(u.name))).append("\">Show progress</a></p>");
        } else {
            b.append("<p>Your server is not running.</p><p><a class=\"button\" id=\"start\" href=\"/hub/spawn\">Start My Server</a></p>");
        }
        b.append("<p id=\"status\" role=\"status\"></p>");
        b.append("<script>document.querySelectorAll('button[data-api]').forEach(function(btn){btn.onclick=function(){"
                + "var x=(document.cookie.match(/(?:^|; )_xsrf=([^;]*)/)||[])[1]||'';"
                + "btn.disabled=true;document.getElementById('status').textContent='Stopping...';"
                + "fetch(btn.dataset.api,{method:'DELETE',headers:{'X-XSRFToken':decodeURIComponent(x)},credentials:'same-origin'})"
                + ".then(function(r){if(r.status===202){setTimeout(function(){location.reload();},1000);}else{location.reload();}});};});"
                + "</script>");
        page(resp, 200, "Home", b.toString());
    }

    /** The user and server a {@code /hub/spawn[/user[/server]]}-style path names, if the caller holds {@code scope} on it. */
    private record Target(UserState user, String serverName) { }

    private Target target(Caller c, List<String> p, String scope, String verb) {
        String userName = p.size() > 1 ? p.get(1) : c.user().name;
        String serverName = p.size() > 2 ? p.get(2) : "";
        UserState u = engine.user(userName);
        if (u == null || !c.hasForServer(scope, userName, serverName, engine)) {
            throw new ApiError(403, "You may not " + verb + " of " + userName);
        }
        return new Target(u, serverName);
    }

    private void spawn(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException, InterruptedException {
        Caller c = loggedIn(req, resp);
        if (c == null) {
            return;
        }
        Target t = target(c, p, "servers", "start servers");
        String userName = t.user().name;
        String serverName = t.serverName();
        UserState u = t.user();
        ServerState s = u.server(serverName);
        if (s != null && s.ready()) {
            redirect(resp, Web.safeNext(req.getParameter("next"), HubEngine.prefix(s.id)));
            return;
        }
        String pendingPage = "/hub/spawn-pending/" + HubEngine.urlPath(userName)
                + (serverName.isEmpty() ? "" : "/" + HubEngine.urlPath(serverName));
        if (s != null && s.pending() != null) {
            redirect(resp, pendingPage);
            return;
        }
        SpawnOptionsForm form = engine.optionsForm(u);
        Map<String, Object> options = Map.of();
        if (req.getMethod().equals("POST")) {
            String refused = Xsrf.refusal(req, engine, req.getParameter("_xsrf"));
            if (refused != null) {
                LOG.info("Spawn form refused: {}", refused);
                throw new ApiError(403, "Your form expired or came from another site; please try again.");
            }
        } else {
            String foreign = Xsrf.foreignNavigation(req, engine);
            if (foreign != null) {
                // A link on another site (the login cookie is Lax, so it comes along) must not start a
                // server, least of all an admin's for someone else: the user confirms with a form.
                LOG.info("GET {} from another site ({}): asking to confirm", LogSafe.value(req.getRequestURI()), foreign);
                spawnForm(req, resp, 200, userName, serverName, form, Map.of(), null);
                return;
            }
            if (!form.isEmpty() && formAnswers(req).isEmpty()) {
                // The spawner offers choices: the user makes them first (JupyterHub's options form).
                // A link from the hub's own pages may carry them in its query instead, as in JupyterHub.
                spawnForm(req, resp, 200, userName, serverName, form, Map.of(), null);
                return;
            }
        }
        if (!form.isEmpty()) {
            Map<String, Object> answers = formAnswers(req);
            try {
                options = form.resolve(answers);
            } catch (InvalidOptionsException e) {
                LOG.info("Spawn options of {} refused: {}", LogSafe.value(userName), LogSafe.value(e.getMessage(), 300));
                spawnForm(req, resp, 400, userName, serverName, form, answers, e.getMessage());
                return;
            }
        }
        CompletableFuture<Void> spawn = engine.spawn(u, serverName, options);
        String next = req.getParameter("next");
        Deferred.answer(req, spawn, engine.settings.slowSpawnTimeout(), (done, failure) -> {
            ServerState started = u.server(serverName);
            if (done && failure == null && started != null) {
                redirect(resp, Web.safeNext(next, HubEngine.prefix(started.id)));
            } else if (failure != null && HubEngine.unwrap(failure) instanceof NotPermittedException refused) {
                // refreshPreSpawn: the authenticator no longer accepts the user (their sessions are ended)
                page(resp, 403, "Server not started", "<p class=\"error\" id=\"error\">" + Web.html(refused.getMessage())
                        + "</p><p><a class=\"button\" href=\"/hub/login\">Sign in</a></p>");
            } else {
                // Slow or failed: the pending page shows progress or the failure.
                redirect(resp, pendingPage);
            }
        });
    }

    /** The spawn options a form or a query sent: every parameter but the hub's own ({@code _xsrf}, {@code next}). */
    private static Map<String, Object> formAnswers(HttpServletRequest req) {
        Map<String, Object> answers = new LinkedHashMap<>();
        req.getParameterMap().forEach((k, v) -> {
            if (!k.equals("_xsrf") && !k.equals("next")) {
                answers.put(k, List.of(v));
            }
        });
        return answers;
    }

    /**
     * The page that starts a server: a "Start server" form that POSTs (with its {@code _xsrf}
     * token) to the spawn URL it was reached at, with the spawner's choices as one list each
     * (labels escaped, the last answer or the default selected), and the reason of a refusal.
     */
    private void spawnForm(HttpServletRequest req, HttpServletResponse resp, int status, String userName, String serverName,
                           SpawnOptionsForm form, Map<String, Object> answers, String error) throws IOException {
        String xsrf = xsrf(req, resp);
        String action = "/hub/spawn/" + HubEngine.urlPath(userName) + (serverName.isEmpty() ? "" : "/" + HubEngine.urlPath(serverName));
        String next = req.getParameter("next");
        if (next != null && Web.safeNext(next, null) != null) {
            action += "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
        }
        String what = serverName.isEmpty() ? "the server of " + userName : "server " + serverName + " of " + userName;
        StringBuilder b = new StringBuilder();
        if (error != null) {
            b.append("<p class=\"error\" id=\"error\">").append(Web.html(error)).append("</p>");
        }
        b.append("<p>Start ").append(Web.html(what)).append(form.isEmpty() ? "?" : " with:").append("</p>")
                .append("<form method=\"post\" action=\"").append(Web.html(action)).append("\">")
                .append("<input type=\"hidden\" name=\"_xsrf\" value=\"").append(Web.html(xsrf)).append("\">");
        for (SpawnOptionsForm.Field f : form.fields()) {
            Object answer = answers.get(f.name());
            if (answer instanceof List<?> l && l.size() == 1) {
                answer = l.get(0);
            }
            String selected = answer instanceof String a && f.choice(a).isPresent() ? a : f.effectiveDefault();
            String id = "option-" + f.name();
            b.append("<label for=\"").append(Web.html(id)).append("\">").append(Web.html(f.label())).append("</label>")
                    .append("<select id=\"").append(Web.html(id)).append("\" name=\"").append(Web.html(f.name())).append("\">");
            for (SpawnOptionsForm.Choice c : f.choices()) {
                b.append("<option value=\"").append(Web.html(c.value())).append('"')
                        .append(c.value().equals(selected) ? " selected" : "").append('>').append(Web.html(c.label()))
                        .append(c.description().isEmpty() ? "" : " \u2014 " + Web.html(c.description())).append("</option>");
            }
            b.append("</select>");
        }
        b.append("<p><button type=\"submit\" id=\"start\">Start server</button> <a href=\"/hub/home\">Home</a></p></form>");
        resp.setHeader("Cache-Control", "no-store");
        page(resp, status, "Start server", b.toString());
    }

    private void spawnPending(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException {
        Caller c = loggedIn(req, resp);
        if (c == null) {
            return;
        }
        Target t = target(c, p, "read:servers", "see servers");
        String userName = t.user().name;
        String serverName = t.serverName();
        ServerState s = t.user().server(serverName);
        if (s != null && s.ready() && s.pending() == null) {
            redirect(resp, HubEngine.prefix(s.id));
            return;
        }
        ProgressEvent last = s == null ? null : s.lastEvent();
        if (s == null || s.pending() == null) {
            String why = last != null && last.failed() ? last.message() : "The server is not running.";
            page(resp, 200, "Server not running", "<p id=\"message\" class=\"error\">" + Web.html(why)
                    + "</p><p><a class=\"button\" href=\"/hub/spawn/" + Web.html(HubEngine.urlPath(userName))
                    + (serverName.isEmpty() ? "" : "/" + Web.html(HubEngine.urlPath(serverName))) + "\">Start</a> "
                    + "<a href=\"/hub/home\">Home</a></p>");
            return;
        }
        xsrf(req, resp);
        String serverApi = "/hub/api/users/" + HubEngine.urlPath(userName)
                + (serverName.isEmpty() ? "/server" : "/servers/" + HubEngine.urlPath(serverName));
        String progressUrl = serverApi + "/progress";
        String body = "<p>Your server is starting up. You will be redirected automatically when it is ready.</p>"
                + "<div class=\"progress\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" id=\"progress\">"
                + "<div class=\"bar\" id=\"progress-bar\" style=\"width:0%\"></div></div>"
                + "<p id=\"progress-message\" role=\"status\">Server requested</p>"
                + "<details><summary>Event log</summary><ol id=\"progress-log\"></ol></details>"
                + "<p><button id=\"cancel\" type=\"button\">Cancel</button></p>"
                + "<script>(function(){var bar=document.getElementById('progress-bar'),box=document.getElementById('progress'),"
                + "msg=document.getElementById('progress-message'),log=document.getElementById('progress-log');"
                + "var es=new EventSource('" + progressUrl + "');"
                + "es.onmessage=function(m){var e=JSON.parse(m.data);if(e.progress!==undefined){bar.style.width=e.progress+'%';"
                + "box.setAttribute('aria-valuenow',e.progress);}if(e.message){msg.textContent=e.message;var li=document.createElement('li');"
                + "li.textContent=e.message;log.appendChild(li);}if(e.ready){es.close();window.location.href=e.url;}"
                + "if(e.failed){es.close();bar.classList.add('failed');msg.classList.add('error');}};"
                + "es.onerror=function(){es.close();setTimeout(function(){window.location.reload();},2000);};"
                + "var cancel=document.getElementById('cancel');cancel.onclick=function(){"
                + "var x=(document.cookie.match(/(?:^|; )_xsrf=([^;]*)/)||[])[1]||'';cancel.disabled=true;msg.textContent='Cancelling...';"
                + "fetch('" + serverApi + "',{method:'DELETE',headers:{'X-XSRFToken':decodeURIComponent(x)},credentials:'same-origin'})"
                + ".then(function(){setTimeout(function(){window.location.href='/hub/home';},500);});};"
                + "})();</script>";
        page(resp, 200, "Server starting", body);
    }

    private void userRedirect(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException {
        Caller c = loggedIn(req, resp);
        if (c == null) {
            return;
        }
        if (p.size() < 2) {
            redirect(resp, "/hub/");
            return;
        }
        String userName = p.get(1);
        String uri = req.getRequestURI();
        String rest = uri.substring(("/hub/user/" + HubEngine.urlPath(userName)).length() > uri.length() ? uri.length()
                : ("/hub/user/" + HubEngine.urlPath(userName)).length());
        String q = req.getQueryString();
        UserState u = engine.user(userName);
        if (u == null || !c.hasForServer("access:servers", userName, "", engine)) {
            throw new ApiError(403, "You do not have access to " + userName + "'s server");
        }
        ServerState s = u.server("");
        if (s != null && s.ready()) {
            redirect(resp, "/user/" + HubEngine.urlPath(userName) + (rest.isEmpty() ? "/" : rest) + (q == null ? "" : "?" + q));
        } else if (s != null && s.pending() != null) {
            redirect(resp, "/hub/spawn-pending/" + HubEngine.urlPath(userName));
        } else {
            String accept = req.getHeader("Accept");
            if (accept != null && accept.contains("application/json") && !accept.contains("text/html")) {
                Web.error(resp, 424, "Server " + userName + " is not running; start it at /hub/spawn/" + userName);
                return;
            }
            page(resp, 424, "Server not running", "<p>The server for " + Web.html(userName)
                    + " is not running.</p><p><a class=\"button\" id=\"start\" href=\"/hub/spawn/" + Web.html(HubEngine.urlPath(userName))
                    + "\">Launch Server</a></p>");
        }
    }

    private void errorPage(HttpServletResponse resp, String code) throws IOException {
        int status;
        try {
            status = Integer.parseInt(code);
        } catch (NumberFormatException e) {
            status = 500;
        }
        if (status < 400 || status > 599) {
            status = 500;
        }
        String text = switch (status) {
            case 404 -> "Nothing is served at this address.";
            case 503 -> "The server you asked for is not answering. It may still be starting, or it may have stopped.";
            default -> "Something went wrong.";
        };
        page(resp, status, "Error " + status, "<p>" + text + "</p><p><a href=\"/hub/home\">Home</a></p>");
    }

    /** The logo the single-user server shows in its header ({@code {hub}/hub/logo}, as JupyterHub's LogoHandler). */
    private static void logo(HttpServletResponse resp) throws IOException {
        byte[] svg = LOGO.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("image/svg+xml");
        resp.setHeader("Cache-Control", "public, max-age=86400");
        resp.setContentLength(svg.length);
        resp.getOutputStream().write(svg);
    }

    /** The browser's tab icon (browsers ask for {@code /favicon.ico} on every site): the logo's mark. */
    private static void favicon(HttpServletResponse resp) throws IOException {
        byte[] svg = FAVICON.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("image/svg+xml");
        resp.setHeader("Cache-Control", "public, max-age=86400");
        resp.setContentLength(svg.length);
        resp.getOutputStream().write(svg);
    }

    private static final String FAVICON = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"32\" height=\"32\" viewBox=\"0 0 28 28\">"
            + "<rect x=\"1\" y=\"1\" width=\"26\" height=\"26\" rx=\"6\" fill=\"#f37726\"/>"
            + "<circle cx=\"9\" cy=\"14\" r=\"3\" fill=\"#fff\"/><circle cx=\"19\" cy=\"9\" r=\"3\" fill=\"#fff\"/>"
            + "<circle cx=\"19\" cy=\"19\" r=\"3\" fill=\"#fff\"/>"
            + "<path d=\"M9 14L19 9M9 14L19 19\" stroke=\"#fff\" stroke-width=\"1.5\"/></svg>";

    private static final String LOGO = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"28\" viewBox=\"0 0 120 28\">"
            + "<rect x=\"1\" y=\"1\" width=\"26\" height=\"26\" rx=\"6\" fill=\"#f37726\"/>"
            + "<circle cx=\"9\" cy=\"14\" r=\"3\" fill=\"#fff\"/><circle cx=\"19\" cy=\"9\" r=\"3\" fill=\"#fff\"/>"
            + "<circle cx=\"19\" cy=\"19\" r=\"3\" fill=\"#fff\"/>"
            + "<path d=\"M9 14L19 9M9 14L19 19\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
            + "<text x=\"34\" y=\"20\" font-family=\"sans-serif\" font-size=\"17\" font-weight=\"600\" fill=\"#333\">Hubkit</text></svg>";

    // ------------------------------------------------------------------ rendering

    private static void redirect(HttpServletResponse resp, String location) {
        resp.setStatus(302);
        resp.setHeader("Location", location);
    }

    private static void refusalPage(HttpServletResponse resp, ApiError e) throws IOException {
        page(resp, e.status(), "Error " + e.status(), "<p>" + Web.html(e.getMessage()) + "</p>");
    }

    static void page(HttpServletResponse resp, int status, String title, String body) throws IOException {
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + Web.html(title) + " - Hubkit</title>"
                + "<link rel=\"icon\" href=\"/hub/favicon.ico\" type=\"image/svg+xml\">"
                + "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}"
                + "header{display:flex;justify-content:space-between;border-bottom:1px solid #ddd;margin-bottom:1.5rem}"
                + "label{display:block;margin:.75rem 0}input,select{display:block;width:100%;padding:.4rem;font-size:1rem}"
                + "button,.button{display:inline-block;padding:.5rem 1rem;background:#f37726;color:#fff;border:0;border-radius:4px;"
                + "text-decoration:none;font-size:1rem;cursor:pointer}.error{color:#b00020}"
                + ".progress{background:#eee;border-radius:4px;height:1.25rem;overflow:hidden}"
                + ".bar{background:#f37726;height:100%;transition:width .3s}.bar.failed{background:#b00020}</style></head>"
                + "<body><header><h1>" + Web.html(title) + "</h1><nav><a href=\"/hub/home\">Home</a> · <a href=\"/hub/logout\">Logout</a>"
                + "</nav></header><main>" + body + "</main></body></html>";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("text/html;charset=utf-8");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
