package org.hubkit.server.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command written as one string into words the way a POSIX shell would, without
 * expanding anything: blanks separate words, {@code '...'} keeps everything literally,
 * {@code "..."} keeps everything but lets {@code \"} and {@code \\} escape, and a backslash
 * outside quotes escapes the next character. So {@code cmd: /opt/my env/bin/x --flag} must be
 * written {@code cmd: "'/opt/my env/bin/x' --flag"} or as a list.
 */
final class ShellWords {
    private ShellWords() {
    }

    /**
     * @param command the command line
     * @return its words; empty for a blank line
     * @throws IllegalArgumentException if a quote is not closed or the line ends in a backslash
     */
    static List<String> split(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\'') {
                int end = command.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed ' quote in '" + command + "'");
                }
                word.append(command, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                int j = i + 1;
                for (; j < command.length() && command.charAt(j) != '"'; j++) {
                    char d = command.charAt(j);
                    if (d == '\\' && j + 1 < command.length() && (command.charAt(j + 1) == '"' || command.charAt(j + 1) == '\\')) {
                        d = command.charAt(++j);
                    }
                    word.append(d);
                }
                if (j >= command.length()) {
                    throw new IllegalArgumentException("unclosed \" quote in '" + command + "'");
                }
                i = j;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 >= command.length()) {
                    throw new IllegalArgumentException("ends in a lone backslash: '" + command + "'");
                }
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
