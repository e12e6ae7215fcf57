package org.hubkit.core.internal;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hubkit.api.ProgressEvent;
import org.hubkit.api.ServerId;
import org.hubkit.api.SpawnerState;

/**
 * One server's lifecycle state.
 *
 * <p><b>Locking.</b> Every mutable field is guarded by this object's monitor. The monitor is a
 * leaf lock: code holding it never takes another {@code ServerState}'s monitor, never calls the
 * spawner, the proxy or the store, and never notifies listeners (they are called after the monitor
 * is released). Hub-wide counts (active servers) are atomics that this class keeps in step with
 * {@link #active()} on every transition, so nobody has to walk other servers under a lock.
 */
public final class ServerState {
    public enum Pending { SPAWN, STOP, CHECK }

    final ServerId id;
    private final AtomicInteger activeCount;
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
    /** The spawn in progress, if any: lets a stop request cancel it. */
    SpawnAttempt attempt;
    /** The stop in progress, if any. */
    java.util.concurrent.CompletableFuture<Void> stopping;
    /** Set while a restore check is scheduled or running (pending CHECK); completes when it ends. */
    java.util.concurrent.CompletableFuture<Void> check;
    /** A spawn whose start has not returned after its cleanup wait: no new spawn until it has, and was stopped. */
    SpawnAttempt lingering;
    /** Set while a stopped named server's record is being deleted: no spawn may begin. */
    java.util.concurrent.CompletableFuture<Void> removing;
    private final List<Consumer<ProgressEvent>> listeners = new ArrayList<>();

    ServerState(ServerId id, AtomicInteger activeCount) {
        this.id = id;
        this.activeCount = activeCount;
    }

    public ServerId id() {
        return id;
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

    /**
     * Moves to a new lifecycle state and keeps the hub's active count in step. The caller holds
     * this monitor.
     */
    void transition(boolean newReady, Pending newPending) {
        assert Thread.holdsLock(this);
        boolean was = ready || pending != null;
        boolean now = newReady || newPending != null;
        ready = newReady;
        pending = newPending;
        if (was && !now) {
            activeCount.decrementAndGet();
        } else if (!was && now) {
            activeCount.incrementAndGet();
        }
    }

    /**
     * From inactive to pending spawn, reserving a place under the active server limit. The caller
     * holds this monitor and has checked that the server is inactive.
     *
     * @return false (and no change) when {@code limit > 0} servers are active already
     */
    boolean reserveSpawn(int limit) {
        assert Thread.holdsLock(this) && !ready && pending == null;
        while (true) {
            int n = activeCount.get();
            if (limit > 0 && n >= limit) {
                return false;
            }
            if (activeCount.compareAndSet(n, n + 1)) {
                pending = Pending.SPAWN;
                return true;
            }
        }
    }

    /** Appends an event and tells the listeners, after releasing the monitor. */
    void addEvent(ProgressEvent e) {
        List<Consumer<ProgressEvent>> tell;
        synchronized (this) {
            tell = appendEvent(e);
        }
        tell(tell, e);
    }

    /**
     * Appends an event while the caller holds this monitor, so that it lands in the same spawn's
     * list as the transition made under the same lock (a final event must never reach the next
     * spawn's listeners).
     *
     * @return the listeners to {@link #tell} once the monitor is released
     */
    List<Consumer<ProgressEvent>> appendEvent(ProgressEvent e) {
        assert Thread.holdsLock(this);
        events.add(e);
        return List.copyOf(listeners);
    }

    static void tell(List<Consumer<ProgressEvent>> listeners, ProgressEvent e) {
        for (Consumer<ProgressEvent> l : listeners) {
            l.accept(e);
        }
    }

    /** Starts a new spawn's event list; listeners of the previous one are dropped. The caller holds this monitor. */
    void newGeneration() {
        assert Thread.holdsLock(this);
        spawnGeneration++;
        events.clear();
        listeners.clear();
    }

    /**
     * Subscribes to the current spawn's events: the events so far are returned, later ones go to
     * {@code listener} (on the thread that adds them; it must not block).
     *
     * @return the events already there, or {@code null} if {@code generation} is no longer current
     */
    public synchronized List<ProgressEvent> subscribe(int generation, Consumer<ProgressEvent> listener) {
        if (generation != spawnGeneration) {
            return null;
        }
        listeners.add(listener);
        return List.copyOf(events);
    }

    public synchronized void unsubscribe(Consumer<ProgressEvent> listener) {
        listeners.remove(listener);
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
