package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.hubkit.api.HubException;
import org.hubkit.api.Route;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NettyProxyTest {
    @RegisterExtension
    final Resources resources = new Resources();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private NettyProxy proxy;
    private Backend hub;
    private Backend alice;
    private Backend bob;

    @BeforeEach
    void start() throws IOException {
        hub = resources.track(Backend.start("hub"));
        alice = resources.track(Backend.start("alice"));
        bob = resources.track(Backend.start("bob"));
        proxy = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0).build());
        proxy.start().toCompletableFuture().join();
    }

    private void route(String spec, URI target) {
        proxy.addRoute(Route.of(spec, target, Map.of())).toCompletableFuture().join();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(proxyUri(pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI proxyUri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + proxy.port() + pathAndQuery);
    }

    private Instant lastActivity(String spec) {
        return proxy.routes().toCompletableFuture().join().get(spec).lastActivity();
    }

    @Test
    void routesToLongestMatchingPrefix() throws Exception {
        route("/", hub.uri());
        route("/user/alice", alice.uri());
        route("/user/alice/lab/", bob.uri());

        assertThat(get("/user/alice/tree/notebook.ipynb").body()).isEqualTo("alice /user/alice/tree/notebook.ipynb");
        assertThat(get("/user/alice").body()).isEqualTo("alice /user/alice");
        assertThat(get("/user/alice/").body()).isEqualTo("alice /user/alice/");
        assertThat(get("/user/alice/lab/workspaces").body()).isEqualTo("bob /user/alice/lab/workspaces");
        assertThat(get("/user/alice/lab").body()).isEqualTo("bob /user/alice/lab");
        assertThat(get("/hub/home").body()).isEqualTo("hub /hub/home");
    }

    @Test
    void matchesWholePathSegmentsOnly() throws Exception {
        route("/", hub.uri());
        route("/user/alice", alice.uri());

        assertThat(get("/user/alicex").body()).isEqualTo("hub /user/alicex");
        assertThat(get("/user/alicex/tree").body()).isEqualTo("hub /user/alicex/tree");
        assertThat(get("/user").body()).isEqualTo("hub /user");
    }

    @Test
    void sendsEverythingElseToTheRootRoute() throws Exception {
        route("/", hub.uri());

        assertThat(get("/").body()).isEqualTo("hub /");
        assertThat(get("/hub/login?next=%2Fhub%2F").body()).isEqualTo("hub /hub/login?next=%2Fhub%2F");
    }

    @Test
    void usesTheDefaultTargetAsRootRoute() throws Exception {
        NettyProxy withDefault = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0).defaultTarget(hub.uri())
                .build());
        withDefault.start().toCompletableFuture().join();

        assertThat(withDefault.routes().toCompletableFuture().join()).containsOnlyKeys("/");
        HttpResponse<String> res = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + withDefault.port() + "/anything")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.body()).isEqualTo("hub /anything");
    }

    @Test
    void answers404WithHtmlWhenNoRouteMatches() throws Exception {
        route("/user/alice", alice.uri());

        HttpResponse<String> res = get("/hub/home");

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(res.body()).contains("<html").contains("404");
        assertThat(alice.seen).isEmpty();
    }

    @Test
    void answers503WithHtmlWhenTargetIsDown() throws Exception {
        route("/user/alice", URI.create("http://127.0.0.1:" + TestProxies.deadPort()));

        HttpResponse<String> res = get("/user/alice/api");

        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(res.body()).contains("<html").contains("503");
    }

    @Test
    void answers503WhenTargetClosesWithoutAnswering() throws Exception {
        try (ServerSocket rude = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = rude.accept()) {
                    s.getInputStream().read(new byte[1024]);
                } catch (IOException ignored) {
                    // the test fails on the proxy's side if this goes wrong
                }
            });
            t.start();
            route("/user/alice", URI.create("http://127.0.0.1:" + rude.getLocalPort()));

            assertThat(get("/user/alice/api").statusCode()).isEqualTo(503);
            t.join(5000);
        }
    }

    @Test
    void forwardsTargetPathRequestPathQueryAndForwardedHeaders() throws Exception {
        route("/user/alice", alice.uri("/prefix/"));

        HttpResponse<String> res = http.send(HttpRequest.newBuilder(proxyUri("/user/alice/api/contents?type=file&x=a%20b"))
                .header("X-Forwarded-For", "203.0.113.9").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        Backend.Seen seen = alice.last();
        String host = "127.0.0.1:" + proxy.port();
        assertThat(seen.uri()).isEqualTo("/prefix/user/alice/api/contents?type=file&x=a%20b");
        assertThat(seen.header("Host")).isEqualTo(host);
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("203.0.113.9,127.0.0.1");
        assertThat(seen.header("X-Forwarded-Port")).isEqualTo(String.valueOf(proxy.port()));
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.header("X-Forwarded-Host")).isEqualTo(host);
    }

    @Test
    void keepsAGivenForwardedHost() throws Exception {
        route("/", hub.uri());

        http.send(HttpRequest.newBuilder(proxyUri("/")).header("X-Forwarded-Host", "hub.example.org").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(hub.last().header("X-Forwarded-Host")).isEqualTo("hub.example.org");
    }

    @Test
    void routesOnTheDecodedPathAndForwardsItUnchanged() throws Exception {
        route("/", hub.uri());
        route("/user/a@b.org", alice.uri());

        assertThat(get("/user/a%40b.org/tree").body()).isEqualTo("alice /user/a%40b.org/tree");
        assertThat(get("/user/a@b.org/tree").body()).isEqualTo("alice /user/a@b.org/tree");
    }

    @Test
    void resolvesDotSegmentsBeforeRouting() throws Exception {
        route("/", hub.uri());
        route("/user/alice", alice.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            assertThat(raw.get("/user/alice/../bob/tree").body()).startsWith("hub ");
            assertThat(raw.get("/user/bob/../alice/tree").body()).startsWith("alice ");
        }
    }

    @Test
    void answers400ToMalformedEscapes() throws Exception {
        route("/", hub.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            assertThat(raw.get("/user/%zz").status()).isEqualTo(400);
            assertThat(raw.get("/user/%C3%28").status()).isEqualTo(400);
            assertThat(raw.get("/still-open").body()).isEqualTo("hub /still-open");
        }
    }

    @Test
    void keepsTheClientConnectionAliveAndReusesTheUpstream() throws Exception {
        route("/user/alice", alice.uri());
        route("/user/bob", bob.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            assertThat(raw.get("/user/alice/1").body()).isEqualTo("alice /user/alice/1");
            assertThat(raw.get("/user/alice/2").body()).isEqualTo("alice /user/alice/2");
            assertThat(raw.exchange("HEAD", "/user/alice/3", "").status()).isEqualTo(200);
            assertThat(raw.get("/user/bob/1").body()).isEqualTo("bob /user/bob/1");
            assertThat(raw.get("/user/alice/4").body()).isEqualTo("alice /user/alice/4");
        }

        assertThat(alice.seen).hasSize(4);
        assertThat(alice.seen.get(1).remotePort()).as("same upstream connection").isEqualTo(alice.seen.get(0).remotePort());
        assertThat(alice.seen.get(2).remotePort()).isEqualTo(alice.seen.get(0).remotePort());
        assertThat(alice.seen.get(3).remotePort()).as("taken back from the pool after bob").isEqualTo(alice.seen.get(0).remotePort());
        assertThat(bob.seen.get(0).remotePort()).as("bob on a connection of its own").isNotEqualTo(alice.seen.get(0).remotePort());
    }

    @Test
    void keepsConnectionsAliveForJavaHttpClient() throws Exception {
        route("/", hub.uri());

        for (int i = 0; i < 5; i++) {
            assertThat(get("/n/" + i).statusCode()).isEqualTo(200);
        }

        assertThat(hub.seen).extracting(Backend.Seen::remotePort).containsOnly(hub.seen.get(0).remotePort());
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        route("/user/alice", alice.uri());
        route("/user/bob", bob.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            String host = "Host: 127.0.0.1\r\n\r\n";
            raw.send("GET /user/alice/1 HTTP/1.1\r\n" + host + "GET /user/bob/2 HTTP/1.1\r\n" + host
                    + "GET /user/alice/3 HTTP/1.1\r\n" + host);
            assertThat(raw.read(false).body()).isEqualTo("alice /user/alice/1");
            assertThat(raw.read(false).body()).isEqualTo("bob /user/bob/2");
            assertThat(raw.read(false).body()).isEqualTo("alice /user/alice/3");
        }
    }

    @Test
    void closesTheConnectionWhenTheClientAsks() throws Exception {
        route("/", hub.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            RawHttp.Response res = raw.exchange("GET", "/bye", "Connection: close\r\n");
            assertThat(res.body()).isEqualTo("hub /bye");
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void chunksAResponseThatEndsByClosing() throws Exception {
        try (ServerSocket oldStyle = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = oldStyle.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // seen as a failed assertion below
                }
            });
            t.start();
            route("/old", URI.create("http://127.0.0.1:" + oldStyle.getLocalPort()));
            route("/", hub.uri());

            try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
                RawHttp.Response res = raw.get("/old");
                assertThat(res.body()).isEqualTo("until the end");
                assertThat(res.header("Transfer-Encoding")).isEqualTo("chunked");
                assertThat(raw.get("/next").body()).isEqualTo("hub /next");
            }
            t.join(5000);
        }
    }

    @Test
    void resendsASafeRequestWhenAKeptAliveUpstreamClosesUnanswered() throws Exception {
        try (ServerSocket flaky = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket first = flaky.accept()) {
                    readHead(first);
                    first.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst".getBytes(StandardCharsets.US_ASCII));
                    readHead(first); // then close without answering, as an idle timeout would
                } catch (IOException ignored) {
                    // seen as a failed assertion below
                }
                try (Socket second = flaky.accept()) {
                    readHead(second);
                    second.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // seen as a failed assertion below
                }
            });
            t.start();
            route("/flaky", URI.create("http://127.0.0.1:" + flaky.getLocalPort()));

            try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
                assertThat(raw.get("/flaky/1").body()).isEqualTo("first");
                assertThat(raw.get("/flaky/2").body()).isEqualTo("second");
            }
            t.join(5000);
        }
    }

    private static void readHead(Socket s) throws IOException {
        java.io.InputStream in = s.getInputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed");
            }
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    @Test
    void passesExpectContinueThrough() throws Exception {
        route("/", hub.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            raw.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(raw.read(false).status()).isEqualTo(100);
            raw.send("hello");
            assertThat(raw.read(false).body()).isEqualTo("hub /upload");
            assertThat(raw.get("/after").body()).isEqualTo("hub /after");
        }
    }

    @Test
    void answersHttp10ClientsAndClosesUnlessAskedToKeepAlive() throws Exception {
        route("/", hub.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            raw.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response kept = raw.read(false);
            assertThat(kept.body()).isEqualTo("hub /old");
            assertThat(kept.header("Connection")).isEqualToIgnoringCase("keep-alive");

            raw.send("GET /older HTTP/1.0\r\n\r\n");
            assertThat(raw.read(false).body()).isEqualTo("hub /older");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void servesManyConcurrentClients() throws Exception {
        route("/user/alice", alice.uri());
        route("/user/bob", bob.uri());
        int clients = 16;
        int requests = 25;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    int ok = 0;
                    for (int r = 0; r < requests; r++) {
                        String user = (client + r) % 2 == 0 ? "alice" : "bob";
                        String path = "/user/" + user + "/" + client + "/" + r;
                        HttpResponse<String> res = own.send(HttpRequest.newBuilder(proxyUri(path))
                                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(r * 1000))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (res.statusCode() == 200 && res.body().equals(user + " " + path)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : results) {
                assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(requests);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closesIdleClientConnectionsAfterTheKeepAliveTimeoutOnly() throws Exception {
        NettyProxy quick = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0)
                .keepAliveTimeout(Duration.ofMillis(300)).build());
        quick.start().toCompletableFuture().join();
        CountDownLatch answer = new CountDownLatch(1);
        alice.handle("/slow", exchange -> {
            try {
                answer.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, 4);
            exchange.getResponseBody().write("slow".getBytes(StandardCharsets.US_ASCII));
            exchange.close();
        });
        quick.addRoute(Route.of("/", alice.uri(), Map.of())).toCompletableFuture().join();
        LogCapture logs = resources.track(new LogCapture("org.hubkit.proxy.netty.internal.ClientConnection",
                Level.DEBUG, false));

        try (RawHttp raw = resources.track(new RawHttp(quick.port()))) {
            raw.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            try (RawHttp idle = new RawHttp(quick.port())) {
                // no clock: a connection opened after the request was sent is cut as idle first
                assertThat(idle.closedByPeer()).as("a connection opened meanwhile was closed as idle").isTrue();
            }
            answer.countDown();
            assertThat(raw.read(false).body()).as("a slow response is not idle time").isEqualTo("slow");

            assertThat(raw.closedByPeer()).as("closed once idle after the response").isTrue();
            assertThat(logs.messages()).as("closed by the keep-alive timeout")
                    .contains("Client /127.0.0.1:" + raw.socket.getLocalPort() + " idle for 300 ms; closing");
        }
    }

    @Test
    void appliesRouteChangesToOpenConnections() throws Exception {
        route("/", hub.uri());
        route("/user/alice", alice.uri());

        try (RawHttp raw = resources.track(new RawHttp(proxy.port()))) {
            assertThat(raw.get("/user/alice/a").body()).isEqualTo("alice /user/alice/a");

            route("/user/alice/", bob.uri());
            assertThat(raw.get("/user/alice/b").body()).isEqualTo("bob /user/alice/b");

            proxy.deleteRoute("/user/alice/").toCompletableFuture().join();
            assertThat(raw.get("/user/alice/c").body()).isEqualTo("hub /user/alice/c");

            proxy.deleteRoute("/").toCompletableFuture().join();
            assertThat(raw.get("/user/alice/d").status()).isEqualTo(404);
            assertThat(raw.get("/user/alice/e").status()).as("still open after a 404").isEqualTo(404);
        }
    }

    @Test
    void storesRoutesUnderNormalisedSpecsWithDataUnchanged() {
        Map<String, Object> data = Map.of("user", "alice", "server_name", "");
        proxy.addRoute(Route.of("/user/alice/", alice.uri(), data)).toCompletableFuture().join();
        proxy.addRoute(Route.of("/", hub.uri(), Map.of("hub", true))).toCompletableFuture().join();

        Map<String, Route> table = proxy.routes().toCompletableFuture().join();

        assertThat(table).containsOnlyKeys("/", "/user/alice");
        assertThat(table.get("/user/alice").data()).isEqualTo(data);
        assertThat(table.get("/user/alice").target()).isEqualTo(alice.uri());
        assertThat(table.get("/").data()).isEqualTo(Map.of("hub", true));
        assertThat(table.get("/user/alice").lastActivity()).isNotNull();

        proxy.deleteRoute("/user/alice/").toCompletableFuture().join();
        proxy.deleteRoute("/user/nobody").toCompletableFuture().join();
        assertThat(proxy.routes().toCompletableFuture().join()).containsOnlyKeys("/");
    }

    @Test
    void keepsTheLastActivityOfARouteThatCarriesOne() {
        Instant then = Instant.parse("2024-05-01T12:00:00Z");
        proxy.addRoute(new Route("/user/alice", alice.uri(), Map.of(), then)).toCompletableFuture().join();

        assertThat(lastActivity("/user/alice")).isEqualTo(then);
    }

    @Test
    void updatesLastActivityAfterTraffic() throws Exception {
        route("/user/alice", alice.uri());
        Instant added = lastActivity("/user/alice");
        Thread.sleep(30);

        get("/user/alice/api/status");
        Instant afterGet = lastActivity("/user/alice");
        Thread.sleep(30);
        http.send(HttpRequest.newBuilder(proxyUri("/user/alice/api/contents"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(afterGet).isAfter(added);
        assertThat(lastActivity("/user/alice")).isAfter(afterGet);
    }

    @Test
    void doesNotUpdateLastActivityOnErrors() throws Exception {
        route("/user/dead", URI.create("http://127.0.0.1:" + TestProxies.deadPort()));
        alice.handle("/user/alice/missing", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        route("/user/alice", alice.uri());
        Instant deadAdded = lastActivity("/user/dead");
        Instant aliceAdded = lastActivity("/user/alice");
        Thread.sleep(30);

        assertThat(get("/user/dead/api").statusCode()).isEqualTo(503);
        assertThat(get("/user/alice/missing").statusCode()).isEqualTo(404);

        assertThat(lastActivity("/user/dead")).isEqualTo(deadAdded);
        assertThat(lastActivity("/user/alice")).isEqualTo(aliceAdded);
    }

    @Test
    void rejectsTargetsItCannotProxyTo() {
        assertThatThrownBy(() -> proxy.addRoute(Route.of("/x", URI.create("ftp://127.0.0.1:1"), Map.of()))
                .toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(HubException.class)
                .hasMessageContaining("/x");
        assertThat(proxy.routes().toCompletableFuture().join()).isEmpty();
    }

    @Test
    void logsRoutesAndRequestsWithoutQueryStrings() throws Exception {
        LogCapture logs = new LogCapture("org.hubkit.proxy.netty", Level.DEBUG, false);
        try (logs) {
            route("/user/alice", alice.uri());
            get("/user/alice/api/kernels?token=s3cret");
            proxy.deleteRoute("/user/alice").toCompletableFuture().join();
        }

        List<String> lines = logs.messages();
        assertThat(lines).anySatisfy(l -> assertThat(l).isEqualTo("Route added /user/alice -> " + alice.uri()));
        assertThat(lines).anySatisfy(l -> assertThat(l).isEqualTo("Route deleted /user/alice"));
        assertThat(lines).filteredOn(l -> l.startsWith("GET ")).singleElement()
                .satisfies(l -> assertThat(l).startsWith("GET /user/alice/api/kernels -> 200"));
        assertThat(lines).noneSatisfy(l -> assertThat(l).contains("s3cret"));
    }

    @Test
    void reportsTheBoundPortWhenStartedOnPortZero() {
        NettyProxy p = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0).build());
        assertThat(p.port()).isZero();

        p.start().toCompletableFuture().join();

        assertThat(p.port()).isPositive();
        assertThat(p.start().toCompletableFuture()).isCompletedExceptionally();
    }

    @Test
    void failsToStartOnAPortInUse() {
        NettyProxy clash = resources.track(NettyProxy.builder().ip("127.0.0.1").port(proxy.port()).build());

        assertThatThrownBy(() -> clash.start().toCompletableFuture().join())
                .hasCauseInstanceOf(HubException.class)
                .hasMessageContaining(String.valueOf(proxy.port()));
    }

    @Test
    void closeStopsListeningAndClosesConnections() throws Exception {
        route("/", hub.uri());
        RawHttp raw = resources.track(new RawHttp(proxy.port()));
        assertThat(raw.get("/").status()).isEqualTo(200);

        proxy.close();

        assertThat(raw.closedByPeer()).isTrue();
        assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close()).isInstanceOf(ConnectException.class);
        proxy.close();
    }

    @Test
    void builderRejectsInvalidConfigurationNamingEachField() {
        assertThatThrownBy(() -> NettyProxy.builder()
                .ip("not an ip")
                .port(70000)
                .defaultTarget(URI.create("ftp://files.example.org"))
                .ioThreads(-1)
                .connectTimeout(Duration.ZERO)
                .keepAliveTimeout(Duration.ofSeconds(-1))
                .build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .hasSize(6)
                        .anySatisfy(p -> assertThat(p).startsWith("keepAliveTimeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("ip: "))
                        .anySatisfy(p -> assertThat(p).startsWith("port: "))
                        .anySatisfy(p -> assertThat(p).startsWith("defaultTarget: "))
                        .anySatisfy(p -> assertThat(p).startsWith("ioThreads: "))
                        .anySatisfy(p -> assertThat(p).startsWith("connectTimeout: ")));
    }

    @Test
    void toBuilderCopiesTheConfiguration() {
        NettyProxy original = NettyProxy.builder().ip("127.0.0.1").port(1234).defaultTarget(hub.uri())
                .ioThreads(2).nativeTransport(false).connectTimeout(Duration.ofSeconds(3))
                .keepAliveTimeout(Duration.ofSeconds(7)).build();

        NettyProxy copy = original.toBuilder().port(4321).build();

        assertThat(copy.ip()).isEqualTo("127.0.0.1");
        assertThat(copy.port()).isEqualTo(4321);
        assertThat(copy.defaultTarget()).contains(hub.uri());
        assertThat(copy.ioThreads()).isEqualTo(2);
        assertThat(copy.nativeTransport()).isFalse();
        assertThat(copy.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void builderRejectsInvalidChpOptionsNamingEachField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThatThrownBy(() -> NettyProxy.builder()
                .errorTarget(URI.create("ftp://errors.example.org"))
                .errorPath(dir.resolve("missing"))
                .timeout(Duration.ZERO)
                .proxyTimeout(Duration.ofSeconds(-1))
                .tls(dir.resolve("cert.pem"), dir.resolve("key.pem"), null)
                .build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("errorTarget: "))
                        .anySatisfy(p -> assertThat(p).startsWith("errorPath: cannot be set with errorTarget"))
                        .anySatisfy(p -> assertThat(p).startsWith("errorPath: must be a directory"))
                        .anySatisfy(p -> assertThat(p).startsWith("timeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("proxyTimeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("tls: ")));
    }

    @Test
    void toBuilderCopiesTheChpOptions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        NettyProxy original = NettyProxy.builder().hostRouting(true).prependPath(false).includePrefix(false)
                .xForward(false).changeOrigin(true).customHeader("X-A", "1").errorPath(dir)
                .timeout(Duration.ofSeconds(1)).proxyTimeout(Duration.ofSeconds(2)).build();

        NettyProxy copy = original.toBuilder().build();

        assertThat(copy.hostRouting()).isTrue();
        assertThat(copy.prependPath()).isFalse();
        assertThat(copy.includePrefix()).isFalse();
        assertThat(copy.xForward()).isFalse();
        assertThat(copy.changeOrigin()).isTrue();
        assertThat(copy.customHeaders()).containsEntry("X-A", "1");
        assertThat(copy.errorPath()).contains(dir);
        assertThat(copy.timeout()).contains(Duration.ofSeconds(1));
        assertThat(copy.proxyTimeout()).contains(Duration.ofSeconds(2));
    }

    @Test
    void answersTheHealthCheckWithoutARoute() throws Exception {
        HttpResponse<String> res = get("/_chp_healthz");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("{\"status\":\"OK\"}");
    }

    @Test
    void worksOnTheNioTransportToo() throws Exception {
        NettyProxy nio = resources.track(NettyProxy.builder().ip("127.0.0.1").port(0).nativeTransport(false).ioThreads(1)
                .build());
        nio.start().toCompletableFuture().join();
        nio.addRoute(Route.of("/", hub.uri(), Map.of())).toCompletableFuture().join();

        try (RawHttp raw = resources.track(new RawHttp(nio.port()))) {
            assertThat(raw.get("/a").body()).isEqualTo("hub /a");
            assertThat(raw.get("/b").body()).isEqualTo("hub /b");
        }
    }
}
