package org.hubkit.core.internal;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnerState;

/**
 * One server's lifecycle state. Guarded by its own monitor; progress listeners wait on it.
 */
public final class ServerState {
    public enum Pending { SPAWN, STOP, CHECK }

    final ServerId id;
    // All fields below are guarded by "this".
    boolean ready;
    Pending pending;
    URI url;
    SpawnerState spawnerState = SpawnerState.EMPTY;
    Map<String, Object> userOptions = Map.of();
    Instant started;
    Instant lastActivity;
    long apiTokenId = -1;
    final List<ProgressEvent> events = new ArrayList<>();
    int spawnGeneration;

    ServerState(ServerId id) {
        this.id = id;
    }

    public synchronized boolean ready() {
        return ready;
    }

    public synchronized Pending pending() {
        return pending;
    }

    public synchronized boolean active() {
        return ready || pending != null;
    }

    synchronized void addEvent(ProgressEvent e) {
        events.add(e);
        notifyAll();
    }

    /** Events of the current spawn from index {@code from}, waiting up to {@code waitMillis} for one. */
    public synchronized List<ProgressEvent> eventsFrom(int from, int generation, long waitMillis) throws InterruptedException {
        if (generation == spawnGeneration && events.size() <= from && waitMillis > 0) {
            wait(waitMillis);
        }
        if (generation != spawnGeneration) {
            return List.of();
        }
        return from < events.size() ? List.copyOf(events.subList(from, events.size())) : List.of();
    }

    public synchronized int generation() {
        return spawnGeneration;
    }

    public synchronized ProgressEvent lastEvent() {
        return events.isEmpty() ? null : events.get(events.size() - 1);
    }

    Store.ServerRow row(boolean running) {
        synchronized (this) {
            return new Store.ServerRow(id.user(), id.serverName(), running, url == null ? null : url.toString(),
                    spawnerState.values(), userOptions, started, lastActivity);
        }
    }
}
