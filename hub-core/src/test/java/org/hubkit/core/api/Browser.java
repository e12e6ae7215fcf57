package org.hubkit.core.api;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A browser stand-in: a cookie jar, redirects not followed so each hop can be checked. */
final class Browser {
    final URI base;
    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    final HttpClient http;

    Browser(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET());
    }

    HttpResponse<String> postForm(String pathAndQuery, String form) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    /** Fetches the login form (which sets the {@code _xsrf} cookie) and posts it; returns the POST's answer. */
    HttpResponse<String> login(String user, String password) throws IOException, InterruptedException {
        return login(user, password, null);
    }

    HttpResponse<String> login(String user, String password, String next) throws IOException, InterruptedException {
        HttpResponse<String> form = get("/hub/login");
        if (form.statusCode() != 200) {
            throw new AssertionError("login page answered " + form.statusCode());
        }
        String xsrf = cookie("_xsrf").orElseThrow(() -> new AssertionError("no _xsrf cookie from the login page"));
        return postForm("/hub/login" + (next == null ? "" : "?next=" + TestHub.enc(next)),
                "_xsrf=" + TestHub.enc(xsrf) + "&username=" + TestHub.enc(user) + "&password=" + TestHub.enc(password));
    }

    /** Logs in and checks it worked. */
    Browser loggedInAs(String user) throws IOException, InterruptedException {
        HttpResponse<String> r = login(user, TestHub.PASSWORD);
        if (r.statusCode() != 302 || cookie("jupyterhub-hub-login").isEmpty()) {
            throw new AssertionError("login of " + user + " failed: " + r.statusCode() + " " + r.body());
        }
        return this;
    }

    /** A cookie the jar would send to {@code /hub/}. */
    Optional<String> cookie(String name) {
        List<HttpCookie> found = new ArrayList<>(cookies.getCookieStore().get(base.resolve("/hub/")));
        return found.stream().filter(c -> c.getName().equals(name)).map(HttpCookie::getValue).findFirst();
    }

    /** An API request authenticated by the cookie jar only, with optional extra headers (name, value, ...). */
    HttpResponse<String> api(String method, String path, String jsonBody, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/hub/api" + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        return send(b);
    }
}
