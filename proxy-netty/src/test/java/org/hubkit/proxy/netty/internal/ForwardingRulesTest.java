package org.hubkit.proxy.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small rules behind configurable-http-proxy's options, checked one by one. */
class ForwardingRulesTest {
    private static RouteEntry route(String spec, String target) {
        return RouteEntry.fromChp(spec, Map.of("target", target), 0);
    }

    private static String upstream(String requestUri, RouteEntry route, boolean prependPath, boolean includePrefix,
            boolean hostRouting) {
        ProxySettings.Forwarding fwd = new ProxySettings.Forwarding(hostRouting, prependPath, includePrefix, true, false,
                Map.of());
        return HeaderRewriter.upstreamUri(RequestTarget.parse(requestUri), route, fwd);
    }

    @Test
    void joinsTargetAndRequestPathsAsHttpProxyDoes() {
        assertThat(HeaderRewriter.urlJoin("/foo", "/bar/it")).isEqualTo("/foo/bar/it");
        assertThat(HeaderRewriter.urlJoin("/foo/", "/bar")).isEqualTo("/foo/bar");
        assertThat(HeaderRewriter.urlJoin("", "/bar")).isEqualTo("/bar");
        assertThat(HeaderRewriter.urlJoin("/foo", "?q=1")).isEqualTo("/foo?q=1");
        assertThat(HeaderRewriter.urlJoin("/foo?a=1", "/bar?b=2")).isEqualTo("/foo/bar?a=1&b=2");
        assertThat(HeaderRewriter.urlJoin("", "")).isEqualTo("/");
    }

    @Test
    void appliesPrependPathAndIncludePrefix() {
        RouteEntry bar = route("/bar", "http://127.0.0.1:1/foo");

        assertThat(upstream("/bar/rest/of/it", bar, true, true, false)).isEqualTo("/foo/bar/rest/of/it");
        assertThat(upstream("/bar/rest/of/it", bar, false, true, false)).isEqualTo("/bar/rest/of/it");
        assertThat(upstream("/bar/rest/of/it", bar, true, false, false)).isEqualTo("/foo/rest/of/it");
        assertThat(upstream("/bar/rest/of/it", bar, false, false, false)).isEqualTo("/rest/of/it");
        assertThat(upstream("/bar?x=1", bar, true, false, false)).isEqualTo("/foo?x=1");
        assertThat(upstream("/b%40r/x", route("/b@r", "http://h/t"), true, false, false)).isEqualTo("/t/x");
        assertThat(upstream("/x/y", route("/", "http://h"), true, false, false)).isEqualTo("/x/y");
        assertThat(upstream("/y", route("/host.example.org", "http://h/t"), true, false, true)).isEqualTo("/t/y");
    }

    @Test
    void keepsTargetsItCannotForwardToAsGiven() {
        RouteEntry ftp = route("/s", "ftp://127.0.0.1:54321");
        RouteEntry garbage = route("/g", "not a uri");

        assertThat(ftp.unusable()).contains("https://");
        assertThat(ftp.toChpJson()).containsEntry("target", "ftp://127.0.0.1:54321");
        assertThat(garbage.unusable()).isNotNull();
        assertThat(garbage.toRoute()).isNull();
        assertThat(route("/ok", "http://user@h:81/p?q").authority()).isEqualTo("h:81");
    }

    @Test
    void formatsLastActivityAsJavaScriptDoes() {
        RouteEntry entry = RouteEntry.fromChp("/", Map.of("target", "http://h"), Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());

        assertThat(entry.toChpJson()).containsEntry("last_activity", "2024-05-01T12:00:00.000Z");
    }

    @Test
    void parsesTheDatesJavaScriptParses() {
        assertThat(ChpApiServer.parseDate("2024-05-01T12:00:00.123Z")).isEqualTo(Instant.parse("2024-05-01T12:00:00.123Z"));
        assertThat(ChpApiServer.parseDate("2024-05-01T14:00:00+02:00")).isEqualTo(Instant.parse("2024-05-01T12:00:00Z"));
        assertThat(ChpApiServer.parseDate("2024-05-01")).isEqualTo(Instant.parse("2024-05-01T00:00:00Z"));
        assertThat(ChpApiServer.parseDate("Wed, 1 May 2024 12:00:00 GMT")).isEqualTo(Instant.parse("2024-05-01T12:00:00Z"));
        assertThat(ChpApiServer.parseDate("endoftheuniverse")).isNull();
    }

    @Test
    void buildsTheErrorTargetUrlWithTheFormEscapedOriginalUrl() {
        assertThat(ErrorResponder.errorUrl(URI.create("http://hub:8081/hub/error"), 404, "/user/a b?x=1&y=/"))
                .isEqualTo("/hub/error/404?url=%2Fuser%2Fa+b%3Fx%3D1%26y%3D%2F");
        assertThat(ErrorResponder.errorUrl(URI.create("http://hub:8081"), 503, "/")).isEqualTo("/503?url=%2F");
    }

    @Test
    void findsTheHostWithoutItsPort() {
        assertThat(HeaderRewriter.hostWithoutPort("a.example.org:8000")).isEqualTo("a.example.org");
        assertThat(HeaderRewriter.hostWithoutPort("[::1]:8000")).isEqualTo("[::1]");
        assertThat(HeaderRewriter.hostWithoutPort("[::1]")).isEqualTo("[::1]");
        assertThat(HeaderRewriter.hostWithoutPort(null)).isEmpty();
    }
}
