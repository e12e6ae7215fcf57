package org.hubkit.core.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The OAuth2 provider's endpoints, {@code /oauth2/authorize} and {@code /oauth2/token}. Stateless: see {@link OAuthProvider}. */
final class OAuthEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(OAuthEndpoints.class);

    private final HubEngine engine;

    OAuthEndpoints(HubEngine engine) {
        this.engine = engine;
    }

    void oauth(HttpServletRequest req, HttpServletResponse resp, String method, List<String> p) throws IOException {
        String what = p.size() == 2 ? p.get(1) : "";
        if (what.equals("authorize") && (method.equals("GET") || method.equals("POST"))) {
            Caller c = Caller.fromCookie(req, engine);
            if (c == null) {
                String here = req.getRequestURI() + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
                resp.sendRedirect("/hub/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8));
                return;
            }
            String clientId = req.getParameter("client_id");
            String redirectUri = req.getParameter("redirect_uri");
            Store.ClientRow client = engine.client(clientId);
            if (client == null) {
                throw new ApiError(400, "Invalid client_id");
            }
            if (redirectUri == null || !redirectUri.equals(client.redirectUri())) {
                // Never redirect to an unregistered URI: answer here instead.
                throw new ApiError(400, "Mismatching redirect URI");
            }
            if (!"code".equals(req.getParameter("response_type"))) {
                redirectWithError(resp, redirectUri, "unsupported_response_type", req.getParameter("state"));
                return;
            }
            String code = engine.authorize(c.user(), c.session(), client, redirectUri);
            StringBuilder target = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?')
                    .append("code=").append(code);
            String state = req.getParameter("state");
            if (state != null) {
                target.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
            }
            resp.setStatus(302);
            resp.setHeader("Location", target.toString());
        } else if (what.equals("token") && method.equals("POST")) {
            String clientId = req.getParameter("client_id");
            String secret = req.getParameter("client_secret");
            String basic = req.getHeader("Authorization");
            if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(basic.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    if (colon > 0) {
                        clientId = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                        secret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
                    }
                } catch (IllegalArgumentException e) {
                    // Not Base64, or a bad %-escape: client credentials that cannot be read, in OAuth's error shape.
                    Web.json(resp, 401, Map.of("error", "invalid_client"));
                    return;
                }
            }
            if (!"authorization_code".equals(req.getParameter("grant_type"))) {
                Web.json(resp, 400, Map.of("error", "unsupported_grant_type"));
                return;
            }
            try {
                Web.json(resp, 200, engine.exchangeCode(clientId, secret, req.getParameter("code"), req.getParameter("redirect_uri")));
            } catch (RequestRefusedException refused) {
                ApiError e = ApiError.of(refused);
                LOG.info("OAuth token request from client {} refused: {}", LogSafe.value(clientId), LogSafe.value(e.getMessage()));
                Web.json(resp, e.status(), Map.of("error", e.getMessage().split(":")[0]));
            }
        } else {
            throw new ApiError(404, "Not found");
        }
    }

    private static void redirectWithError(HttpServletResponse resp, String redirectUri, String error, String state) {
        resp.setStatus(302);
        resp.setHeader("Location", redirectUri + (redirectUri.contains("?") ? "&" : "?") + "error=" + error
                + (state == null ? "" : "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8)));
    }
}
