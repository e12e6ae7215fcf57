package org.hubkit.core.internal;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hubkit.api.HubListener;

/**
 * Tells the hub's listeners of every API request once its answer is complete, with its status
 * and duration, asynchronous answers (a spawn waited for, a progress stream) included. The path
 * is reported without its query string.
 */
public final class ApiRequestEvents implements Filter {
    private final HubListener events;

    public ApiRequestEvents(HubListener events) {
        this.events = events;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        long began = System.nanoTime();
        AtomicBoolean reported = new AtomicBoolean();
        Runnable report = () -> {
            if (reported.compareAndSet(false, true)) {
                events.apiRequest(req.getMethod(), req.getRequestURI(), resp.getStatus(), Duration.ofNanos(System.nanoTime() - began));
            }
        };
        try {
            chain.doFilter(request, response);
        } finally {
            if (req.isAsyncStarted()) {
                req.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        report.run();
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        report.run();
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        // The servlet went asynchronous again in the dispatch (a spawn waited for): follow it.
                        event.getAsyncContext().addListener(this);
                    }
                });
            } else {
                report.run();
            }
        }
    }
}
