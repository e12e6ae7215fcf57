package org.hubkit.docker;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A browser stand-in for tests: a cookie jar and redirects followed by hand (a copy of hub-core's test HubClient, to be shared through hub-testkit). */
final class HubClient {
    static final ObjectMapper JSON = new ObjectMapper();
    final URI base;
    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    final HttpClient http;
    final List<String> hops = new ArrayList<>();

    HubClient(URI base) {
        this.base = base;
        // HTTP/1.1 as a browser speaks it: the JDK's default h2c upgrade header is not what browsers send.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** GETs a path and follows up to 20 redirects, recording each hop. */
    HttpResponse<String> follow(String path) throws IOException, InterruptedException {
        URI uri = base.resolve(path);
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

    /** The cookies a browser would send to {@code path} (the store's own lookup ignores paths). */
    List<HttpCookie> cookiesFor(String path) {
        List<HttpCookie> out = new ArrayList<>();
        for (HttpCookie c : cookies.getCookieStore().get(base.resolve(path))) {
            if (c.getPath() == null || path.startsWith(c.getPath())) {
                out.add(c);
            }
        }
        return out;
    }

    String cookie(String path, String name) {
        for (HttpCookie c : cookiesFor(path)) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }

    String cookieHeader(String path) {
        StringBuilder b = new StringBuilder();
        for (HttpCookie c : cookiesFor(path)) {
            b.append(b.length() == 0 ? "" : "; ").append(c.getName()).append('=').append(c.getValue());
        }
        return b.toString();
    }

    /** Logs in through the form, as a browser would; returns the final answer. */
    HttpResponse<String> login(String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> form = get("/hub/login");
        if (form.statusCode() != 200) {
            throw new AssertionError("login page answered " + form.statusCode());
        }
        String xsrf = cookie("/hub/", "_xsrf");
        String body = "_xsrf=" + enc(xsrf) + "&username=" + enc(user) + "&password=" + enc(password);
        return send(HttpRequest.newBuilder(base.resolve("/hub/login?next=%2Fhub%2Fhome"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    /** An API call with a token. */
    HttpResponse<String> api(String method, String path, String token, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/hub/api" + path)).header("Authorization", "token " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) throws IOException {
        return JSON.readValue(r.body(), Map.class);
    }
}
