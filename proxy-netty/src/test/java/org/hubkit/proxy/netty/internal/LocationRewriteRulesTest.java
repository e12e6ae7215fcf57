package org.hubkit.proxy.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a matching {@code Location} is put back together: as Node's {@code URL} writes it out. */
class LocationRewriteRulesTest {
    private static final ProxySettings.LocationRewrite AUTO = new ProxySettings.LocationRewrite(true, null);
    private static final ProxySettings.LocationRewrite HTTPS = new ProxySettings.LocationRewrite(false, "https");
    private static final ProxySettings.LocationRewrite BOTH = new ProxySettings.LocationRewrite(true, "https");

    @Test
    void aDefaultPortIsDroppedAfterTheSchemeChanges() {
        assertThat(HeaderRewriter.rewriteLocation("http://hub:443/x", "hub:443", "proxy", HTTPS))
                .isEqualTo("https://hub/x");
        assertThat(HeaderRewriter.rewriteLocation("http://hub/x", "hub", "example.org:443", BOTH))
                .isEqualTo("https://example.org/x");
    }

    @Test
    void theTargetsDefaultPortMatchesALocationWithoutOne() {
        assertThat(HeaderRewriter.rewriteLocation("http://HUB:80/x", "hub", "proxy.example:8000", AUTO))
                .isEqualTo("http://proxy.example:8000/x");
    }

    @Test
    void withoutAHostHeaderAutoRewriteKeepsTheHost() {
        assertThat(HeaderRewriter.rewriteLocation("http://hub:8081/x", "hub:8081", null, BOTH))
                .isEqualTo("https://hub:8081/x");
    }

    @Test
    void anUnparseableLocationIsLeftAlone() {
        assertThat(HeaderRewriter.rewriteLocation("http://hub:8081/a b", "hub:8081", "proxy", AUTO)).isNull();
    }

    @Test
    void aUnixSocketTargetsHostIsItsEncodedPath() throws Exception {
        assertThat(RouteEntry.urlHost(new java.net.URI("http+unix://%2Ftmp%2Fhub.sock/x"))).isEqualTo("%2Ftmp%2Fhub.sock");
        assertThat(RouteEntry.unixSocketOf(new java.net.URI("unix+http://%2Ftmp%2Fhub.sock/x")))
                .isEqualTo(java.nio.file.Path.of("/tmp/hub.sock"));
        assertThat(RouteEntry.checkTarget(new java.net.URI("http+unix://%2Ftmp%2Fhub.sock"))).isNull();
        assertThat(RouteEntry.checkTarget(new java.net.URI("unix+https://%2Ftmp%2Fhub.sock"))).isNotNull();
    }
}
