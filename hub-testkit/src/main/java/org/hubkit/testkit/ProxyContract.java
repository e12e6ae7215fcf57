package org.hubkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.Proxy;
import org.hubkit.api.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The behaviour the hub relies on from every {@link Proxy}, as configurable-http-proxy
 * behaves: a request goes to the route with the longest matching prefix on whole path
 * segments, with its path and query unchanged; route changes apply to the next request;
 * deleting a missing route succeeds; the table comes back keyed by normalised spec with each
 * route's data unchanged.
 *
 * <p><b>How to use it.</b> Extend it in your test sources, return a proxy that is configured
 * but not started, and say where it listens once started (this is Hubkit's own
 * {@code NettyProxyContractTest}, compiled and run in its build):
 * <pre>{@code
 * class NettyProxyContractTest extends ProxyContract {
 *     @Override
 *     protected Proxy createProxy() {
 *         return NettyProxy.builder().ip("127.0.0.1").port(0).build();
 *     }
 *
 *     @Override
 *     protected URI publicUrl(Proxy started) {
 *         return URI.create("http://127.0.0.1:" + ((NettyProxy) started).port());
 *     }
 * }
 * }</pre>
 * Per test the contract starts two echo back ends on {@code 127.0.0.1} (each answers
 * {@code "<name> <path>?<query>"}, e.g. {@code backend-a /user/alice/tree?x=1}), creates and
 * {@link Proxy#start() starts} the proxy, deletes any route it already holds (a client of an
 * external proxy may see an earlier table), and at the end deletes the routes it added and
 * {@link Proxy#close() closes} it. Requests use HTTP/1.1 keep-alive, as a browser does, so a
 * proxy must route each request, not each connection. All traffic stays on loopback as long
 * as {@link #publicUrl(Proxy)} does.
 *
 * <p>Run it with Surefire 3.x: Maven 3.8's default Surefire (2.12.4) finds no JUnit 5 test and
 * passes without running any; see the {@linkplain org.hubkit.testkit package description}.
 *
 * @since 0.1
 */
public abstract class ProxyContract {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyContract.class);

    private final HttpProbe http = new HttpProbe();
    private final Set<String> addedSpecs = new LinkedHashSet<>();
    private EchoBackend backendA;
    private EchoBackend backendB;
    private Proxy proxy;
    private String publicBase;

    /**
     * @return a new proxy, configured but not started; the contract starts and closes it
     */
    protected abstract Proxy createProxy();

    /**
     * @param started the proxy {@link #createProxy()} returned, after its {@code start()} completed
     * @return where it accepts requests, e.g. {@code http://127.0.0.1:43210}
     */
    protected abstract URI publicUrl(Proxy started);

    /**
     * @return how long to wait for each proxy call and each request; 30 seconds unless overridden
     */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    @BeforeEach
    final void startBackends() throws IOException {
        addedSpecs.clear();
        backendA = EchoBackend.start("backend-a");
        backendB = EchoBackend.start("backend-b");
    }

    @AfterEach
    final void closeProxyAndBackends() throws Exception {
        try {
            if (proxy != null) {
                try {
                    for (String spec : addedSpecs) {
                        Stages.await(proxy.deleteRoute(spec), timeout(), "deleteRoute(" + spec + ") after the test");
                    }
                } finally {
                    proxy.close();
                    proxy = null;
                }
            }
        } finally {
            backendA.close();
            backendB.close();
        }
    }

    @Test
    public void routedRequestReachesTargetWithPathAndQueryIntact() throws Exception {
        addRoute("/user/alice", backendA);

        assertAnswer(get("/user/alice/tree?x=1"), backendA, "/user/alice/tree?x=1");
    }

    @Test
    public void percentEncodedPathAndQueryReachTargetUnchanged() throws Exception {
        addRoute("/user/alice", backendA);

        String target = "/user/alice/files/a%20b.txt?name=x%2Fy&empty=&flag";
        assertAnswer(get(target), backendA, target);
    }

    @Test
    public void longestMatchingPrefixWins() throws Exception {
        addRoute("/", backendB);
        addRoute("/user/alice", backendA);

        assertAnswer(get("/user/alice/tree"), backendA, "/user/alice/tree");
        assertAnswer(get("/user/alice"), backendA, "/user/alice");
        assertAnswer(get("/user/bob/tree"), backendB, "/user/bob/tree");
        assertAnswer(get("/hub/home"), backendB, "/hub/home");
    }

    @Test
    public void prefixMatchesWholePathSegmentsOnly() throws Exception {
        addRoute("/", backendB);
        addRoute("/user/alice", backendA);

        assertAnswer(get("/user/alicex/tree"), backendB, "/user/alicex/tree");
        assertAnswer(get("/user/alicex"), backendB, "/user/alicex");
    }

    @Test
    public void addingRouteWithSameSpecReplacesIt() throws Exception {
        addRoute("/user/alice", backendA);
        assertAnswer(get("/user/alice/tree"), backendA, "/user/alice/tree");

        addRoute("/user/alice", backendB);

        assertAnswer(get("/user/alice/tree"), backendB, "/user/alice/tree");
        Map<String, Route> table = routes();
        assertThat(table).as("routing table after replacing /user/alice").containsOnlyKeys("/user/alice");
        assertThat(table.get("/user/alice").target()).as("target of the replaced route").isEqualTo(backendB.url());
    }

    @Test
    public void deletedRouteFallsBackToRootRoute() throws Exception {
        addRoute("/", backendB);
        addRoute("/user/alice", backendA);

        deleteRoute("/user/alice");

        assertAnswer(get("/user/alice/tree"), backendB, "/user/alice/tree");
        assertThat(routes()).as("routing table after deleting /user/alice").containsOnlyKeys("/");
    }

    @Test
    public void requestWithNoMatchingRouteGets404() throws Exception {
        addRoute("/user/alice", backendA);
        assertAnswer(get("/user/alice/tree"), backendA, "/user/alice/tree");

        deleteRoute("/user/alice");

        assertThat(get("/user/alice/tree").status()).as("status with no route for /user/alice/tree").isEqualTo(404);
        assertThat(get("/hub/home").status()).as("status with no route for /hub/home").isEqualTo(404);
    }

    @Test
    public void deletingMissingRouteSucceeds() throws Exception {
        deleteRoute("/user/nobody");
        addRoute("/user/alice", backendA);
        deleteRoute("/user/alice");

        deleteRoute("/user/alice");

        assertThat(routes()).as("routing table").isEmpty();
    }

    @Test
    public void routesListTableKeyedByNormalizedSpecWithDataUnchanged() throws Exception {
        Map<String, Object> hubData = Map.of("hub", true);
        Map<String, Object> userData = Map.of("user", "alice", "server_name", "",
                "options", Map.of("gpu", false, "image", "base-notebook", "labels", Map.of("team", "blue")));
        addRoute(Route.of("/", backendB.url(), hubData));
        addRoute(Route.of("/user/alice/", backendA.url(), userData));

        Map<String, Route> table = routes();

        assertThat(table).as("routing table").containsOnlyKeys("/", "/user/alice");
        assertRoute(table.get("/"), "/", backendB.url(), hubData);
        assertRoute(table.get("/user/alice"), "/user/alice", backendA.url(), userData);
    }

    @Test
    public void specWithAndWithoutTrailingSlashNameSameRoute() throws Exception {
        addRoute(Route.of("/user/alice/", backendA.url(), Map.of("user", "alice")));
        addRoute(Route.of("/user/alice", backendB.url(), Map.of("user", "alice")));

        assertThat(routes()).as("routing table after adding /user/alice/ then /user/alice").containsOnlyKeys("/user/alice");
        assertAnswer(get("/user/alice/tree"), backendB, "/user/alice/tree");

        deleteRoute("/user/alice/");

        assertThat(routes()).as("routing table after deleting /user/alice/").isEmpty();
        assertThat(get("/user/alice/tree").status()).as("status after deleting /user/alice/").isEqualTo(404);
    }

    /** @return the started proxy of this test, created, started and emptied on first use */
    private Proxy proxy() throws InterruptedException {
        if (proxy == null) {
            Proxy created = createProxy();
            assertThat(created).as("createProxy()").isNotNull();
            proxy = created;
            Stages.await(created.start(), timeout(), "start()");
            URI url = publicUrl(created);
            assertThat(url).as("publicUrl(proxy)").isNotNull();
            publicBase = url.toString().replaceAll("/+$", "");
            Map<String, Route> leftover = Stages.await(created.routes(), timeout(), "routes() after start()");
            for (String spec : leftover.keySet()) {
                LOG.info("Deleting route {} that the proxy had before the test", spec);
                Stages.await(created.deleteRoute(spec), timeout(), "deleteRoute(" + spec + ") before the test");
            }
        }
        return proxy;
    }

    private void addRoute(String spec, EchoBackend backend) throws InterruptedException {
        addRoute(Route.of(spec, backend.url(), Map.of()));
    }

    private void addRoute(Route route) throws InterruptedException {
        Proxy started = proxy();
        addedSpecs.add(route.routespec());
        Stages.await(started.addRoute(route), timeout(), "addRoute(" + route.routespec() + " -> " + route.target() + ")");
    }

    private void deleteRoute(String spec) throws InterruptedException {
        Stages.await(proxy().deleteRoute(spec), timeout(), "deleteRoute(" + spec + ")");
        addedSpecs.remove(Route.normalizeSpec(spec));
    }

    private Map<String, Route> routes() throws InterruptedException {
        Map<String, Route> table = Stages.await(proxy().routes(), timeout(), "routes()");
        assertThat(table).as("routes()").isNotNull();
        return table;
    }

    private HttpProbe.Answer get(String pathAndQuery) throws InterruptedException {
        URI uri = URI.create(publicProxyBase() + pathAndQuery);
        try {
            return http.get(uri, timeout());
        } catch (IOException e) {
            throw new AssertionError("GET " + uri + " through the proxy failed: " + e, e);
        }
    }

    private String publicProxyBase() throws InterruptedException {
        proxy();
        return publicBase;
    }

    private static void assertAnswer(HttpProbe.Answer answer, EchoBackend expected, String pathAndQuery) {
        assertThat(answer.status()).as("status of GET %s (body: %s)", pathAndQuery, answer.body()).isEqualTo(200);
        assertThat(answer.body()).as("which back end GET %s reached, and with what path", pathAndQuery)
                .isEqualTo(expected.answerTo(pathAndQuery));
    }

    private static void assertRoute(Route route, String spec, URI target, Map<String, Object> data) {
        assertThat(route.routespec()).as("routespec of the route listed under %s", spec).isEqualTo(spec);
        assertThat(route.target()).as("target of %s", spec).isEqualTo(target);
        assertThat(route.data()).as("data of %s", spec).isEqualTo(data);
    }
}
