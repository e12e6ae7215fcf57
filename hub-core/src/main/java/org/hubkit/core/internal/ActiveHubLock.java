package org.hubkit.core.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The lock that makes one hub per database the active one: whoever holds it loads the store,
 * owns the proxy's routes and polls the servers; every other hub on that database stands by.
 * It must be released by the death of the process that holds it, so that a standby can take over
 * from a hub killed with {@code kill -9}: a PostgreSQL session-level advisory lock on a connection
 * of its own ({@link PostgresActiveHubLock}), or H2's own lock on its database file
 * ({@link H2ActiveHubLock}).
 *
 * <p>Used by one thread at a time ({@link ActiveHubElection}'s), except {@link #close()}, which
 * any thread may call at any time: implementations are synchronized and take nothing after close.
 */
public interface ActiveHubLock extends AutoCloseable {

    /** What {@link #check()} found. */
    enum Check {
        /** This hub still holds the lock (perhaps after taking it again on a new connection). */
        HELD,
        /** Another hub holds it now: this hub must stop acting as the active one. */
        LOST,
        /** The database cannot be reached: nobody can take the lock from this hub meanwhile, as far as it can tell. */
        UNKNOWN
    }

    /**
     * Tries once, without waiting, to take the lock.
     *
     * @return whether this hub holds the lock now; false while another hub holds it, and after {@link #close()}
     * @throws org.hubkit.api.HubException if the database cannot be reached or opened at all
     */
    boolean tryAcquire();

    /** @return whether the lock is still this hub's; called every standby poll interval while active */
    Check check();

    /**
     * Records which hub holds the lock, so that standbys can name it. Called once the store is
     * migrated; a failure is only logged.
     *
     * @param me this hub
     */
    void announce(Holder me);

    /** @return the hub holding the lock as it announced itself, if it did and it can be read */
    Optional<Holder> holder();

    /** @return what is locked, for logs (the database without credentials) */
    String describe();

    /** Releases the lock if held; afterwards {@link #tryAcquire()} is always false. Idempotent. */
    @Override
    void close();

    /**
     * A hub as it shows in logs: where it runs and since when it is active.
     *
     * @param host the host name of the hub's machine
     * @param pid the hub's process id
     * @param since when it took the lock
     * @param url the hub's own API URL (how servers reach it), or null
     */
    record Holder(String host, long pid, Instant since, URI url) {
        /** @return this process, active from now */
        public static Holder thisProcess(URI url) {
            return new Holder(hostName(), ProcessHandle.current().pid(), Instant.now().truncatedTo(ChronoUnit.SECONDS), url);
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                String env = System.getenv("HOSTNAME");
                return env == null || env.isBlank() ? "unknown-host" : env;
            }
        }

        @Override
        public String toString() {
            return host + "/" + pid + " since " + since + (url == null ? "" : ", API " + url);
        }
    }
}
