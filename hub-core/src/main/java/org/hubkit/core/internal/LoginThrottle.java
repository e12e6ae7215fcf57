package org.hubkit.core.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows down password guessing on the login form, per user name and per client address.
 *
 * <p><b>The rule.</b> Each key (a user name, a client address) counts the sign-in attempts that
 * did not succeed. The first {@link Policy#freeFailures} cost nothing. Each further one makes
 * the next attempt for that key wait: 1 s, then twice as long after every further failure, up to
 * {@link Policy#maxDelay}; from {@link Policy#lockoutAfter} failures on, the wait is the
 * {@link Policy#lockout}. An attempt that comes too early is refused at once (the caller answers
 * 429 with {@code Retry-After}) without the password being checked, so a refused guess is not a
 * guess, and no request thread ever sleeps. A successful sign-in forgets both of its keys; a key
 * without a failure for {@link Policy#forgetAfter} is forgotten as well.
 *
 * <p><b>Why the name limit is far above the address limit.</b> A lockout by name can be used
 * against the person who owns the name: anyone can type it with a wrong password. So the address
 * limit ({@link #BY_ADDRESS}: 5 free failures, then waits up to 60 s, 5 minutes from the 20th)
 * does most of the work: it stops one client guessing, whether at one name or spraying many
 * (with a shared-password authenticator every name is a target). A client that tries to lock
 * someone out is held back by its own address long before that name's counter gets far: its
 * refused attempts count for nothing. The name limit ({@link #BY_NAME}: 20 free failures, waits up
 * to 30 s, 60 s from the 40th) is there for guessing at one name from many addresses, and its
 * lockout is capped at a minute, so the worst a botnet can do to a real user is make them wait a
 * minute between attempts. The address limit is not lower still because many people can share an
 * address (a campus NAT, a proxy): 5 typos in 15 minutes cost nothing, the next few a second or
 * two.
 *
 * <p><b>Which address.</b> {@link #clientAddress}: the connection's remote address; when that is
 * a loopback address (the hub sits behind its proxy, which appends the address it saw to
 * {@code X-Forwarded-For}), the last entry of {@code X-Forwarded-For}, the only one the proxy
 * vouches for. An IPv6 address counts by its /64 prefix, which one client usually holds whole.
 * Without such a proxy header every client behind a loopback peer shares one key.
 *
 * <p><b>Memory.</b> Each table holds at most {@link Policy#maxKeys} keys; the least recently used
 * one makes room for a new one, and forgotten keys are dropped as they are met. Keys are cut to
 * 256 characters (longer names are invalid anyway).
 *
 * <p><b>Limits.</b> A success resets its address too, so a client holding one valid account can
 * clear its address counter between guesses; the name counter still limits guesses at any one
 * name. An attempt the authenticator could not decide (it failed or timed out) counts as a
 * failure. Counters live in memory: they reset when the hub restarts and are not shared between
 * hubs.
 *
 * <p>Thread-safe: one lock guards both tables; every method holds it briefly and does no I/O.
 */
public final class LoginThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);
    private static final int MAX_KEY_LENGTH = 256;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6ISH = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");

    /**
     * How one kind of key is throttled.
     *
     * @param freeFailures failures that cost nothing
     * @param maxDelay the longest wait before the lockout starts; waits start at 1 s and double
     * @param lockoutAfter from this many failures on, each failure means {@code lockout}
     * @param lockout the wait from then on
     * @param forgetAfter a key without a failure for this long is forgotten
     * @param maxKeys keys kept at most
     */
    public record Policy(int freeFailures, Duration maxDelay, int lockoutAfter, Duration lockout, Duration forgetAfter,
                         int maxKeys) {
        /** Checks the values. */
        public Policy {
            if (freeFailures < 0 || lockoutAfter <= freeFailures || maxKeys < 1 || maxDelay.isNegative()
                    || lockout.isNegative() || forgetAfter.compareTo(lockout) < 0 || forgetAfter.compareTo(maxDelay) < 0) {
                throw new IllegalArgumentException("inconsistent login throttle policy: " + freeFailures + " free failures, waits up to "
                        + maxDelay + ", lockout of " + lockout + " after " + lockoutAfter + ", forgotten after " + forgetAfter
                        + ", " + maxKeys + " keys");
            }
        }

        long delayMillis(int failures) {
            if (failures <= freeFailures) {
                return 0;
            }
            if (failures >= lockoutAfter) {
                return lockout.toMillis();
            }
            int doublings = Math.min(failures - freeFailures - 1, 30);
            return Math.min(1000L << doublings, maxDelay.toMillis());
        }
    }

    /** Per client address: one client guessing. */
    public static final Policy BY_ADDRESS = new Policy(5, Duration.ofSeconds(60), 20, Duration.ofMinutes(5),
            Duration.ofMinutes(15), 10_000);
    /** Per user name: many clients guessing at one name; capped short so it cannot lock a user out for long. */
    public static final Policy BY_NAME = new Policy(20, Duration.ofSeconds(30), 40, Duration.ofSeconds(60),
            Duration.ofMinutes(15), 10_000);

    private final LongSupplier nowMillis;
    private final Table names;
    private final Table addresses;

    /** The hub's throttle: {@link #BY_NAME}, {@link #BY_ADDRESS}, a monotonic clock. */
    public LoginThrottle() {
        this(BY_NAME, BY_ADDRESS, () -> System.nanoTime() / 1_000_000);
    }

    /**
     * @param byName the policy for user names
     * @param byAddress the policy for client addresses
     * @param nowMillis the clock, in milliseconds (any origin, never going back)
     */
    public LoginThrottle(Policy byName, Policy byAddress, LongSupplier nowMillis) {
        this.nowMillis = nowMillis;
        this.names = new Table(byName);
        this.addresses = new Table(byAddress);
    }

    /**
     * Starts a sign-in attempt: refused while either key must wait, otherwise counted as a
     * failure at once (so a burst of parallel attempts cannot all slip through before the first
     * answer), until {@link #succeeded} says otherwise.
     *
     * @param name the user name, normalised
     * @param address the client address ({@link #clientAddress})
     * @return 0 when the attempt may go ahead, else the seconds to wait (at least 1)
     */
    public long tryAcquire(String name, String address) {
        String nameKey = key(name);
        String addressKey = key(address);
        long now = nowMillis.getAsLong();
        synchronized (this) {
            Entry n = names.get(nameKey, now);
            Entry a = addresses.get(addressKey, now);
            long wait = waitSeconds(n, a, now);
            if (wait > 0) {
                logFirstRefusal(n, now, "user name", nameKey);
                logFirstRefusal(a, now, "address", addressKey);
                return wait;
            }
            names.fail(nameKey, now);
            addresses.fail(addressKey, now);
            return 0;
        }
    }

    /**
     * @param name the user name, normalised
     * @param address the client address
     * @return the seconds an attempt for these keys must still wait, 0 if none; counts nothing
     */
    public long waitSeconds(String name, String address) {
        long now = nowMillis.getAsLong();
        synchronized (this) {
            return waitSeconds(names.get(key(name), now), addresses.get(key(address), now), now);
        }
    }

    /** The longer of two keys' waits, in whole seconds rounded up; 0 when neither must wait. */
    private static long waitSeconds(Entry n, Entry a, long now) {
        long wait = Math.max(n == null ? 0 : n.blockedUntil - now, a == null ? 0 : a.blockedUntil - now);
        return wait > 0 ? (wait + 999) / 1000 : 0;
    }

    /**
     * A sign-in succeeded: forgets the failures of its name and its address.
     *
     * @param name the user name given to {@link #tryAcquire}
     * @param address the address given to {@link #tryAcquire}
     */
    public synchronized void succeeded(String name, String address) {
        names.map.remove(key(name));
        addresses.map.remove(key(address));
    }

    /** @return how many keys are tracked (names, addresses), for tests */
    synchronized int[] size() {
        return new int[] {names.map.size(), addresses.map.size()};
    }

    private void logFirstRefusal(Entry e, long now, String kind, String key) {
        if (e != null && e.blockedUntil > now && e.loggedBlock != e.blockedUntil) {
            e.loggedBlock = e.blockedUntil;
            LOG.warn("Sign-in attempts for {} '{}' refused for {} s after {} failed attempts", kind, LogSafe.value(key),
                    (e.blockedUntil - now + 999) / 1000, e.failures);
        }
    }

    private static String key(String s) {
        String k = s == null ? "" : s;
        return k.length() > MAX_KEY_LENGTH ? k.substring(0, MAX_KEY_LENGTH) : k;
    }

    /**
     * The address a request counts against.
     *
     * @param remoteAddress the connection's peer address, a literal
     * @param forwardedFor the {@code X-Forwarded-For} values joined by commas, or {@code null}
     * @return the remote address, or the last forwarded entry when the peer is a loopback
     *         address; an IPv6 address as its /64 prefix
     */
    public static String clientAddress(String remoteAddress, String forwardedFor) {
        String address = remoteAddress == null ? "" : remoteAddress.strip();
        InetAddress peer = literal(address);
        if (peer != null && peer.isLoopbackAddress() && forwardedFor != null) {
            int comma = forwardedFor.lastIndexOf(',');
            String last = forwardedFor.substring(comma + 1).strip();
            if (!last.isEmpty()) {
                address = last;
                peer = literal(last);
            }
        }
        if (peer != null && peer.getAddress().length == 16) {
            byte[] b = peer.getAddress();
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        }
        return peer != null ? peer.getHostAddress() : key(address);
    }

    /** Parses an IP literal without ever asking DNS: anything that is not one gives {@code null}. */
    private static InetAddress literal(String s) {
        try {
            if (IPV4.matcher(s).matches()) {
                byte[] b = new byte[4];
                String[] parts = s.split("\\.");
                for (int i = 0; i < 4; i++) {
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) {
                        return null;
                    }
                    b[i] = (byte) v;
                }
                return InetAddress.getByAddress(b);
            }
            if (s.length() <= 64 && IPV6ISH.matcher(s).matches()) {
                // In brackets, InetAddress accepts an IPv6 literal only, never a host name.
                return InetAddress.getByName(s.startsWith("[") ? s : "[" + s + "]");
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    /** One key's failures. Guarded by the throttle's lock. */
    private static final class Entry {
        int failures;
        long lastFailure;
        long blockedUntil;
        long loggedBlock;
    }

    /** The keys of one kind, least recently used first. Guarded by the throttle's lock. */
    private static final class Table {
        final Policy policy;
        final LinkedHashMap<String, Entry> map;

        Table(Policy policy) {
            this.policy = policy;
            this.map = new LinkedHashMap<>(64, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                    return size() > policy.maxKeys();
                }
            };
        }

        /** The key's entry, or null when there is none or it is forgotten; drops a few forgotten ones on the way. */
        Entry get(String key, long now) {
            long forget = policy.forgetAfter().toMillis();
            Iterator<Entry> oldest = map.values().iterator();
            for (int i = 0; i < 4 && oldest.hasNext(); i++) {
                if (now - oldest.next().lastFailure > forget) {
                    oldest.remove();
                } else {
                    break;
                }
            }
            Entry e = map.get(key);
            if (e != null && now - e.lastFailure > forget) {
                map.remove(key);
                return null;
            }
            return e;
        }

        void fail(String key, long now) {
            Entry e = map.computeIfAbsent(key, k -> new Entry());
            e.failures = Math.min(e.failures + 1, 1_000_000);
            e.lastFailure = now;
            e.blockedUntil = now + policy.delayMillis(e.failures);
        }
    }
}
