package org.hubkit.proxy.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestTargetTest {
    @Test
    void decodesThePathForRoutingButKeepsTheOriginalForForwarding() {
        RequestTarget t = RequestTarget.parse("/user/a%40b/caf%C3%A9+x?q=%40");

        assertThat(t.routingPath()).isEqualTo("/user/a@b/café+x");
        assertThat(t.rawPath()).isEqualTo("/user/a%40b/caf%C3%A9+x");
        assertThat(t.originForm()).isEqualTo("/user/a%40b/caf%C3%A9+x?q=%40");
    }

    @Test
    void resolvesDotSegmentsForRouting() {
        assertThat(RequestTarget.parse("/user/alice/../bob/").routingPath()).isEqualTo("/user/bob/");
        assertThat(RequestTarget.parse("/user/./alice/%2e%2E/x").routingPath()).isEqualTo("/user/x");
        assertThat(RequestTarget.parse("/../..").routingPath()).isEqualTo("/");
        assertThat(RequestTarget.parse("/a/..").routingPath()).isEqualTo("/");
        assertThat(RequestTarget.parse("/a/b/.").routingPath()).isEqualTo("/a/b/");
        assertThat(RequestTarget.parse("/a.b/c..d").routingPath()).isEqualTo("/a.b/c..d");
    }

    @Test
    void acceptsTheAbsoluteForm() {
        assertThat(RequestTarget.parse("http://hub.example.org:8000/user/x?y=1").originForm()).isEqualTo("/user/x?y=1");
        assertThat(RequestTarget.parse("HTTP://hub.example.org").originForm()).isEqualTo("/");
        assertThat(RequestTarget.parse("http://hub.example.org?a").originForm()).isEqualTo("/?a");
    }

    @Test
    void rejectsWhatIsNotAPathOrHasBadEscapes() {
        assertThat(RequestTarget.parse("*")).isNull();
        assertThat(RequestTarget.parse("hub.example.org:443")).isNull();
        assertThat(RequestTarget.parse("/a%zz")).isNull();
        assertThat(RequestTarget.parse("/a%4")).isNull();
        assertThat(RequestTarget.parse("/a%C3%28")).isNull();
    }
}
