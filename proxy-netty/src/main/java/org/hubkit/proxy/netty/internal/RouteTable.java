package org.hubkit.proxy.netty.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.hubkit.api.Route;

/**
 * The routing table: a trie over path segments, so that a lookup costs one map probe per segment
 * of the request path whatever the number of routes. Lookups take no lock and may run on any
 * event loop; changes are serialised. A lookup that races a change sees the table either before
 * or after it.
 */
public final class RouteTable {
    private final Node root = new Node();
    private final Object writeLock = new Object();

    /**
     * Adds or replaces a route. Its activity is the route's own if it has one, else now.
     *
     * @param route the route, with a normalised spec
     * @return the entry now in the table
     */
    public RouteEntry put(Route route) {
        long activity = route.lastActivity() != null
                ? route.lastActivity().toEpochMilli()
                : System.currentTimeMillis();
        return put(RouteEntry.fromRoute(route, activity));
    }

    /**
     * Adds or replaces a route.
     *
     * @param entry the route, with a normalised spec
     * @return the entry
     */
    public RouteEntry put(RouteEntry entry) {
        synchronized (writeLock) {
            Node node = root;
            for (String segment : specSegments(entry.spec())) {
                node = node.children.computeIfAbsent(segment, s -> new Node());
            }
            node.entry = entry;
        }
        return entry;
    }

    /**
     * @param spec a normalised routespec
     * @return the route stored under exactly that spec, or {@code null}
     */
    public RouteEntry get(String spec) {
        Node node = root;
        for (String segment : specSegments(spec)) {
            node = node.children.get(segment);
            if (node == null) {
                return null;
            }
        }
        return node.entry;
    }

    /** @return every route in spec order */
    public List<RouteEntry> entries() {
        Map<String, RouteEntry> out = new TreeMap<>();
        collectEntries(root, out);
        return List.copyOf(out.values());
    }

    private static void collectEntries(Node node, Map<String, RouteEntry> out) {
        RouteEntry entry = node.entry;
        if (entry != null) {
            out.put(entry.spec(), entry);
        }
        for (Node child : node.children.values()) {
            collectEntries(child, out);
        }
    }

    /**
     * @param spec a normalised routespec
     * @return whether a route was removed
     */
    public boolean remove(String spec) {
        List<String> segments = specSegments(spec);
        synchronized (writeLock) {
            List<Node> trail = new ArrayList<>(segments.size() + 1);
            Node node = root;
            trail.add(node);
            for (String segment : segments) {
                node = node.children.get(segment);
                if (node == null) {
                    return false;
                }
                trail.add(node);
            }
            boolean removed = node.entry != null;
            node.entry = null;
            // prune nodes left with neither a route nor children, from the leaf up
            for (int i = segments.size(); i > 0; i--) {
                Node n = trail.get(i);
                if (n.entry != null || !n.children.isEmpty()) {
                    break;
                }
                trail.get(i - 1).children.remove(segments.get(i - 1));
            }
            return removed;
        }
    }

    /**
     * Finds the route with the longest spec that is a prefix of {@code path} on whole segments.
     *
     * @param path a decoded request path starting with {@code /}
     * @return the route, or {@code null} if none matches (not even {@code /})
     */
    public RouteEntry find(String path) {
        return find(path, null);
    }

    /**
     * {@link #find(String)}, counting the trie nodes it looks up (one map probe each) in
     * {@code probes[0]}: what a lookup costs, whatever the number of routes.
     *
     * @param path a decoded request path starting with {@code /}
     * @param probes where the count is added, or {@code null}
     * @return the route, or {@code null}
     */
    RouteEntry find(String path, int[] probes) {
        Node node = root;
        RouteEntry best = node.entry;
        int start = 1; // skip the leading slash
        int length = path.length();
        while (start <= length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            if (end == start && end == length) {
                break; // a trailing slash adds no segment
            }
            if (probes != null) {
                probes[0]++;
            }
            node = node.children.get(path.substring(start, end));
            if (node == null) {
                break;
            }
            RouteEntry entry = node.entry;
            if (entry != null) {
                best = entry;
            }
            start = end + 1;
        }
        return best;
    }

    /**
     * @return every route, keyed by spec, in spec order; routes added through the CHP API whose
     *         target is not a URI are left out, as a {@link Route} cannot hold them
     */
    public Map<String, Route> snapshot() {
        Map<String, Route> out = new TreeMap<>();
        for (RouteEntry entry : entries()) {
            Route route = entry.toRoute();
            if (route != null) {
                out.put(entry.spec(), route);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<String> specSegments(String spec) {
        if (spec.equals("/")) {
            return List.of();
        }
        return List.of(spec.substring(1).split("/", -1));
    }

    private static final class Node {
        final Map<String, Node> children = new ConcurrentHashMap<>();
        volatile RouteEntry entry;
    }
}
