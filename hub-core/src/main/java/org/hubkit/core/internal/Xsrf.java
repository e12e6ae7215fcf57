package org.hubkit.core.internal;

import org.hubkit.core.Secrets;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * XSRF tokens bound to the browser's session, as JupyterHub 4.1 does after GHSA-7r3h-4ph8-w38g.
 *
 * <p>A token is {@code time.HMAC(cookie secret, binding | time)}. The binding is the login
 * session (a hash of the secret session id in the signed login cookie) or, before login, a random
 * browser id in its own HttpOnly cookie, {@code id.HMAC(cookie secret, id)}: only an id the hub
 * issued counts (an unsigned or forged one is replaced by a fresh one), so whoever can plant
 * cookies for the hub's host cannot pick an id and fetch a token for it. Nor can they forge a
 * token for someone else's session, and a token from before login is worthless after it.
 * Cookie-authenticated writes must also come from the hub's own origin ({@code Origin},
 * {@code Sec-Fetch-Site}).
 */
final class Xsrf {
    static final String BROWSER_COOKIE = "hubkit-browser";
    static final Duration MAX_AGE = Duration.ofDays(14);
    /** A token older than this is replaced when a page is served: a form is never left with one about to expire. */
    static final Duration REISSUE_AFTER = MAX_AGE.dividedBy(2);

    private Xsrf() {
    }

    /** What the request's token must be bound to: its login session, else its browser id, else null. */
    static String binding(HttpServletRequest req, HubEngine engine) {
        String session = Caller.sessionId(req, engine);
        if (session != null && engine.session(session).isPresent()) {
            return sessionBinding(session);
        }
        return browserBinding(req, null, engine);
    }

    /** @return a new browser id cookie's value, {@code id.signature} */
    static String newBrowserCookie(String secret) {
        String id = Secrets.newToken();
        return id + "." + Web.sign(secret, "browser|" + id);
    }

    /** @return the id in a browser id cookie the hub issued (its signature right), else null */
    static String browserId(String secret, String cookie) {
        if (cookie == null || cookie.length() > 200) {
            return null;
        }
        int dot = cookie.indexOf('.');
        if (dot < 0) {
            return null;
        }
        String id = cookie.substring(0, dot);
        if (!id.matches("[0-9a-f]{64}")) {
            return null;
        }
        return Secrets.constantTimeEquals(Web.sign(secret, "browser|" + id), cookie.substring(dot + 1)) ? id : null;
    }

    static String sessionBinding(String sessionId) {
        return "session:" + Secrets.hash(sessionId);
    }

    static String token(String secret, String binding) {
        return token(secret, binding, Instant.now());
    }

    static String token(String secret, String binding, Instant issued) {
        String time = Long.toString(issued.getEpochSecond(), 36);
        return time + "." + Web.sign(secret, "xsrf|" + binding + "|" + time);
    }

    static boolean valid(String secret, String binding, String token) {
        return age(secret, binding, token) >= 0;
    }

    /** @return the valid token's age in seconds (0 for one from up to 5 minutes ahead, a clock's skew), else -1 */
    private static long age(String secret, String binding, String token) {
        if (binding == null || token == null || token.length() > 200) {
            return -1;
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return -1;
        }
        String time = token.substring(0, dot);
        long issued;
        try {
            issued = Long.parseLong(time, 36);
        } catch (NumberFormatException e) {
            return -1;
        }
        long age = Instant.now().getEpochSecond() - issued;
        if (age < -300 || age > MAX_AGE.toSeconds()) {
            return -1;
        }
        if (!Secrets.constantTimeEquals(Web.sign(secret, "xsrf|" + binding + "|" + time), token.substring(dot + 1))) {
            return -1;
        }
        return Math.max(0, age);
    }

    /**
     * Makes sure the browser has a binding and a current {@code _xsrf} cookie for it (read by the
     * pages' scripts, so not HttpOnly, as JupyterHub's).
     *
     * @return the token, for forms
     */
    static String issue(HttpServletRequest req, HttpServletResponse resp, HubEngine engine) {
        String binding = binding(req, engine);
        return issueFor(req, resp, engine, binding != null ? binding : newBinding(resp, engine));
    }

    /** A fresh browser id (none yet, or one the hub did not issue: planted, forged), set as its cookie. */
    private static String newBinding(HttpServletResponse resp, HubEngine engine) {
        String cookie = newBrowserCookie(engine.cookieSecret);
        Web.setCookie(resp, BROWSER_COOKIE, cookie, -1, true, engine.settings.cookieSecure());
        return "browser:" + browserId(engine.cookieSecret, cookie);
    }

    /**
     * The browser's own id, whether or not it is logged in (a login does not change it, so a
     * redirect login's state stays bound across it).
     *
     * @param resp where to set a new browser id when the request has none the hub issued, or null to only read it
     * @return {@code browser:<id>}, or null when there is none and {@code resp} is null
     */
    static String browserBinding(HttpServletRequest req, HttpServletResponse resp, HubEngine engine) {
        // Every cookie of the name: a planted one with a narrower path would be sent ahead of the hub's.
        jakarta.servlet.http.Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (jakarta.servlet.http.Cookie c : cookies) {
                String id = c.getName().equals(BROWSER_COOKIE) ? browserId(engine.cookieSecret, c.getValue()) : null;
                if (id != null) {
                    return "browser:" + id;
                }
            }
        }
        return resp == null ? null : newBinding(resp, engine);
    }

    /**
     * Sets an {@code _xsrf} cookie for {@code binding} unless the request already has a valid one
     * younger than {@link #REISSUE_AFTER}: one older would expire under a form left open.
     */
    static String issueFor(HttpServletRequest req, HttpServletResponse resp, HubEngine engine, String binding) {
        String current = Web.cookie(req, Web.XSRF_COOKIE);
        long age = age(engine.cookieSecret, binding, current);
        if (age >= 0 && age < REISSUE_AFTER.toSeconds()) {
            return current;
        }
        String token = token(engine.cookieSecret, binding);
        Web.setCookie(resp, Web.XSRF_COOKIE, token, -1, false, engine.settings.cookieSecure());
        return token;
    }

    /**
     * @param submitted the token from the form field or the {@code X-XSRFToken} header
     * @return null if the write may go ahead, else why not (for the log; the client gets a generic 403)
     */
    static String refusal(HttpServletRequest req, HubEngine engine, String submitted) {
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "Sec-Fetch-Site is " + LogSafe.value(site);
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, req.getHeader("Host"), engine.settings.publicUrl())) {
            return "Origin " + LogSafe.value(origin) + " is not the hub's";
        }
        if (!valid(engine.cookieSecret, binding(req, engine), submitted)) {
            return submitted == null ? "no XSRF token" : "XSRF token not valid for this session";
        }
        return null;
    }

    /**
     * Whether a page view that would act (a GET of {@code /hub/spawn}) came from another site: a
     * link or a redirect there, which brings the {@code SameSite=Lax} login cookie along.
     *
     * @return null for a navigation from the hub itself, a typed address or a bookmark
     *         ({@code Sec-Fetch-Site} {@code same-origin} or {@code none}; without that header, no
     *         foreign {@code Origin} or {@code Referer}), else why not (for the log)
     */
    static String foreignNavigation(HttpServletRequest req, HubEngine engine) {
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null) {
            // same-site is another origin too (a sibling subdomain, another port): not the hub's own page
            return site.equals("same-origin") || site.equals("none") ? null : "Sec-Fetch-Site is " + LogSafe.value(site);
        }
        String host = req.getHeader("Host");
        URI publicUrl = engine.settings.publicUrl();
        String origin = req.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, host, publicUrl)) {
            return "Origin " + LogSafe.value(origin);
        }
        String referer = req.getHeader("Referer");
        if (referer != null && !sameOrigin(originOf(referer), host, publicUrl)) {
            return "Referer from " + LogSafe.value(originOf(referer));
        }
        return null;
    }

    /** The {@code scheme://host[:port]} of a URL, or the text itself when it is no URL (then no origin matches it). */
    private static String originOf(String url) {
        try {
            URI u = URI.create(url);
            if (u.getScheme() != null && u.getHost() != null) {
                return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
            }
        } catch (IllegalArgumentException e) {
            // not a URL
        }
        return url;
    }

    /** Whether an {@code Origin} header names the host the request was sent to, or the hub's public URL. */
    static boolean sameOrigin(String origin, String host, URI publicUrl) {
        URI o;
        try {
            o = URI.create(origin);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (o.getScheme() == null || o.getHost() == null) {
            return false; // "null" and other opaque origins
        }
        String authority = authority(o.getScheme(), o.getHost(), o.getPort());
        if (publicUrl != null && publicUrl.getHost() != null
                && authority.equalsIgnoreCase(authority(publicUrl.getScheme(), publicUrl.getHost(), publicUrl.getPort()))) {
            return true;
        }
        if (host == null) {
            return false;
        }
        // The Host header is authority only; compare with the origin's default port filled in.
        URI h;
        try {
            h = URI.create(o.getScheme() + "://" + host);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return h.getHost() != null && authority.equalsIgnoreCase(authority(o.getScheme(), h.getHost(), h.getPort()));
    }

    private static String authority(String scheme, String host, int port) {
        int p = port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80;
        return host + ":" + p;
    }
}
