package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --auto-rewrite} and {@code --protocol-rewrite} through the real proxy: configurable-http-proxy's
 * {@code proxy_spec.js} cases "Redirect location untouched without rewrite options" and "Redirect
 * location with rewriting", and http-proxy's rules around them (which statuses, which hosts).
 */
class LocationRewriteTest {
    private Backend backend;
    private NettyProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** A proxy with the options, routing /external/urlpath to a backend under /internal/urlpath/ that answers .../r/{status}?to={location}. */
    private void start(NettyProxy.Builder options) throws Exception {
        backend = Backend.start("redirecting").handle("/internal/urlpath/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            int status = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
            String to = URLDecoder.decode(exchange.getRequestURI().getRawQuery().substring("to=".length()),
                    StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Location", to);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        proxy = TestProxies.started(options, "/external/urlpath", backend.uri("/internal/urlpath/"));
    }

    private String backendHost() {
        return "127.0.0.1:" + backend.uri().getPort();
    }

    /** @return the status and Location the client gets for a redirect to {@code location} */
    private RawHttp.Response redirect(int status, String location) throws Exception {
        try (RawHttp client = new RawHttp(proxy.port())) {
            return client.get("/external/urlpath/r/" + status + "?to=" + URLEncoder.encode(location, StandardCharsets.UTF_8));
        }
    }

    @Test
    void redirectLocationIsUntouchedWithoutRewriteOptions() throws Exception {
        start(NettyProxy.builder());
        String redirectTo = "http://foo.com:12345/whatever";

        RawHttp.Response res = redirect(301, redirectTo);

        assertThat(res.status()).isEqualTo(301);
        assertThat(res.header("Location")).isEqualTo(redirectTo);
        // even one pointing at the target itself
        assertThat(redirect(302, "http://" + backendHost() + "/x").header("Location"))
                .isEqualTo("http://" + backendHost() + "/x");
    }

    @Test
    void redirectLocationIsRewrittenWithAutoRewriteAndProtocolRewrite() throws Exception {
        start(NettyProxy.builder().autoRewrite(true).protocolRewrite("https"));

        RawHttp.Response res = redirect(301, "https://" + backendHost() + "/whatever");

        assertThat(res.status()).isEqualTo(301);
        assertThat(res.header("Location")).isEqualTo("https://127.0.0.1:" + proxy.port() + "/whatever");
    }

    @Test
    void autoRewritePutsTheRequestsHostInPlaceOfTheTargetsKeepingPathQueryAndFragment() throws Exception {
        start(NettyProxy.builder().autoRewrite(true));

        assertThat(redirect(302, "http://" + backendHost() + "/a/b?c=d#e").header("Location"))
                .isEqualTo("http://127.0.0.1:" + proxy.port() + "/a/b?c=d#e");
        assertThat(redirect(302, "http://" + backendHost()).header("Location"))
                .as("an empty path is written as /, as Node's URL does")
                .isEqualTo("http://127.0.0.1:" + proxy.port() + "/");
    }

    @Test
    void autoRewriteLeavesOtherHostsAndRelativeLocationsAlone() throws Exception {
        start(NettyProxy.builder().autoRewrite(true).protocolRewrite("https"));
        int otherPort = backend.uri().getPort() == 1 ? 2 : backend.uri().getPort() - 1;

        for (String location : new String[] {"http://foo.com:12345/whatever", "http://127.0.0.1:" + otherPort + "/x",
                "http://localhost:" + backend.uri().getPort() + "/x", "/relative/path", "//" + backendHost() + "/x",
                "elsewhere?q=1"}) {
            assertThat(redirect(302, location).header("Location")).as(location).isEqualTo(location);
        }
    }

    @Test
    void protocolRewriteAloneChangesOnlyTheScheme() throws Exception {
        start(NettyProxy.builder().protocolRewrite("https"));

        assertThat(redirect(307, "http://" + backendHost() + "/x?y=1").header("Location"))
                .isEqualTo("https://" + backendHost() + "/x?y=1");
    }

    @ParameterizedTest
    @ValueSource(ints = {201, 301, 302, 307, 308})
    void redirectStatusesOfHttpProxyAreRewritten(int status) throws Exception {
        start(NettyProxy.builder().autoRewrite(true));

        RawHttp.Response res = redirect(status, "http://" + backendHost() + "/x");

        assertThat(res.status()).isEqualTo(status);
        assertThat(res.header("Location")).isEqualTo("http://127.0.0.1:" + proxy.port() + "/x");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 300, 303, 304, 305})
    void otherStatusesKeepTheirLocation(int status) throws Exception {
        start(NettyProxy.builder().autoRewrite(true).protocolRewrite("https"));
        String location = "http://" + backendHost() + "/x";

        RawHttp.Response res = redirect(status, location);

        assertThat(res.status()).isEqualTo(status);
        assertThat(res.header("Location")).isEqualTo(location);
    }

    @Test
    void protocolRewriteMustBeHttpOrHttps() {
        assertThatThrownBy(() -> NettyProxy.builder().protocolRewrite("ftp").build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("protocolRewrite: must be http or https (got 'ftp')"));
        assertThat(NettyProxy.builder().protocolRewrite("http").autoRewrite(true).build().toBuilder().build())
                .satisfies(p -> {
                    assertThat(p.protocolRewrite()).contains("http");
                    assertThat(p.autoRewrite()).isTrue();
                });
        assertThat(URI.create("http://x").getHost()).isEqualTo("x");
    }
}
