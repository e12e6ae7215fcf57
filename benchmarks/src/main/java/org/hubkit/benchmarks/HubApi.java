package org.hubkit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The few calls of the JupyterHub REST API ({@code /hub/api}) the benchmark makes, over
 * {@code java.net.http}, each with {@code Authorization: token <token>} and a time limit.
 * Thread-safe: one instance is shared by the spawn storm's threads.
 */
final class HubApi {

    /** An answer: status and body (parsed when it is JSON, else null). */
    record Answer(int status, JsonNode json, String body) {
        boolean is(int... statuses) {
            for (int s : statuses) {
                if (status == s) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final String token;

    /** @param base the API root, e.g. {@code http://127.0.0.1:8081/hub/api} (no trailing slash) */
    HubApi(String base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String base() {
        return base;
    }

    String token() {
        return token;
    }

    /** {@code GET /hub/api/} without a token; answers the hub's version. */
    Answer version() throws IOException, InterruptedException {
        return version(Duration.ofSeconds(5));
    }

    /** {@code GET /hub/api/}, waiting up to {@code timeout} for the answer (a hub still starting answers late). */
    Answer version(Duration timeout) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + "/")).GET().timeout(timeout), false);
    }

    /** The media type JupyterHub pages its lists with. */
    static final String PAGINATION = "application/jupyterhub-pagination+json";

    /**
     * {@code GET} of a path under the API root with its query, e.g. {@code /users?limit=200}; with
     * {@code paged}, {@code Accept: application/jupyterhub-pagination+json}.
     */
    Answer get(String pathAndQuery, boolean paged, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().timeout(timeout);
        if (paged) {
            b.header("Accept", PAGINATION);
        }
        return send(b, true);
    }

    /** {@code POST} of a JSON body to a path under the API root. */
    Answer postJson(String path, String json, Duration timeout) throws IOException, InterruptedException {
        return send(post(path, json, timeout), true);
    }

    /** {@code POST /users/{name}}: 201 created, 409 exists. */
    Answer createUser(String name) throws IOException, InterruptedException {
        return send(post("/users/" + enc(name), "", Duration.ofSeconds(30)), true);
    }

    /** {@code GET /users/{name}}. */
    Answer user(String name) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + "/users/" + enc(name))).GET()
                .timeout(Duration.ofSeconds(30)), true);
    }

    /** {@code POST /users/{name}/server}: 201 ready, 202 pending. May take as long as the hub's slow-spawn wait. */
    Answer startServer(String name) throws IOException, InterruptedException {
        return send(post("/users/" + enc(name) + "/server", "", Duration.ofSeconds(180)), true);
    }

    /** {@code DELETE /users/{name}/server}: 204 stopped, 202 stopping. */
    Answer stopServer(String name) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + "/users/" + enc(name) + "/server")).DELETE()
                .timeout(Duration.ofSeconds(120)), true);
    }

    /** {@code POST /shutdown {"servers":true,"proxy":true}}: 202. */
    Answer shutdown() throws IOException, InterruptedException {
        return send(post("/shutdown", "{\"servers\":true,\"proxy\":true}", Duration.ofSeconds(30)), true);
    }

    /** The default server of a user model, or null when it has none. */
    static JsonNode defaultServer(JsonNode user) {
        if (user == null) {
            return null;
        }
        JsonNode servers = user.get("servers");
        if (servers == null || !servers.isObject()) {
            return null;
        }
        JsonNode s = servers.get("");
        return s == null || s.isNull() ? null : s;
    }

    private HttpRequest.Builder post(String path, String body, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(timeout);
    }

    private Answer send(HttpRequest.Builder request, boolean authorized) throws IOException, InterruptedException {
        if (authorized) {
            request.header("Authorization", "token " + token);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode json = null;
        String body = r.body();
        if (body != null && !body.isBlank()) {
            try {
                json = JSON.readTree(body);
            } catch (IOException notJson) {
                json = null;
            }
        }
        return new Answer(r.statusCode(), json, body);
    }

    static String enc(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
