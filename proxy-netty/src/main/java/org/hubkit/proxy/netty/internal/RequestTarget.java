package org.hubkit.proxy.netty.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The request-target of an incoming request, in the three forms the proxy needs: as forwarded
 * (origin form, untouched), as logged (path without query) and as routed (dot segments removed,
 * then percent-decoded, as configurable-http-proxy does with {@code new URL(...).pathname} and
 * {@code decodeURIComponent}).
 *
 * @param originForm path and query exactly as the client sent them
 * @param rawPath the path part of {@code originForm}
 * @param routingPath the decoded path used to find the route
 */
public record RequestTarget(String originForm, String rawPath, String routingPath) {

    /**
     * @param uri the request-target of the request line (origin or absolute form)
     * @return the parsed target, or {@code null} if it is neither form or its escapes are not
     *         valid UTF-8 percent-encoding
     */
    public static RequestTarget parse(String uri) {
        String originForm = toOriginForm(uri);
        if (originForm == null) {
            return null;
        }
        int q = originForm.indexOf('?');
        String rawPath = q < 0 ? originForm : originForm.substring(0, q);
        int hash = rawPath.indexOf('#');
        if (hash >= 0) {
            rawPath = rawPath.substring(0, hash);
        }
        String decoded = percentDecode(removeDotSegments(rawPath));
        if (decoded == null) {
            return null;
        }
        return new RequestTarget(originForm, rawPath, decoded);
    }

    private static String toOriginForm(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        String lower = uri.length() > 8 ? uri.substring(0, 8).toLowerCase(Locale.ROOT) : uri.toLowerCase(Locale.ROOT);
        int authorityStart;
        if (lower.startsWith("http://")) {
            authorityStart = 7;
        } else if (lower.startsWith("https://")) {
            authorityStart = 8;
        } else {
            return null;
        }
        int pathStart = indexOfAny(uri, "/?", authorityStart);
        if (pathStart < 0) {
            return "/";
        }
        return uri.charAt(pathStart) == '?' ? "/" + uri.substring(pathStart) : uri.substring(pathStart);
    }

    private static int indexOfAny(String s, String chars, int from) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 3986 5.2.4 on an absolute path; {@code %2e} counts as a dot, as in WHATWG URL. */
    static String removeDotSegments(String path) {
        if (path.indexOf('.') < 0 && !path.toLowerCase(Locale.ROOT).contains("%2e")) {
            return path;
        }
        String[] segments = path.substring(1).split("/", -1);
        Deque<String> out = new ArrayDeque<>();
        boolean trailingSlash = false;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i].toLowerCase(Locale.ROOT).replace("%2e", ".");
            boolean last = i == segments.length - 1;
            if (s.equals(".")) {
                trailingSlash = last;
            } else if (s.equals("..")) {
                out.pollLast();
                trailingSlash = last;
            } else {
                out.addLast(segments[i]);
                trailingSlash = false;
            }
        }
        StringBuilder b = new StringBuilder(path.length());
        for (String s : out) {
            b.append('/').append(s);
        }
        if (trailingSlash || b.length() == 0) {
            b.append('/');
        }
        return b.toString();
    }

    /** Like JavaScript's decodeURIComponent: {@code +} stays, bad escapes or UTF-8 fail. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteBuffer bytes = ByteBuffer.allocate(s.length());
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '%') {
                if (bytes.position() > 0 && !flush(bytes, out)) {
                    return null;
                }
                out.append(c);
                i++;
                continue;
            }
            if (i + 2 >= s.length()) {
                return null;
            }
            int hi = Character.digit(s.charAt(i + 1), 16);
            int lo = Character.digit(s.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            bytes.put((byte) (hi * 16 + lo));
            i += 3;
        }
        if (bytes.position() > 0 && !flush(bytes, out)) {
            return null;
        }
        return out.toString();
    }

    private static boolean flush(ByteBuffer bytes, StringBuilder out) {
        bytes.flip();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            out.append(chars);
            bytes.clear();
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
