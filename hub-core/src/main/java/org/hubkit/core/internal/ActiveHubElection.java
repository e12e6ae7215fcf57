package org.hubkit.core.internal;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.HubException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this hub is the active one on its database, with an {@link ActiveHubLock}:
 * the hub that holds the lock is active, every other one stands by, tries again every
 * {@code interval}, and takes over when the lock comes free (its holder died or stopped). The
 * active hub checks the lock as often, so that it stops acting as active if another hub took it
 * (say after its connection to the database dropped for longer than the server kept its session).
 * It logs which role this hub has and, while standing by, which hub is active.
 *
 * <p>Threads: {@link #tryAcquire()} runs on the caller's (the hub's start); every later attempt and
 * check, and the callbacks given to {@link #run}, on the election's one daemon thread
 * ({@code hubkit-active-hub}), one at a time. {@link #close()} may be called from any thread.
 */
public final class ActiveHubElection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveHubElection.class);

    private final ActiveHubLock lock;
    private final Duration interval;
    private final URI hubUrl;
    private final ScheduledThreadPoolExecutor thread;
    private volatile ActiveHubLock.Holder me;
    private volatile boolean closed;
    // Only on the election's thread:
    private String lastStandbyReport;
    private boolean unreachable;

    /**
     * @param lock the database's lock; closed with the election
     * @param interval how often a standby tries to take the lock, and the active hub checks it
     * @param hubUrl the hub's own API URL, for what it announces
     */
    public ActiveHubElection(ActiveHubLock lock, Duration interval, URI hubUrl) {
        this.lock = Objects.requireNonNull(lock, "lock");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.hubUrl = hubUrl;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hubkit-active-hub");
            t.setDaemon(true);
            return t;
        });
        // Closing cancels the next attempt but never interrupts one (or a takeover) under way.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * The first attempt, when the hub starts: logs "active", or "standby" naming the active hub.
     *
     * @return whether this hub is the active one
     * @throws HubException if the database cannot be reached or opened
     */
    public boolean tryAcquire() {
        if (lock.tryAcquire()) {
            me = ActiveHubLock.Holder.thisProcess(hubUrl);
            LOG.info("Hub is active: it holds the active-hub lock on {} ({})", lock.describe(), me);
            return true;
        }
        reportStandby();
        return false;
    }

    /**
     * Runs the election on its thread: while standing by, one attempt every interval and
     * {@code onActive} once the lock is taken; then (and at once if {@link #tryAcquire()} took it)
     * a check every interval, and {@code onLost} once if another hub holds the lock.
     *
     * @param onActive takes over as the active hub; runs on the election's thread, which checks
     *        nothing until it returns
     * @param onLost stops the hub; runs on the election's thread, and should hand the work to
     *        another thread (closing the hub closes this election)
     */
    public void run(Runnable onActive, Runnable onLost) {
        long every = interval.toMillis();
        Runnable step = new Runnable() {
            @Override
            public void run() {
                if (closed) {
                    return;
                }
                boolean again = me == null ? standbyStep(onActive) : activeStep(onLost);
                if (again && !closed) {
                    schedule(this, every);
                }
            }
        };
        schedule(step, every);
    }

    private void schedule(Runnable step, long delayMillis) {
        try {
            thread.schedule(step, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** @return whether to go on */
    private boolean standbyStep(Runnable onActive) {
        boolean acquired;
        try {
            acquired = lock.tryAcquire();
        } catch (HubException e) {
            if (!unreachable) {
                unreachable = true;
                LOG.warn("Hub is standby and cannot reach the database: {}; trying again every {}",
                        LogSafe.value(e.getMessage(), 300), human(interval));
            }
            return true;
        }
        if (unreachable) {
            unreachable = false;
            LOG.info("The database {} answers again", lock.describe());
        }
        if (!acquired) {
            reportStandby();
            return true;
        }
        if (closed) {
            return false;
        }
        me = ActiveHubLock.Holder.thisProcess(hubUrl);
        LOG.info("Hub is active: the active hub on {} is gone, this hub took the active-hub lock and takes over ({})",
                lock.describe(), me);
        onActive.run();
        return true;
    }

    /** @return whether to go on */
    private boolean activeStep(Runnable onLost) {
        ActiveHubLock.Check check = lock.check();
        if (check == ActiveHubLock.Check.UNKNOWN) {
            if (!unreachable) {
                unreachable = true;
                LOG.warn("Cannot reach the database {} to confirm that this hub is still the active one; it goes on as "
                        + "the active hub and checks again every {}", lock.describe(), human(interval));
            }
            return true;
        }
        if (unreachable) {
            unreachable = false;
            LOG.info("The database {} answers again; this hub is still the active one", lock.describe());
        }
        if (check == ActiveHubLock.Check.HELD || closed) {
            return true;
        }
        ActiveHubLock.Holder self = me;
        String other = lock.holder().filter(h -> !h.equals(self)).map(Object::toString).orElse("unknown: it has not said");
        LOG.error("Hub lost the active-hub lock on {}: another hub is active now ({}); this hub stops, leaving the "
                + "single-user servers to it", lock.describe(), other);
        onLost.run();
        return false;
    }

    /** Logs the standby line when it is new or the active hub changed. */
    private void reportStandby() {
        Optional<ActiveHubLock.Holder> holder = lock.holder();
        if (holder.isEmpty() && lastStandbyReport != null) {
            return; // the holder named before is letting go, or an older hub that names nobody took over
        }
        String report = holder.map(Object::toString).orElse("unknown: it has not said");
        if (report.equals(lastStandbyReport)) {
            return;
        }
        lastStandbyReport = report;
        LOG.info("Hub is standby (active hub: {}): another hub holds the active-hub lock on {}; this hub loads nothing, "
                + "answers 503 and tries again every {}", report, lock.describe(), human(interval));
    }

    /** Records this hub as the holder, for standbys; once the store is migrated. */
    public void announce() {
        ActiveHubLock.Holder holder = me;
        if (holder != null) {
            lock.announce(holder);
        }
    }

    /** @return how often standbys try and the active hub checks */
    public Duration interval() {
        return interval;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Stops trying or checking and releases the lock. Idempotent; waits for nothing but the lock. */
    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        lock.close();
    }
}
