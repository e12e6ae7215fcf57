package org.hubkit.testkit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a test of a deployed hub does through its public URL (the proxy): log in through the
 * login form as a browser does, call the REST API ({@code /hub/api}) with a token, wait for a
 * user's server to be ready, and reach that server at {@code /user/<name>/}. For any
 * JupyterHub-compatible hub; {@link ReferenceServerContainer#client()} gives one for the
 * container's hub.
 *
 * <p>Redirects are never followed (a login answers {@code 302}, and a test wants to see it).
 * Every request has a time limit. Thread-safe: an instance holds no session, only the URL.
 *
 * @since 0.1
 */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SET_COOKIE = Pattern.compile("^([^=;\\s]+)=([^;]*)");

    private final URI publicUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

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
     *
     * @param username the user name
     * @param password the password
     * @return the {@code Cookie} header of the logged-in session ({@code jupyterhub-hub-login=...})
     * @throws AssertionError if the hub does not log the user in (the answer is in the message)
     * @throws IOException if the hub does not answer
     * @throws InterruptedException if interrupted
     */
    public String login(String username, String password) throws IOException, InterruptedException {
        HttpResponse<String> form = send(HttpRequest.newBuilder(publicUrl.resolve("/hub/login")).GET());
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
        HttpResponse<String> login = send(HttpRequest.newBuilder(publicUrl.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", cookies.toString())
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + enc(xsrf) + "&username=" + enc(username)
                        + "&password=" + enc(password))));
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
        return send(b);
    }

    /**
     * A call of the REST API with {@code Authorization: token <token>}.
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
        HttpResponse<String> r = api("POST", "/users/" + enc(username) + "/tokens", token, null);
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
            HttpResponse<String> r = api("GET", "/users/" + enc(username), token, null);
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

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
