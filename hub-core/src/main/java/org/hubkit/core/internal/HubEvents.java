package org.hubkit.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.hubkit.api.HubListener;
import org.hubkit.api.PollResult;
import org.hubkit.api.ServerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hub's listeners as one: each event goes to every listener; what one throws is logged and ignored. */
public final class HubEvents implements HubListener {
    private static final Logger LOG = LoggerFactory.getLogger(HubEvents.class);
    private final List<HubListener> listeners;

    public HubEvents(List<HubListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    private void each(String event, Consumer<HubListener> call) {
        for (HubListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("Listener {} failed on {}: {}", l.getClass().getName(), event, LogSafe.value(e.toString(), 300));
            }
        }
    }

    @Override
    public void loggedIn(String user) {
        each("loggedIn", l -> l.loggedIn(user));
    }

    @Override
    public void loginRefused(String username) {
        each("loginRefused", l -> l.loginRefused(username));
    }

    @Override
    public void spawnStarted(ServerId server) {
        each("spawnStarted", l -> l.spawnStarted(server));
    }

    @Override
    public void spawnSucceeded(ServerId server, Duration took) {
        each("spawnSucceeded", l -> l.spawnSucceeded(server, took));
    }

    @Override
    public void spawnFailed(ServerId server, Duration took, String reason) {
        each("spawnFailed", l -> l.spawnFailed(server, took, reason));
    }

    @Override
    public void serverStopped(ServerId server, String reason) {
        each("serverStopped", l -> l.serverStopped(server, reason));
    }

    @Override
    public void serverDied(ServerId server, PollResult poll) {
        each("serverDied", l -> l.serverDied(server, poll));
    }

    @Override
    public void apiRequest(String method, String path, int status, Duration took) {
        each("apiRequest", l -> l.apiRequest(method, path, status, took));
    }
}
