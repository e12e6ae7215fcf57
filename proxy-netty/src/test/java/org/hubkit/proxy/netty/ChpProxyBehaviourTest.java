package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * configurable-http-proxy's {@code test/proxy_spec.js} behaviours (and the options its CLI
 * passes through), against proxies started the way {@link ProxyMain} starts them. Routes are
 * added through the REST API, as JupyterHub adds them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChpProxyBehaviourTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    @RegisterExtension
    final Resources resources = new Resources();
    private Backend backend;
    private ChpCompatibleProxy chp;

    @BeforeEach
    void start() throws Exception {
        backend = resources.track(Backend.start("backend"));
    }

    /** Starts a proxy with the default target and these extra flags; it becomes {@link #chp}. */
    private ChpCompatibleProxy proxy(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--default-target", backend.uri().toString()));
        args.addAll(List.of(flags));
        chp = resources.track(ChpApiTest.launch(Map.of(), args.toArray(String[]::new)));
        return chp;
    }

    private void addRoute(String path, String target) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + chp.apiPort() + "/api/routes" + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"" + target + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(201);
    }

    private Instant lastActivity(String spec) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + chp.apiPort() + "/api/routes")).build(),
                HttpResponse.BodyHandlers.ofString());
        return Instant.parse(json.readTree(res.body()).get(spec).get("last_activity").asText());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chp.proxy().port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void basicHttpRequestReachesTheTargetAndUpdatesLastActivity() throws Exception {
        proxy();
        Instant before = lastActivity("/");
        Thread.sleep(20);

        assertThat(get("/").body()).isEqualTo("backend /");

        assertThat(lastActivity("/")).isAfter(before);
    }

    @Test
    void basicWebSocketRequestIsRelayedAndUpdatesLastActivity() throws Exception {
        WsEchoServer ws = new WsEchoServer();
        resources.track(ws::close);
        proxy("--default-target", ws.uri().toString());
        Instant before = lastActivity("/");
        Thread.sleep(20);
        TextMessages messages = new TextMessages();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + chp.proxy().port() + "/"), messages).join();

        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("connected");
        socket.sendText("hi", true).join();
        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hi");

        assertThat(lastActivity("/")).isAfter(before);
        socket.abort();
    }

    @Test
    void keepAliveResponsesSayKeepAlive() throws Exception {
        proxy();
        try (RawHttp raw = new RawHttp(chp.proxy().port())) {
            RawHttp.Response first = raw.get("/a");
            RawHttp.Response second = raw.get("/b");

            assertThat(first.header("Connection")).isEqualTo("keep-alive");
            assertThat(second.body()).isEqualTo("backend /b");
        }
    }

    @Test
    void targetPathIsPrependedByDefault() throws Exception {
        proxy();
        addRoute("/bar", backend.uri("/foo").toString());

        assertThat(get("/bar/rest/of/it").body()).isEqualTo("backend /foo/bar/rest/of/it");
    }

    @Test
    void prefixWithAQueryIsProxiedCorrectly() throws Exception {
        proxy();
        addRoute("/bar", backend.uri("/foo").toString());

        assertThat(get("/bar?query=foo").body()).isEqualTo("backend /foo/bar?query=foo");
    }

    @Test
    void uriEncodingIsHandled() throws Exception {
        proxy();
        addRoute("/b%40r/b%20r", backend.uri("/foo").toString());

        get("/b%40r/b%20r/rest/of/it");

        assertThat(backend.last().uri()).isEqualTo("/foo/b%40r/b%20r/rest/of/it");
    }

    @Test
    void atSignIsRoutedLikePercent40() throws Exception {
        proxy();
        addRoute("/b%40r/b%20r", backend.uri("/foo").toString());

        get("/b@r/b%20r/rest/of/it");

        assertThat(backend.last().uri()).isEqualTo("/foo/b@r/b%20r/rest/of/it");
    }

    @Test
    void noPrependPathLeavesTheTargetPathOut() throws Exception {
        proxy("--no-prepend-path");
        addRoute("/bar", backend.uri("/foo").toString());

        assertThat(get("/bar/rest/of/it").body()).isEqualTo("backend /bar/rest/of/it");
    }

    @Test
    void noIncludePrefixStripsTheRoutingPrefix() throws Exception {
        proxy("--no-include-prefix");
        addRoute("/bar", backend.uri("/foo").toString());

        assertThat(get("/bar/rest/of/it").body()).isEqualTo("backend /foo/rest/of/it");
        assertThat(get("/bar?x=1").body()).isEqualTo("backend /foo?x=1");
        assertThat(get("/other").body()).isEqualTo("backend /other");
    }

    @Test
    void noIncludePrefixAndNoPrependPathTogether() throws Exception {
        proxy("--no-include-prefix", "--no-prepend-path");
        addRoute("/bar", backend.uri("/foo").toString());

        assertThat(get("/bar/rest/of/it").body()).isEqualTo("backend /rest/of/it");
    }

    @Test
    void hostRoutingRoutesByHost() throws Exception {
        Backend hosted = resources.track(Backend.start("hosted"));
        proxy("--host-routing");
        addRoute("/test.localhost.jovyan.org", hosted.uri().toString());

        try (RawHttp raw = new RawHttp(chp.proxy().port())) {
            raw.send("GET /some/path HTTP/1.1\r\nHost: test.localhost.jovyan.org:" + chp.proxy().port() + "\r\n\r\n");
            assertThat(raw.read(false).body()).isEqualTo("hosted /some/path");
            raw.send("GET /some/path HTTP/1.1\r\nHost: other.jovyan.org\r\n\r\n");
            assertThat(raw.read(false).body()).isEqualTo("backend /some/path");
        }
    }

    @Test
    void lastActivityIsNotUpdatedOnErrors() throws Exception {
        proxy();
        addRoute("/missing", "https://127.0.0.1:54321");
        Instant added = lastActivity("/missing");
        Thread.sleep(20);

        assertThat(get("/missing/prefix").statusCode()).isEqualTo(503);
        try (RawHttp raw = new RawHttp(chp.proxy().port())) {
            raw.send("GET /missing/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(raw.read(false).status()).isEqualTo(503);
        }

        assertThat(lastActivity("/missing")).isEqualTo(added);
    }

    @Test
    void customErrorTargetServesErrorPagesWithTheOriginalStatus() throws Exception {
        Backend errors = resources.track(Backend.start("errors"));
        errors.handle("/hub/error", exchange -> {
            String raw = exchange.getRequestURI().getRawQuery();
            String url = URLDecoder.decode(raw.substring(raw.indexOf("url=") + 4), StandardCharsets.UTF_8);
            byte[] body = url.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        chp = resources.track(ChpApiTest.launch(Map.of(), "--error-target", errors.uri("/hub/error").toString()));
        addRoute("/dead", "http://127.0.0.1:" + TestProxies.deadPort());

        HttpResponse<String> notFound = get("/foo/bar?x=1%202");
        HttpResponse<String> down = get("/dead/x");
        RawHttp.Response malformed;
        try (RawHttp raw = new RawHttp(chp.proxy().port())) {
            malformed = raw.get("/%25%");
        }

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("content-type")).contains("text/plain");
        assertThat(notFound.body()).isEqualTo("/foo/bar?x=1%202");
        assertThat(errors.seen.get(0).uri()).startsWith("/hub/error/404?url=");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).isEqualTo("/dead/x");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).isEqualTo("/%25%");
    }

    @Test
    void anUnreachableErrorTargetFallsBackToTheDefaultPage() throws Exception {
        chp = resources.track(ChpApiTest.launch(Map.of(), "--error-target", "http://127.0.0.1:" + TestProxies.deadPort()));

        HttpResponse<String> res = get("/nope");

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).contains("404:");
    }

    @Test
    void customErrorPathServesCodeThenGenericPages(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("404.html"), "<p>404'D</p>");
        Files.writeString(dir.resolve("error.html"), "<p>UNKNOWN</p>");
        chp = resources.track(ChpApiTest.launch(Map.of(), "--error-path", dir.toString()));
        addRoute("/missing", "https://127.0.0.1:54321");

        HttpResponse<String> notFound = get("/nope");
        HttpResponse<String> down = get("/missing/prefix");

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("content-type")).contains("text/html");
        assertThat(notFound.body()).contains("404'D");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.headers().firstValue("content-type")).contains("text/html");
        assertThat(down.body()).contains("UNKNOWN");
    }

    @Test
    void defaultErrorPagesAreHtml() throws Exception {
        chp = resources.track(ChpApiTest.launch(Map.of()));
        addRoute("/missing", "https://127.0.0.1:54321");

        HttpResponse<String> notFound = get("/nope");
        HttpResponse<String> down = get("/missing/prefix");

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(notFound.body()).contains("404:");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("503:");
    }

    @Test
    void redirectLocationIsLeftUntouched() throws Exception {
        backend.handle("/internal/urlpath", exchange -> {
            exchange.getResponseHeaders().set("Location", "http://foo.com:12345/whatever");
            exchange.sendResponseHeaders(301, -1);
            exchange.close();
        });
        proxy();
        addRoute("/external/urlpath", backend.uri("/internal/urlpath").toString());

        HttpResponse<String> res = get("/external/urlpath/rest/of/it");

        assertThat(res.statusCode()).isEqualTo(301);
        assertThat(res.headers().firstValue("location")).contains("http://foo.com:12345/whatever");
    }

    @Test
    void healthCheckAnswersOk() throws Exception {
        chp = resources.track(ChpApiTest.launch(Map.of()));

        HttpResponse<String> res = get("/_chp_healthz");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).contains("application/json");
        assertThat(json.readTree(res.body())).isEqualTo(json.readTree("{\"status\":\"OK\"}"));
    }

    @Test
    void forwardedHeadersAreAddedUnlessNoXForward() throws Exception {
        proxy();
        get("/with");
        assertThat(backend.last().header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        chp.close();

        proxy("--no-x-forward");
        get("/without");

        assertThat(backend.last().uri()).isEqualTo("/without");
        assertThat(backend.last().headers()).doesNotContainKeys("X-Forwarded-For", "X-Forwarded-Proto",
                "X-Forwarded-Port", "X-Forwarded-Host");
    }

    @Test
    void changeOriginAndCustomHeadersRewriteTheRequest() throws Exception {
        proxy("--change-origin", "--custom-header", "X-One: 1", "--custom-header=X-Two:two");

        get("/x");

        assertThat(backend.last().header("Host")).isEqualTo("127.0.0.1:" + backend.uri().getPort());
        assertThat(backend.last().header("X-One")).isEqualTo("1");
        assertThat(backend.last().header("X-Two")).isEqualTo("two");
    }

    @Test
    void proxyTimeoutAnswers503WhenTheTargetIsSilent() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        backend.handle("/slow", exchange -> answerOnceReleased(exchange, release));
        proxy("--proxy-timeout", "300");

        try {
            // the target answers only after the client has its response: only the proxy timeout
            // can end the wait (the client's own limit is there to fail, not to measure)
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + chp.proxy().port() + "/slow")).timeout(Duration.ofSeconds(20))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(res.statusCode()).isEqualTo(503);
        } finally {
            release.countDown();
        }
        assertThat(get("/fast").body()).isEqualTo("backend /fast");
    }

    @Test
    void timeoutDropsAClientConnectionThatIdlesDuringARequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        backend.handle("/slow", exchange -> answerOnceReleased(exchange, release));
        proxy("--timeout", "300");

        try (RawHttp raw = new RawHttp(chp.proxy().port())) {
            assertThat(raw.get("/fast").body()).isEqualTo("backend /fast");
            raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");

            // no byte of an answer, then the end: the proxy dropped the connection while the target
            // still held the request (a read that times out fails the test)
            assertThat(raw.closedByPeer()).isTrue();
        } finally {
            release.countDown();
        }
    }

    /** Answers 200 once {@code release} is counted down (at most 30 s later). */
    private static void answerOnceReleased(com.sun.net.httpserver.HttpExchange exchange, CountDownLatch release)
            throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            release.await(30, TimeUnit.SECONDS);
            exchange.sendResponseHeaders(200, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the proxy closed the connection meanwhile: what the test is about
        } finally {
            exchange.close();
        }
    }

    @Test
    void sslKeyAndCertServeHttpsAndForwardTheProto() throws Exception {
        proxy("--ssl-key", resource("tls/key.pem"), "--ssl-cert", resource("tls/cert.pem"));
        HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(TlsClients.trusting(Path.of(resource("tls/cert.pem")))).build();

        HttpResponse<String> res = https.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + chp.proxy().port() + "/secure")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(res.body()).isEqualTo("backend /secure");
        assertThat(backend.last().header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(backend.last().header("X-Forwarded-Port")).isEqualTo(String.valueOf(chp.proxy().port()));
    }

    @Test
    void redirectPortSendsPlainHttpToHttps() throws Exception {
        int free = TestProxies.deadPort();
        proxy("--ssl-key", resource("tls/key.pem"), "--ssl-cert", resource("tls/cert.pem"), "--redirect-port",
                String.valueOf(free));

        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + free + "/hub/login?next=x")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(301);
        assertThat(res.headers().firstValue("location"))
                .contains("https://127.0.0.1:" + chp.proxy().port() + "/hub/login?next=x");
    }

    @Test
    void metricsServeConfigurableHttpProxysCounters() throws Exception {
        proxy("--metrics-ip", "127.0.0.1", "--metrics-port", "0");
        get("/counted");
        addRoute("/user/x", backend.uri().toString());

        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + chp.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).contains("requests_web_total 1.0", "api_route_add_total 1.0",
                "requests_proxy_total{status=\"200\"} 1.0", "requests_api_total{status=\"201\"} 1.0",
                "find_target_for_req_seconds_count", "api_route_get_total", "requests_ws_total");
    }

    private static String resource(String name) throws Exception {
        return Path.of(ChpProxyBehaviourTest.class.getClassLoader().getResource(name).toURI()).toString();
    }

}
