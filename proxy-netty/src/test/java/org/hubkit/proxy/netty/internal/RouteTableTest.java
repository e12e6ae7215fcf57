package org.hubkit.proxy.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.hubkit.api.Route;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private final RouteTable table = new RouteTable();

    private void put(String spec) {
        table.put(Route.of(spec, URI.create("http://127.0.0.1:1" + spec.length()), Map.of()));
    }

    private String find(String path) {
        RouteEntry e = table.find(path);
        return e == null ? null : e.spec();
    }

    @Test
    void findsTheLongestPrefixOnWholeSegments() {
        put("/");
        put("/user/alice");
        put("/user/alice/lab");
        put("/services/announce");

        assertThat(find("/user/alice/tree/x")).isEqualTo("/user/alice");
        assertThat(find("/user/alice/lab/y")).isEqualTo("/user/alice/lab");
        assertThat(find("/user/alice/")).isEqualTo("/user/alice");
        assertThat(find("/user/alicex")).isEqualTo("/");
        assertThat(find("/services")).isEqualTo("/");
        assertThat(find("/")).isEqualTo("/");
    }

    @Test
    void findsNothingWithoutARootRoute() {
        put("/user/alice");

        assertThat(find("/user/bob")).isNull();
        assertThat(find("/")).isNull();
        assertThat(find("/user/alice/x")).isEqualTo("/user/alice");
    }

    @Test
    void fallsBackToTheParentAfterRemoval() {
        put("/");
        put("/user");
        put("/user/alice");

        assertThat(table.remove("/user/alice")).isTrue();
        assertThat(table.remove("/user/alice")).isFalse();
        assertThat(find("/user/alice/tree")).isEqualTo("/user");
        assertThat(table.remove("/user")).isTrue();
        assertThat(find("/user/alice/tree")).isEqualTo("/");
        assertThat(table.snapshot()).containsOnlyKeys("/");
    }

    @Test
    void keepsChildrenWhenAnInnerRouteIsRemoved() {
        put("/a");
        put("/a/b/c");

        table.remove("/a");

        assertThat(find("/a/b/c/d")).isEqualTo("/a/b/c");
        assertThat(find("/a/b")).isNull();
    }

    @Test
    void replacesARouteWithTheSameSpec() {
        table.put(Route.of("/x", URI.create("http://127.0.0.1:1"), Map.of("n", 1)));
        table.put(Route.of("/x", URI.create("http://127.0.0.1:2"), Map.of("n", 2)));

        assertThat(table.snapshot()).hasSize(1);
        assertThat(table.find("/x").port()).isEqualTo(2);
        assertThat(table.snapshot().get("/x").data()).isEqualTo(Map.of("n", 2));
    }
}
