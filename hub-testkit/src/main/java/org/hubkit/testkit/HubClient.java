package org.hubkit.testkit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a test of a deployed hub does through its public URL (the proxy): log in through the
 * login form as a browser does, call the REST API ({@code /hub/api}) with a token, wait for a
 * user's server to be ready, reach that server at {@code /user/<name>/}, start a kernel there
 * and run code in it over its WebSocket. For any JupyterHub-compatible hub;
 * {@link ReferenceServerContainer#client()} gives one for the container's hub.
 *
 * <p>Two ways to use it. Stateless, with the credentials passed in: {@link #login} returns a
 * session's {@code Cookie} header, which {@link #get(String, String)} takes, as it takes an API
 * token. Or as a browser stand-in: the instance has a cookie jar, which {@link #send},
 * {@link #get(String)}, {@link #follow}, {@link #browserLogin}, {@link #api} and the kernel
 * helpers ({@link #startKernel}, {@link #execute}) use and fill; {@link #cookie(String, String)}
 * and {@link #cookieHeader} read it as a browser would for a path. {@link #login} and
 * {@link #get(String, String)} neither read nor fill the jar.
 *
 * <p>Redirects are never followed by the HTTP client (a login answers {@code 302}, and a test
 * wants to see it); {@link #follow} follows them by hand and records each hop. Every request
 * has a time limit. The stateless methods are thread-safe; the jar is too, but {@link #hops()}
 * is the last {@link #follow}'s, so use one browser stand-in from one thread at a time.
 *
 * @since 0.1
 */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SET_COOKIE = Pattern.compile("^([^=;\\s]+)=([^;]*)");

    private final URI publicUrl;
    /** Without a cookie jar: for the methods given their credentials. */
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    /**
     * The browser stand-in: the cookie jar, HTTP/1.1 as a browser speaks it (the JDK's default
     * h2c upgrade header is not what browsers send), redirects not followed.
     */
    private final HttpClient browser = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<String> hops = new ArrayList<>();

    /** @param publicUrl the hub's public URL, e.g. {@code http://127.0.0.1:32768} (a path is ignored) */
    public HubClient(URI publicUrl) {
        this.publicUrl = URI.create(publicUrl.getScheme() + "://" + publicUrl.getRawAuthority());
    }

    /** @return the public URL, without a path */
    public URI publicUrl() {
        return publicUrl;
    }

    /**
     * Logs in through the hub's login form: {@code GET /hub/login} for its {@code _xsrf} token
     * and the cookies bound to it, then {@code POST /hub/login} with them, as a browser does.
     * Stateless: the cookie jar is neither read nor filled ({@link #browserLogin} logs this
     * instance's jar in).
     *
     * @param username the user name
     * @param password the password
     * @return the {@code Cookie} header of the logged-in session ({@code jupyterhub-hub-login=...})
     * @throws AssertionError if the hub does not log the user in (the answer is in the message)
     * @throws IOException if the hub does not answer
     * @throws InterruptedException if interrupted
     */
    public String login(String username, String password) throws IOException, InterruptedException {
        HttpResponse<String> form = sendStateless(HttpRequest.newBuilder(publicUrl.resolve("/hub/login")).GET());
        StringBuilder cookies = new StringBuilder();
        String xsrf = null;
        for (String header : form.headers().allValues("Set-Cookie")) {
            Matcher m = SET_COOKIE.matcher(header);
            if (m.find()) {
                cookies.append(cookies.length() == 0 ? "" : "; ").append(m.group(1)).append('=').append(m.group(2));
                if (m.group(1).equals("_xsrf")) {
                    xsrf = m.group(2);
                }
            }
        }
        if (form.statusCode() != 200 || xsrf == null) {
            throw new AssertionError("GET /hub/login: " + form.statusCode() + " without an _xsrf cookie: " + form.headers());
        }
        HttpResponse<String> login = sendStateless(HttpRequest.newBuilder(publicUrl.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", cookies.toString())
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + encPath(xsrf) + "&username=" + encPath(username)
                        + "&password=" + encPath(password))));
        Optional<String> session = cookie(login, "jupyterhub-hub-login");
        if (login.statusCode() != 302 || session.isEmpty()) {
            throw new AssertionError("POST /hub/login as " + username + ": " + login.statusCode() + " " + login.headers());
        }
        return "jupyterhub-hub-login=" + session.get();
    }

    /**
     * {@code GET} of a path under the public URL (a page, or a user's server through the proxy).
     *
     * @param path e.g. {@code /hub/home} or {@code /user/alice/api/status}
     * @param authorization a {@code Cookie} header from {@link #login}, or an API token; null for none
     * @return the answer
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(publicUrl.resolve(path)).GET();
        if (authorization != null) {
            b.header(authorization.startsWith("jupyterhub-hub-login=") ? "Cookie" : "Authorization",
                    authorization.startsWith("jupyterhub-hub-login=") ? authorization : "token " + authorization);
        }
        return sendStateless(b);
    }

    /**
     * A call of the REST API with {@code Authorization: token <token>}, with a JSON body as
     * given and {@code Content-Type: application/json}. Through the cookie jar, which sends what
     * it holds for the path and keeps what the answer sets.
     *
     * @param method {@code GET}, {@code POST}, {@code PATCH} or {@code DELETE}
     * @param path under {@code /hub/api}, e.g. {@code /users/alice/server}
     * @param token an API token (a service's from the configuration, or one made for a user)
     * @param json the body, or null for none
     * @return the answer
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> api(String method, String path, String token, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(publicUrl.resolve("/hub/api" + path))
                .header("Authorization", "token " + token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b);
    }

    /**
     * A call of the REST API with {@code Authorization: token <token>} and a body written as
     * JSON (Jackson), without a {@code Content-Type}. Through the cookie jar, as
     * {@link #api(String, String, String, String)}.
     *
     * @param method {@code GET}, {@code POST}, {@code PATCH} or {@code DELETE}
     * @param path under {@code /hub/api}, e.g. {@code /users/alice/server}
     * @param token an API token
     * @param body written as JSON, e.g. {@code Map.of("groups", List.of("staff"))}; null for none
     * @return the answer
     * @throws IOException if nothing answers, or the body cannot be written as JSON
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> api(String method, String path, String token, Object body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(publicUrl.resolve("/hub/api" + path)).header("Authorization", "token " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return send(b);
    }

    /**
     * Makes an API token for a user ({@code POST /hub/api/users/{name}/tokens}), e.g. to reach
     * their server through the proxy as they would.
     *
     * @param username the user
     * @param token a token that may make tokens for the user (an admin's)
     * @return the new token
     * @throws AssertionError if the hub does not make one, with its answer
     * @throws IOException if the hub does not answer
     * @throws InterruptedException if interrupted
     */
    public String createToken(String username, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = api("POST", "/users/" + encPath(username) + "/tokens", token, null);
        Object made = r.statusCode() == 201 ? JSON.readValue(r.body(), Map.class).get("token") : null;
        if (!(made instanceof String s)) {
            throw new AssertionError("POST /hub/api/users/" + username + "/tokens: " + r.statusCode() + " " + r.body());
        }
        return s;
    }

    /**
     * Waits until the user's default server is ready, asking {@code GET /hub/api/users/{name}}
     * every 200 ms.
     *
     * @param username the user
     * @param token a token that may read the user
     * @param timeout how long to wait
     * @return the server's model ({@code servers[""]} of the user model: {@code ready}, {@code url}, ...)
     * @throws AssertionError if it is not ready in time, with the last answer
     * @throws IOException if the hub does not answer
     * @throws InterruptedException if interrupted
     */
    public Map<String, Object> awaitServerReady(String username, String token, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = api("GET", "/users/" + encPath(username), token, null);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200) {
                Map<String, Object> user = JSON.readValue(r.body(), new TypeReference<Map<String, Object>>() { });
                if (user.get("servers") instanceof Map<?, ?> servers && servers.get("") instanceof Map<?, ?> server
                        && Boolean.TRUE.equals(server.get("ready"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> ready = (Map<String, Object>) server;
                    return ready;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(username + "'s server not ready within " + timeout + "; last answer: " + last);
    }

    /**
     * @param response an answer
     * @param name a cookie name
     * @return the value the answer sets for that cookie, if it sets one
     */
    public static Optional<String> cookie(HttpResponse<?> response, String name) {
        for (String header : response.headers().allValues("Set-Cookie")) {
            Matcher m = SET_COOKIE.matcher(header);
            if (m.find() && m.group(1).equals(name)) {
                return Optional.of(m.group(2));
            }
        }
        return Optional.empty();
    }

    /**
     * Sends a request through the cookie jar, with a 60 s time limit, as a browser would: the
     * jar's cookies for the URL go with it and those the answer sets are kept.
     *
     * @param request the request, e.g. {@code HttpRequest.newBuilder(client.publicUrl().resolve(path)).POST(...)}
     * @return the answer
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return browser.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * {@code GET} of a path through the cookie jar; a redirect is answered, not followed.
     *
     * @param path e.g. {@code /hub/spawn}
     * @return the answer
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(publicUrl.resolve(path)).GET());
    }

    /**
     * {@code GET} of a path through the cookie jar, following up to 20 redirects by hand; each
     * hop's path is recorded in {@link #hops()}.
     *
     * @param path e.g. {@code /user/alice/tree}
     * @return the first answer that is not a redirect
     * @throws AssertionError after 20 redirects, with the hops
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> follow(String path) throws IOException, InterruptedException {
        URI uri = publicUrl.resolve(path);
        hops.clear();
        for (int i = 0; i < 20; i++) {
            hops.add(uri.getRawPath());
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri).GET());
            if (r.statusCode() / 100 != 3) {
                return r;
            }
            uri = uri.resolve(r.headers().firstValue("Location").orElseThrow());
        }
        throw new AssertionError("too many redirects: " + hops);
    }

    /**
     * @return the raw paths the last {@link #follow} requested, in order (the requested path
     *     first); empty before any
     */
    public List<String> hops() {
        return List.copyOf(hops);
    }

    /** The cookies a browser would send to {@code path} (the store's own lookup ignores paths). */
    private List<HttpCookie> cookiesFor(String path) {
        List<HttpCookie> out = new ArrayList<>();
        for (HttpCookie c : cookies.getCookieStore().get(publicUrl.resolve(path))) {
            if (c.getPath() == null || path.startsWith(c.getPath())) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The value of a cookie in the jar that a browser would send to a path.
     *
     * @param path e.g. {@code /user/alice/}
     * @param name e.g. {@code _xsrf}
     * @return its value, or null if the jar has none for the path
     */
    public String cookie(String path, String name) {
        for (HttpCookie c : cookiesFor(path)) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }

    /**
     * The {@code Cookie} header a browser would send to a path, from the jar (e.g. for a
     * WebSocket, which does not go through the jar).
     *
     * @param path e.g. {@code /user/alice/api/kernels/}
     * @return {@code name=value; ...}, empty if the jar has none for the path
     */
    public String cookieHeader(String path) {
        StringBuilder b = new StringBuilder();
        for (HttpCookie c : cookiesFor(path)) {
            b.append(b.length() == 0 ? "" : "; ").append(c.getName()).append('=').append(c.getValue());
        }
        return b.toString();
    }

    /**
     * Logs this instance's cookie jar in through the form, as a browser does: {@code GET
     * /hub/login} (the jar keeps its {@code _xsrf}), then {@code POST
     * /hub/login?next=%2Fhub%2Fhome}. Checks nothing but the form's status: the test checks the
     * answer.
     *
     * @param username the user name
     * @param password the password
     * @return the answer to the {@code POST} ({@code 302} to {@code /hub/home} when logged in)
     * @throws AssertionError if the login page does not answer {@code 200}
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public HttpResponse<String> browserLogin(String username, String password) throws IOException, InterruptedException {
        HttpResponse<String> form = get("/hub/login");
        if (form.statusCode() != 200) {
            throw new AssertionError("login page answered " + form.statusCode());
        }
        String xsrf = cookie("/hub/", "_xsrf");
        String body = "_xsrf=" + enc(xsrf) + "&username=" + enc(username) + "&password=" + enc(password);
        return send(HttpRequest.newBuilder(publicUrl.resolve("/hub/login?next=%2Fhub%2Fhome"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /**
     * Starts a kernel on a user's server through the proxy ({@code POST
     * /user/<name>/api/kernels}), with the jar's cookies and its {@code _xsrf} for
     * {@code /user/<name>/} as {@code X-XSRFToken}: the jar must have been through the server's
     * OAuth, e.g. {@code follow("/user/<name>/tree")} after {@link #browserLogin}.
     *
     * @param username whose server
     * @return the kernel's id
     * @throws AssertionError if the server does not answer {@code 201}, with its answer
     * @throws IOException if nothing answers
     * @throws InterruptedException if interrupted
     */
    public String startKernel(String username) throws IOException, InterruptedException {
        String xsrf = cookie("/user/" + username + "/", "_xsrf");
        HttpResponse<String> kernel = send(HttpRequest.newBuilder(publicUrl.resolve("/user/" + username + "/api/kernels"))
                .header("X-XSRFToken", xsrf).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        if (kernel.statusCode() != 201) {
            throw new AssertionError("POST /user/" + username + "/api/kernels: " + kernel.statusCode() + " " + kernel.body());
        }
        return (String) json(kernel).get("id");
    }

    /**
     * Runs code in a kernel over its WebSocket ({@code /user/<name>/api/kernels/<id>/channels})
     * through the proxy, with the jar's cookies, and returns what it printed: the text of the
     * first {@code stream} message answering the {@code execute_request}. Waits 30 s for the
     * WebSocket and 60 s for the output.
     *
     * @param username whose server
     * @param kernelId from {@link #startKernel}
     * @param code e.g. {@code print(6*7)}
     * @return what it printed, e.g. {@code "42\n"}
     * @throws ExecutionException if the WebSocket does not open, or the kernel answers an
     *     {@code error} (its cause, an {@link AssertionError}, has the error's content)
     * @throws TimeoutException if the WebSocket does not open or nothing is printed in time
     * @throws IOException if the request cannot be written
     * @throws InterruptedException if interrupted
     */
    public String execute(String username, String kernelId, String code)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        URI ws = URI.create("ws://" + publicUrl.getHost() + ":" + publicUrl.getPort() + "/user/" + username + "/api/kernels/"
                + kernelId + "/channels");
        CompletableFuture<String> printed = new CompletableFuture<>();
        String msgId = UUID.randomUUID().toString();
        WebSocket socket = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().newWebSocketBuilder()
                .header("Cookie", cookieHeader("/user/" + username + "/api/kernels/"))
                .buildAsync(ws, new WebSocket.Listener() {
                    final StringBuilder buf = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        buf.append(data);
                        if (last) {
                            try {
                                Map<?, ?> msg = JSON.readValue(buf.toString(), Map.class);
                                Map<?, ?> parent = (Map<?, ?>) msg.get("parent_header");
                                Map<?, ?> header = (Map<?, ?>) msg.get("header");
                                if (parent != null && msgId.equals(parent.get("msg_id"))) {
                                    if ("stream".equals(header.get("msg_type"))) {
                                        printed.complete((String) ((Map<?, ?>) msg.get("content")).get("text"));
                                    } else if ("error".equals(header.get("msg_type"))) {
                                        printed.completeExceptionally(new AssertionError("the kernel failed: " + msg.get("content")));
                                    }
                                }
                            } catch (Exception e) {
                                printed.completeExceptionally(e);
                            }
                            buf.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        Map<String, Object> request = Map.of(
                "header", Map.of("msg_id", msgId, "username", username, "session", UUID.randomUUID().toString(),
                        "msg_type", "execute_request", "version", "5.3", "date", Instant.now().toString()),
                "parent_header", Map.of(), "metadata", Map.of(), "channel", "shell", "buffers", List.of(),
                "content", Map.of("code", code, "silent", false, "store_history", true, "user_expressions", Map.of(),
                        "allow_stdin", false, "stop_on_error", true));
        socket.sendText(JSON.writeValueAsString(request), true).get(10, TimeUnit.SECONDS);
        try {
            return printed.get(60, TimeUnit.SECONDS);
        } finally {
            socket.abort();
        }
    }

    /**
     * @param response an answer with a JSON object for its body
     * @return the object
     * @throws IOException if the body is not JSON
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(HttpResponse<String> response) throws IOException {
        return JSON.readValue(response.body(), Map.class);
    }

    /**
     * Form encoding ({@code application/x-www-form-urlencoded}: a space is {@code +}).
     *
     * @param s a value; null is the empty string
     * @return it encoded, in UTF-8
     */
    public static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> sendStateless(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Encoding for a path segment, and the stateless login's form: a space is {@code %20}. */
    private static String encPath(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
