package org.hubkit.auth.oauth;

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

/**
 * A browser stand-in: a cookie jar, and redirects followed one hop at a time (hub, provider, hub)
 * so that a test can stop at any hop and look at it.
 */
final class HubBrowser {
    final URI hub;
    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    final HttpClient http;
    /** Every URL this browser was sent to, in order. */
    final List<URI> visited = new ArrayList<>();

    HubBrowser(URI hub) {
        this.hub = hub;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        visited.add(uri);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String hubPath) throws IOException, InterruptedException {
        return get(hub.resolve(hubPath));
    }

    /** Follows redirects from {@code start} until an answer that is not one, or {@code maxHops}. */
    HttpResponse<String> follow(URI start, int maxHops) throws IOException, InterruptedException {
        HttpResponse<String> r = get(start);
        for (int i = 0; i < maxHops && r.statusCode() / 100 == 3; i++) {
            r = get(r.uri().resolve(r.headers().firstValue("Location").orElseThrow()));
        }
        return r;
    }

    /** Logs in through the given login ({@code /hub/oauth_login/<id>}), following every hop; returns the last answer. */
    HttpResponse<String> login(String id, String next) throws IOException, InterruptedException {
        return follow(hub.resolve("/hub/oauth_login/" + id + (next == null ? "" : "?next=" + java.net.URLEncoder.encode(next,
                java.nio.charset.StandardCharsets.UTF_8))), 6);
    }

    Optional<String> cookie(String name) {
        return cookies.getCookieStore().get(hub.resolve("/hub/")).stream().filter(c -> c.getName().equals(name))
                .map(HttpCookie::getValue).findFirst();
    }

    /** The callback URL the provider sent this browser back to, if it got that far. */
    Optional<URI> callback() {
        return visited.stream().filter(u -> u.getPath().equals("/hub/oauth_callback")).reduce((a, b) -> b);
    }
}
