package org.hubkit.auth.oauth.internal;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A provider's own checks after the claims are read, for the presets: Google's hosted domain,
 * GitHub's organisations and teams, GitLab's groups, Azure AD's groups overage. Each reads the
 * provider's documented API with the user's access token.
 */
public interface ProviderChecks {
    /**
     * What a provider's check decided.
     *
     * @param refusal why the login is refused, or null
     * @param allowed whether the provider's own rule lets the user in (an allowed organisation)
     * @param groups groups to use instead of the groups claim's, or null
     */
    record Decision(String refusal, boolean allowed, Set<String> groups) {
        static final Decision NONE = new Decision(null, false, null);
    }

    /** GET with the user's token: the status and the JSON answer (null when it is not JSON). */
    record Answer(int status, Object json) { }

    /**
     * @param claims the user's claims (ID token and userinfo)
     * @param get calls the provider's API: {@code get.apply(url, accessToken)}
     * @param accessToken the user's access token
     */
    Decision check(Map<String, Object> claims, BiFunction<URI, String, Answer> get, String accessToken);

    ProviderChecks NONE = (claims, get, token) -> Decision.NONE;

    /** Google: the {@code hd} claim (set by Google for Workspace accounts only), never the e-mail's domain (GHSA-55m3-44xf-hg4h). */
    static ProviderChecks google(Set<String> hostedDomains) {
        if (hostedDomains.isEmpty()) {
            return NONE;
        }
        return (claims, get, token) -> claims.get("hd") instanceof String hd && hostedDomains.contains(hd) ? Decision.NONE
                : new Decision("the account's hosted domain (hd claim) is " + (claims.get("hd") == null ? "absent" : "'" + claims.get("hd")
                + "'") + ", not one of " + hostedDomains, false, null);
    }

    /**
     * GitHub: {@code allowedOrganizations} entries {@code org} (membership, {@code GET
     * /orgs/{org}/members/{login}}: 204) or {@code org:team} ({@code GET
     * /orgs/{org}/teams/{team}/memberships/{login}}: 200 with {@code "state": "active"}). A member of
     * one is allowed, and the matching entries become the user's groups.
     */
    static ProviderChecks github(URI api, Set<String> allowedOrganizations) {
        if (allowedOrganizations.isEmpty()) {
            return NONE;
        }
        return (claims, get, token) -> {
            String login = claims.get("login") instanceof String l ? l : null;
            if (login == null) {
                return new Decision("GitHub's user answer has no login", false, null);
            }
            Set<String> member = new LinkedHashSet<>();
            for (String entry : allowedOrganizations) {
                int colon = entry.indexOf(':');
                if (colon < 0) {
                    if (get.apply(api.resolve("/orgs/" + enc(entry) + "/members/" + enc(login)), token).status() == 204) {
                        member.add(entry);
                    }
                } else {
                    Answer a = get.apply(api.resolve("/orgs/" + enc(entry.substring(0, colon)) + "/teams/"
                            + enc(entry.substring(colon + 1)) + "/memberships/" + enc(login)), token);
                    if (a.status() == 200 && a.json() instanceof Map<?, ?> m && "active".equals(m.get("state"))) {
                        member.add(entry);
                    }
                }
            }
            return new Decision(null, !member.isEmpty(), member);
        };
    }

    /** GitLab: {@code allowedGitlabGroups}, each checked with {@code GET /api/v4/groups/{group}/members/all/{user id}} (200: a member). */
    static ProviderChecks gitlab(URI api, Set<String> allowedGroups) {
        if (allowedGroups.isEmpty()) {
            return NONE;
        }
        return (claims, get, token) -> {
            Object id = claims.get("id");
            if (!(id instanceof Number)) {
                return new Decision("GitLab's user answer has no id", false, null);
            }
            Set<String> member = new LinkedHashSet<>();
            for (String group : allowedGroups) {
                if (get.apply(api.resolve("/api/v4/groups/" + enc(group) + "/members/all/" + ((Number) id).longValue()), token)
                        .status() == 200) {
                    member.add(group);
                }
            }
            return new Decision(null, !member.isEmpty(), member);
        };
    }

    /**
     * Azure AD: a user in more groups than fit a token (over 200) gets {@code _claim_names.groups}
     * instead of the {@code groups} claim; the groups are then read from Microsoft Graph,
     * {@code GET /v1.0/me/transitiveMemberOf?$select=id}, following {@code @odata.nextLink}.
     */
    static ProviderChecks azureAd(URI graph) {
        return (claims, get, token) -> {
            if (!(claims.get("_claim_names") instanceof Map<?, ?> names) || !names.containsKey("groups")) {
                return Decision.NONE;
            }
            Set<String> groups = new LinkedHashSet<>();
            URI next = graph.resolve("/v1.0/me/transitiveMemberOf?$select=id");
            for (int page = 0; next != null && page < 100; page++) {
                Answer a = get.apply(next, token);
                if (a.status() != 200 || !(a.json() instanceof Map<?, ?> body)) {
                    return new Decision("Microsoft Graph answered HTTP " + a.status() + " for the user's groups (overage)", false, null);
                }
                if (body.get("value") instanceof List<?> values) {
                    for (Object v : values) {
                        if (v instanceof Map<?, ?> g && g.get("id") instanceof String gid) {
                            groups.add(gid);
                        }
                    }
                }
                next = body.get("@odata.nextLink") instanceof String link ? URI.create(link) : null;
            }
            return new Decision(null, false, groups);
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The GET the checks use: Bearer token, JSON accepted, the authenticator's timeouts. */
    static Answer get(URI url, String token, int timeoutMillis) throws java.io.IOException {
        HTTPRequest r = new HTTPRequest(HTTPRequest.Method.GET, url);
        r.setAuthorization("Bearer " + token);
        r.setAccept("application/json");
        r.setConnectTimeout(timeoutMillis);
        r.setReadTimeout(timeoutMillis);
        HTTPResponse resp = r.send();
        Object json = null;
        String body = resp.getBody();
        if (body != null && !body.isBlank()) {
            try {
                json = body.strip().startsWith("[") ? JSONObjectUtils.parse("{\"a\":" + body + "}").get("a") : JSONObjectUtils.parse(body);
            } catch (ParseException notJson) {
                json = null;
            }
        }
        return new Answer(resp.getStatusCode(), json);
    }
}
