package org.hubkit.proxy.netty.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * configurable-http-proxy's metrics in a Micrometer Prometheus registry, with the JVM's own
 * (as CHP adds Node's defaults), and the handler that serves them at {@code /metrics}. Counters
 * keep CHP's names; Prometheus naming adds {@code _total}, and the two summaries are timers
 * ({@code find_target_for_req_seconds}, {@code last_activity_updating_seconds}). Thread-safe.
 *
 * <p>Only loaded when metrics are asked for: Micrometer is an optional dependency.
 */
@ChannelHandler.Sharable
public final class PrometheusMetrics extends SimpleChannelInboundHandler<FullHttpRequest> implements ProxyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter apiRouteGet = counter("api_route_get", "Count of API route get requests");
    private final Counter apiRouteAdd = counter("api_route_add", "Count of API route add requests");
    private final Counter apiRouteDelete = counter("api_route_delete", "Count of API route delete requests");
    private final Counter requestsWs = counter("requests_ws", "Count of websocket requests");
    private final Counter requestsWeb = counter("requests_web", "Count of web requests");
    private final Timer findTarget = Timer.builder("find_target_for_req")
            .description("Summary of find target requests").register(registry);
    private final Timer lastActivity = Timer.builder("last_activity_updating")
            .description("Summary of last activity updating requests").register(registry);
    private final ConcurrentMap<Integer, Counter> proxyByStatus = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Counter> apiByStatus = new ConcurrentHashMap<>();

    /** Creates the registry with the proxy's meters and the JVM's. */
    public PrometheusMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        @SuppressWarnings("resource")
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder(name).description(help).register(registry);
    }

    private Counter byStatus(ConcurrentMap<Integer, Counter> map, String name, String help, int status) {
        return map.computeIfAbsent(status, s -> Counter.builder(name).description(help)
                .tag("status", String.valueOf(s)).register(registry));
    }

    /** @return the metrics in Prometheus text format */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void requestWeb() {
        requestsWeb.increment();
    }

    @Override
    public void requestWs() {
        requestsWs.increment();
    }

    @Override
    public void requestProxy(int status) {
        byStatus(proxyByStatus, "requests_proxy", "Count of proxy requests", status).increment();
    }

    @Override
    public void requestApi(int status) {
        byStatus(apiByStatus, "requests_api", "Count of API requests", status).increment();
    }

    @Override
    public void apiRouteGet() {
        apiRouteGet.increment();
    }

    @Override
    public void apiRouteAdd() {
        apiRouteAdd.increment();
    }

    @Override
    public void apiRouteDelete() {
        apiRouteDelete.increment();
    }

    @Override
    public void findTarget(long nanos) {
        findTarget.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void lastActivityUpdate(long nanos) {
        lastActivity.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (ChpApiServer.logUrl(req.uri()).equals("/metrics")) {
            ServiceListener.respond(ctx, req, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", scrape());
        } else {
            ServiceListener.respond(ctx, req, HttpResponseStatus.NOT_FOUND, null, "Not Found");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
