package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** What the servlets share: JSON answers, cookies, signatures, escaping, timestamps. */
public final class Web {
    public static final String LOGIN_COOKIE = "jupyterhub-hub-login";
    public static final String XSRF_COOKIE = "_xsrf";
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Web() {
    }

    public static String iso(Instant t) {
        return t == null ? null : ISO.format(t);
    }

    public static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        byte[] bytes = Json.bytes(body);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    public static void error(HttpServletResponse resp, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("message", message);
        json(resp, status, body);
    }

    public static List<String> pathSegments(HttpServletRequest req, String prefix) {
        String uri = req.getRequestURI();
        String rest = uri.length() > prefix.length() ? uri.substring(prefix.length()) : "";
        List<String> out = new ArrayList<>();
        for (String part : rest.split("/", -1)) {
            out.add(URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        while (!out.isEmpty() && out.get(0).isEmpty()) {
            out.remove(0);
        }
        return out;
    }

    public static String cookie(HttpServletRequest req, String name) {
        Cookie[] cookies = req.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie c : cookies) {
            if (c.getName().equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }

    /** Sets a cookie with the attributes every hub cookie has: path /hub/, HttpOnly as asked, SameSite=Lax. */
    public static void setCookie(HttpServletResponse resp, String name, String value, long maxAgeSeconds, boolean httpOnly,
                                 boolean secure) {
        StringBuilder b = new StringBuilder(name).append('=').append(value).append("; Path=/hub/; SameSite=Lax");
        if (maxAgeSeconds >= 0) {
            b.append("; Max-Age=").append(maxAgeSeconds);
        }
        if (httpOnly) {
            b.append("; HttpOnly");
        }
        if (secure) {
            b.append("; Secure");
        }
        resp.addHeader("Set-Cookie", b.toString());
    }

    public static String sign(String secret, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code value|expiresEpochSeconds|signature}. */
    public static String signedValue(String secret, String value, Instant expires) {
        String payload = value + "|" + expires.getEpochSecond();
        return payload + "|" + sign(secret, payload);
    }

    /** @return the value if the signature is right and it has not expired, else {@code null} */
    public static String verifySigned(String secret, String signed) {
        if (signed == null) {
            return null;
        }
        int last = signed.lastIndexOf('|');
        if (last < 0) {
            return null;
        }
        String payload = signed.substring(0, last);
        if (!Secrets.constantTimeEquals(sign(secret, payload), signed.substring(last + 1))) {
            return null;
        }
        int mid = payload.lastIndexOf('|');
        if (mid < 0) {
            return null;
        }
        try {
            if (Instant.now().getEpochSecond() >= Long.parseLong(payload.substring(mid + 1))) {
                return null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return payload.substring(0, mid);
    }

    public static String html(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Only same-hub paths may be redirect targets: an absolute path that does not start with
     * {@code //} or {@code /\}, without a scheme or control characters. Anything else becomes the fallback.
     */
    public static String safeNext(String next, String fallback) {
        if (next == null || next.isEmpty() || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
            return fallback;
        }
        for (int i = 0; i < next.length(); i++) {
            char c = next.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return fallback;
            }
        }
        return next;
    }
}
