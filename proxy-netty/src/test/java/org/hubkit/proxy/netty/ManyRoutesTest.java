package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten thousand routes added through configurable-http-proxy's REST API, as a large hub has,
 * then requests routed among them. That lookups cost the same with 10 routes as with 10,000 is
 * shown without a clock in {@code RouteTableTest} (map probes per lookup).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManyRoutesTest {
    private static final String TOKEN = "many-routes-token";
    private static final int ROUTES = 10_000;
    private static final int CONNECTIONS = 4;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Backend> servers = new ArrayList<>();
    private Backend hub;
    private ChpCompatibleProxy chp;

    @BeforeEach
    void start() throws Exception {
        hub = Backend.start("hub");
        for (int i = 0; i < 3; i++) {
            servers.add(Backend.start("server" + i));
        }
        chp = ChpApiTest.launch(Map.of("CONFIGPROXY_AUTH_TOKEN", TOKEN), "--default-target", hub.uri().toString());
    }

    @AfterEach
    void stop() {
        chp.close();
        servers.forEach(Backend::close);
        hub.close();
    }

    private HttpRequest.Builder api(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chp.apiPort() + "/api/routes" + path))
                .header("Authorization", "token " + TOKEN).timeout(Duration.ofSeconds(30));
    }

    private String proxied(String path) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + chp.proxy().port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(path).isEqualTo(200);
        return res.body();
    }

    /**
     * Adds the routes of users {@code from} to {@code to - 1} over one API connection, pipelined
     * (the requests are written while the answers are read): cheap for the test's own CPU.
     *
     * @return how many were answered 201
     */
    private long postPipelined(ExecutorService threads, int from, int to) throws Exception {
        try (RawHttp api = new RawHttp(chp.apiPort())) {
            Future<?> writing = threads.submit(() -> {
                OutputStream out = new BufferedOutputStream(api.socket.getOutputStream(), 64 * 1024);
                for (int u = from; u < to; u++) {
                    byte[] body = ("{\"target\":\"" + serverOf(u).uri() + "\",\"user\":\"u" + u + "\",\"jupyterhub\":true}")
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(("POST /api/routes/user/u" + u + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token "
                            + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                }
                out.flush();
                return null;
            });
            long ok = 0;
            for (int u = from; u < to; u++) {
                if (api.read(false).status() == 201) {
                    ok++;
                }
            }
            writing.get(10, TimeUnit.SECONDS);
            return ok;
        }
    }

    private Backend serverOf(int user) {
        return servers.get(user % servers.size());
    }

    @Test
    void routesRequestsAmongTenThousandRoutesAddedThroughTheApi() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2 * CONNECTIONS);
        try {
            List<Future<Long>> created = new ArrayList<>();
            int each = ROUTES / CONNECTIONS;
            for (int c = 0; c < CONNECTIONS; c++) {
                int from = c * each;
                created.add(threads.submit(() -> postPipelined(threads, from, from + each)));
            }
            for (Future<Long> f : created) {
                assertThat(f.get(60, TimeUnit.SECONDS)).as("201 Created").isEqualTo(each);
            }
        } finally {
            threads.shutdownNow();
        }

        JsonNode table = new ObjectMapper().readTree(http.send(api("").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(table.size()).as("10,000 routes and the default").isEqualTo(ROUTES + 1);
        assertThat(table.get("/user/u1234").get("user").asText()).isEqualTo("u1234");

        for (int u : new int[] {0, 1, 2, 4999, 7777, ROUTES - 1}) {
            String path = "/user/u" + u + "/api/kernels?x=" + u;
            assertThat(proxied(path)).isEqualTo(serverOf(u).name + " " + path);
        }
        assertThat(proxied("/user/u" + ROUTES + "/tree")).as("no such route: the default target")
                .isEqualTo("hub /user/u" + ROUTES + "/tree");
        assertThat(proxied("/user/u12/../u13/lab")).as("dot segments resolved before routing")
                .startsWith(serverOf(13).name + " ");

        assertThat(http.send(api("/user/u4999").DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(204);
        assertThat(proxied("/user/u4999/tree")).as("deleted: back to the default").isEqualTo("hub /user/u4999/tree");
        assertThat(proxied("/user/u4998/tree")).isEqualTo(serverOf(4998).name + " /user/u4998/tree");
    }
}
