package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The side listeners (REST API, metrics, HTTPS redirect) hold their clients to
 * {@link ChpCompatibleProxy.Builder#serviceTimeouts}, as the public listener does: a silent
 * connection is closed after the keep-alive timeout, a trickled head or body gets a 408 and the
 * connection closed; API calls on a kept-alive connection go on working.
 *
 * <p>No test reads the clock: a connection is waited on until the listener closes it (the
 * client's read timeout, 10 s, is the only bound), and where a limit must have passed a later
 * connection cut by it shows that ({@link RawHttp#awaitOneHeadersTimeout}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceTimeoutsTest {
    private static final String TOKEN = "s3cret-token";
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final String AUTH = "Authorization: token " + TOKEN + "\r\n";

    @RegisterExtension
    final Resources resources = new Resources();

    private ChpCompatibleProxy chp(ListenerTimeouts timeouts) {
        return resources.track(ChpCompatibleProxy.builder().proxy(NettyProxy.builder().ip("127.0.0.1").port(0))
                .apiIp("127.0.0.1").apiPort(0).authToken(TOKEN).serviceTimeouts(timeouts).build().start());
    }

    private static ListenerTimeouts.Builder timeouts() {
        return ListenerTimeouts.builder();
    }

    private static String post(String path, String body) {
        return "POST /api/routes" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "Content-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void closesASilentApiConnectionAfterTheKeepAliveTimeout() throws Exception {
        ChpCompatibleProxy chp = chp(timeouts().keepAliveTimeout(SHORT).build());
        LogCapture logs = resources.track(new LogCapture("org.hubkit.proxy.netty.internal.ServiceListener",
                Level.DEBUG, false));

        try (RawHttp silent = new RawHttp(chp.apiPort())) {
            assertThat(silent.closedByPeer()).as("closed by the API listener").isTrue();

            assertThat(logs.messages()).as("as idle").contains("proxy API: client /127.0.0.1:"
                    + silent.socket.getLocalPort() + " idle for 300 ms; closing");
        }
    }

    @Test
    void answers408WhenAnApiRequestHeadTricklesInPastTheHeadersTimeout() throws Exception {
        ChpCompatibleProxy chp = chp(timeouts().headersTimeout(SHORT).build());

        try (RawHttp client = new RawHttp(chp.apiPort())) {
            Thread writer = client.trickle("POST /api/routes/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                    + "X-Slow: " + "a".repeat(150));

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(408);
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            writer.join(10_000);
        }
        assertThat(chp.proxy().routes().toCompletableFuture().join()).doesNotContainKey("/slow");
    }

    @Test
    void answers408WhenAnApiRequestBodyTricklesInPastTheRequestTimeout() throws Exception {
        ChpCompatibleProxy chp = chp(timeouts().requestTimeout(Duration.ofMillis(500)).build());
        String body = "{\"target\":\"http://127.0.0.1:9\",\"pad\":\"" + "x".repeat(200) + "\"}";

        try (RawHttp client = new RawHttp(chp.apiPort())) {
            String request = post("/slow", body);
            int headEnd = request.indexOf("\r\n\r\n") + 4;
            client.send(request.substring(0, headEnd));
            Thread writer = client.trickle(request.substring(headEnd));

            RawHttp.Response res = client.read(false);

            assertThat(res.status()).isEqualTo(408);
            assertThat(res.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            writer.join(10_000);
        }
        assertThat(chp.proxy().routes().toCompletableFuture().join()).doesNotContainKey("/slow");
    }

    @Test
    void keepsAnApiConnectionAliveAcrossCallsEachTimedFromItsOwnStart() throws Exception {
        // a long keep-alive and shorter request limits: the calls together outlast the limits
        ChpCompatibleProxy chp = chp(timeouts().keepAliveTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(1)).build());

        try (RawHttp client = new RawHttp(chp.apiPort())) {
            client.send(post("/user/alice", "{\"target\":\"http://127.0.0.1:9\"}"));
            RawHttp.Response added = client.read(false);
            assertThat(added.status()).isEqualTo(201);
            assertThat(added.header("Connection")).isNotEqualTo("close");

            RawHttp.awaitOneHeadersTimeout(chp.apiPort()); // longer than the limits since the first call began

            RawHttp.Response listed = client.exchangeInTwoParts("GET", "/api/routes", AUTH);
            assertThat(listed.status()).isEqualTo(200);
            assertThat(listed.body()).contains("\"/user/alice\"");
            assertThat(client.exchange("DELETE", "/api/routes/user/alice", AUTH).status()).isEqualTo(204);
            assertThat(client.exchange("GET", "/api/routes/user/alice", AUTH).status()).isEqualTo(404);
        }
    }

    @Test
    void theMetricsAndRedirectListenersCloseSilentConnectionsToo() throws Exception {
        ChpCompatibleProxy chp = resources.track(ChpCompatibleProxy.builder()
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(0).tls(resource("tls/cert.pem"),
                        resource("tls/key.pem"), null))
                .apiIp("127.0.0.1").apiPort(0).metrics("127.0.0.1", 0).redirect(0, -1)
                .serviceTimeouts(timeouts().keepAliveTimeout(SHORT).build()).build().start());

        try (RawHttp metrics = new RawHttp(chp.metricsPort()); RawHttp redirect = new RawHttp(chp.redirectPort())) {
            assertThat(metrics.get("/metrics").status()).as("a normal call first").isEqualTo(200);
            RawHttp.Response moved = redirect.get("/hub/");
            assertThat(moved.status()).isEqualTo(301);
            assertThat(moved.header("Location")).isEqualTo("https://127.0.0.1:" + chp.proxy().port() + "/hub/");

            assertThat(metrics.closedByPeer()).as("metrics connection closed once idle").isTrue();
            assertThat(redirect.closedByPeer()).as("redirect connection closed once idle").isTrue();
        }
    }

    @Test
    void defaultsAreThoseOfConfigurableHttpProxysNode20Servers() throws Exception {
        assertThat(ListenerTimeouts.NODE_DEFAULTS.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ListenerTimeouts.NODE_DEFAULTS.headersTimeout()).contains(Duration.ofSeconds(60));
        assertThat(ListenerTimeouts.NODE_DEFAULTS.requestTimeout()).contains(Duration.ofSeconds(300));
        assertThat(ChpCompatibleProxy.builder().build().serviceTimeouts()).isEqualTo(ListenerTimeouts.NODE_DEFAULTS);

        ChpCompatibleProxy launched = resources.track(ChpApiTest.launch(java.util.Map.of(),
                "--keep-alive-timeout", "1000"));
        assertThat(launched.serviceTimeouts()).as("--keep-alive-timeout is the proxy's only, as in CHP")
                .isEqualTo(ListenerTimeouts.NODE_DEFAULTS);
        assertThat(launched.proxy().keepAliveTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void listenerTimeoutsFollowNodesRulesAndReportEveryProblem() {
        assertThat(timeouts().requestTimeout(Duration.ofSeconds(10)).build().headersTimeout())
                .as("follows a shorter requestTimeout").contains(Duration.ofSeconds(10));
        ListenerTimeouts derived = timeouts().requestTimeout(Duration.ofSeconds(10)).build();
        assertThat(derived.toBuilder().requestTimeout(Duration.ofSeconds(30)).build().headersTimeout())
                .as("still derived in a variant").contains(Duration.ofSeconds(30));
        ListenerTimeouts none = timeouts().headersTimeout(Duration.ZERO).requestTimeout(null).build();
        assertThat(none.headersTimeout()).isEmpty();
        assertThat(none.requestTimeout()).isEmpty();

        assertThatThrownBy(() -> timeouts().keepAliveTimeout(Duration.ZERO).headersTimeout(Duration.ofSeconds(-1))
                .requestTimeout(Duration.ofMillis(-5)).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).startsWith("keepAliveTimeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("headersTimeout: "))
                        .anySatisfy(p -> assertThat(p).startsWith("requestTimeout: ")));
        assertThatThrownBy(() -> ChpCompatibleProxy.builder().serviceTimeouts(null).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p).startsWith("serviceTimeouts: ")));
    }

    private static Path resource(String name) throws Exception {
        return Path.of(ServiceTimeoutsTest.class.getClassLoader().getResource(name).toURI());
    }
}
