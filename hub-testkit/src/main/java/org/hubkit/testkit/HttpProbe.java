package org.hubkit.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends the contracts' GET requests: HTTP/1.1, redirects not followed (as the hub's readiness
 * check), connections kept alive between requests as a browser would.
 */
final class HttpProbe {
    /** A status and a body read as UTF-8. */
    record Answer(int status, String body) {
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /**
     * @param uri where to send it
     * @param timeout how long to wait for the whole answer
     * @return the answer
     * @throws IOException if nothing answers (refused, reset, timed out)
     * @throws InterruptedException if the test is interrupted
     */
    Answer get(URI uri, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(timeout).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }
}
