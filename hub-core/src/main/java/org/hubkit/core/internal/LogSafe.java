package org.hubkit.core.internal;

/**
 * Makes a value someone else chose safe to put into a log line: one line, bounded length,
 * nothing a terminal or log viewer interprets.
 *
 * <p>Every user name, server name, path, client id, header value and exception message that
 * embeds request input goes through {@link #value} before it reaches a logger. Without it, a
 * 199,000-character user name typed into the login form is logged whole on every failed
 * attempt (GHSA-p43p-whwx-q52h: 100 tries, 18 MiB of log), and a name holding CR/LF writes
 * lines of the attacker's choosing into the log.
 *
 * <p>Control characters, line and paragraph separators, format characters (bidirectional
 * overrides, zero-width spaces), non-ASCII spaces, lone surrogates and unassigned code points
 * become {@code \n}, {@code \r}, {@code \t}, {@code \xNN} or <code>&#92;uNNNN</code>; a backslash
 * becomes {@code \\}, so an escape in the output always means an escape. Letters of any script
 * stay as they are. Longer values are cut with a marker that gives the original length.
 *
 * <p>Stateless and thread-safe.
 */
public final class LogSafe {
    /** The longest a value gets, marker excluded. */
    public static final int MAX_LENGTH = 100;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogSafe() {
    }

    /**
     * @param value any value, possibly {@code null}
     * @return the value escaped and cut to {@link #MAX_LENGTH} characters (plus the marker)
     */
    public static String value(Object value) {
        return value(value, MAX_LENGTH);
    }

    /**
     * @param value any value, possibly {@code null}
     * @param max the longest the escaped value may get, marker excluded
     * @return the value escaped and cut to {@code max} characters, then {@code ...(N chars)}
     *         when it was longer, N being the length of the original
     */
    public static String value(Object value, int max) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 24);
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int mark = out.length();
            append(out, cp);
            if (out.length() > max) {
                out.setLength(mark);
                return out.append("...(").append(s.length()).append(" chars)").toString();
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /**
     * A copy of a throwable whose messages (its own and its causes') went through {@link #value},
     * with the original stack traces, for logging an unexpected error with its trace.
     *
     * @param t the throwable
     * @return the copy
     */
    public static Throwable throwable(Throwable t) {
        java.util.List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && chain.size() < 10 && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        Escaped copy = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable c = chain.get(i);
            copy = new Escaped(c.getClass().getName() + (c.getMessage() == null ? "" : ": " + value(c.getMessage(), 300)), copy);
            copy.setStackTrace(c.getStackTrace());
        }
        return copy;
    }

    /** Stands in for a logged throwable: the original's class and escaped message, its stack trace. */
    private static final class Escaped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Escaped(String message, Throwable cause) {
            super(message, cause, false, true);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    private static void append(StringBuilder out, int cp) {
        switch (cp) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> {
                if (printable(cp)) {
                    out.appendCodePoint(cp);
                } else if (cp < 0x100) {
                    out.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
                } else if (cp <= 0xffff) {
                    out.append("\\u");
                    for (int shift = 12; shift >= 0; shift -= 4) {
                        out.append(HEX[(cp >> shift) & 0xf]);
                    }
                } else {
                    out.append("\\U");
                    for (int shift = 28; shift >= 0; shift -= 4) {
                        out.append(HEX[(cp >> shift) & 0xf]);
                    }
                }
            }
        }
    }

    private static boolean printable(int cp) {
        if (cp >= 0x20 && cp < 0x7f) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR, Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }
}
