package org.hubkit.core.internal;

/** Makes user-supplied values safe for a log line: bounded length, control characters escaped. */
public final class LogSafe {
    private static final int MAX = 100;

    private LogSafe() {
    }

    /** @return {@code s} with control characters escaped, truncated to a bounded length */
    public static String value(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 16);
        for (int i = 0; i < s.length() && b.length() < MAX; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (b.length() >= MAX && s.length() > MAX) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }
}
