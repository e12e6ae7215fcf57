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

    @Test
    void lookupCostDependsOnThePathNotOnTheNumberOfRoutes() {
        RouteTable small = withUsers(10);
        RouteTable large = withUsers(10_000);
        String[] paths = {"/user/u7/tree/notebooks/x.ipynb", "/user/u7/lab", "/user/u3/", "/hub/home", "/user/nobody/x", "/"};

        for (String path : paths) {
            int[] smallProbes = {0};
            int[] largeProbes = {0};
            RouteEntry inSmall = small.find(path, smallProbes);
            RouteEntry inLarge = large.find(path, largeProbes);

            assertThat(inLarge.spec()).as(path).isEqualTo(inSmall.spec());
            assertThat(largeProbes[0]).as("map probes for %s", path).isEqualTo(smallProbes[0])
                    .isLessThanOrEqualTo(path.split("/").length);
        }
        int[] probes = {0};
        assertThat(large.find("/user/u9999/api/kernels", probes).spec()).isEqualTo("/user/u9999");
        assertThat(probes[0]).as("user, u9999, api: three probes among 10,000 routes").isEqualTo(3);
    }

    /** @return a table with {@code /}, {@code /hub} and {@code /user/u0} to {@code /user/u<n-1>} */
    private static RouteTable withUsers(int n) {
        RouteTable t = new RouteTable();
        t.put(Route.of("/", URI.create("http://127.0.0.1:8081"), Map.of()));
        t.put(Route.of("/hub", URI.create("http://127.0.0.1:8081"), Map.of()));
        for (int i = 0; i < n; i++) {
            t.put(Route.of("/user/u" + i, URI.create("http://127.0.0.1:" + (20000 + i % 1000)), Map.of()));
        }
        return t;
    }
}
