package org.hubkit.server.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigException.Problem;

/**
 * Where each key of a YAML document is written (line and column of the key, or of a list
 * entry), so that problems can be listed in the order of the file. A problem about a key that is
 * not in the file (a required one) goes after everything written in the nearest mapping that is,
 * as that is where the key would be added; one about no key of the file at all goes last.
 * Immutable.
 */
public final class KeyPositions {
    private static final long LAST = Long.MAX_VALUE / 4;
    private static final YAMLFactory YAML = new YAMLFactory();

    /** Dotted path ({@code hub.port}, {@code services[0].name}) to line * 2^20 + column. */
    private final Map<String, Long> positions;

    private KeyPositions(Map<String, Long> positions) {
        this.positions = positions;
    }

    /** @return positions that order nothing: every problem stays where it was */
    public static KeyPositions none() {
        return new KeyPositions(Map.of());
    }

    /**
     * @param yaml a document that parses
     * @return where its keys are
     */
    public static KeyPositions of(String yaml) {
        Map<String, Long> positions = new HashMap<>();
        try (JsonParser p = YAML.createParser(yaml)) {
            if (p.nextToken() != null) {
                walk(p, "", positions);
            }
        } catch (IOException | RuntimeException e) {
            // Read already; a document the tree reader took but this pass does not keeps its problems unordered.
        }
        return new KeyPositions(Map.copyOf(positions));
    }

    private static void walk(JsonParser p, String path, Map<String, Long> positions) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String child = new Problem(p.currentName(), "").under(path).key();
                positions.putIfAbsent(child, position(p.currentTokenLocation()));
                p.nextToken();
                walk(p, child, positions);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                positions.putIfAbsent(child, position(p.currentTokenLocation()));
                walk(p, child, positions);
            }
        }
    }

    private static long position(JsonLocation at) {
        return ((long) Math.max(at.getLineNr(), 0) << 20) + Math.max(at.getColumnNr(), 0);
    }

    /**
     * @param problems problems with full dotted keys
     * @return the same problems in file order; problems at the same place keep their order
     */
    public List<Problem> inFileOrder(List<Problem> problems) {
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingLong(this::rank));
        return sorted;
    }

    /** Twice the position, plus one for a key placed after the mapping it belongs to. */
    private long rank(Problem problem) {
        String key = problem.key();
        Long exact = positions.get(key);
        if (exact != null) {
            return exact * 2;
        }
        for (String parent = parent(key); parent != null; parent = parent(parent)) {
            if (positions.containsKey(parent)) {
                long end = positions.get(parent);
                String below = parent + ".";
                String entry = parent + "[";
                for (Map.Entry<String, Long> e : positions.entrySet()) {
                    if (e.getKey().startsWith(below) || e.getKey().startsWith(entry)) {
                        end = Math.max(end, e.getValue());
                    }
                }
                return end * 2 + 1;
            }
        }
        return LAST * 2 + 1;
    }

    /** {@code a.b[2].c} to {@code a.b[2]} to {@code a.b} to {@code a} to {@code null}. */
    private static String parent(String key) {
        int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
        return cut <= 0 ? null : key.substring(0, cut);
    }
}
