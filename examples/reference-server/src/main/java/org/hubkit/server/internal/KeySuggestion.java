package org.hubkit.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Picks the known keys a misspelt key most likely meant. */
final class KeySuggestion {
    private KeySuggestion() {
    }

    /**
     * @param unknown the key found
     * @param candidates full path to leaf name of every key allowed there
     * @return the full paths of the closest leaves, at most three, or none if nothing is close
     */
    static List<String> closest(String unknown, Map<String, String> candidates) {
        String u = unknown.toLowerCase(Locale.ROOT);
        String squashed = u.replace("_", "").replace("-", "");
        int limit = u.length() <= 3 ? 1 : u.length() <= 6 ? 2 : 3;
        int bestDistance = Integer.MAX_VALUE;
        List<String> best = new ArrayList<>();
        for (Map.Entry<String, String> c : candidates.entrySet()) {
            String leaf = c.getValue().toLowerCase(Locale.ROOT);
            int d = squashed.equals(leaf) ? 0 : distance(u, leaf);
            if (d > limit || d > bestDistance) {
                continue;
            }
            if (d < bestDistance) {
                best.clear();
                bestDistance = d;
            }
            best.add(c.getKey());
        }
        return best.size() > 3 ? best.subList(0, 3) : best;
    }

    /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
