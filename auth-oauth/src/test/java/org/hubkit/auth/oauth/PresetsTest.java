package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hubkit.api.AuthResult;
import org.hubkit.api.ConfigException;
import org.hubkit.api.RedirectLogin;
import org.junit.jupiter.api.Test;

/**
 * The presets' own checks. Google's and Azure AD's ID tokens come from {@link LocalProvider}; the
 * GitHub, GitLab and Microsoft Graph APIs, which cannot be reached from here, are played by
 * {@link ApiStandIn}, answering the shapes their documentation gives (GitHub: {@code GET
 * /orgs/{org}/members/{user}} 204 or 404, team memberships {@code {"state": "active"}}; GitLab:
 * {@code /api/v4/user}, {@code /api/v4/groups/{path}/members/all/{id}}; Graph:
 * {@code /v1.0/me/transitiveMemberOf} pages with {@code @odata.nextLink}).
 */
class PresetsTest {
    static final URI CALLBACK = URI.create("http://127.0.0.1:8000/hub/oauth_callback");

    static AuthResult login(OAuthAuthenticator auth, java.util.function.Function<URI, Map<String, String>> provider) throws Exception {
        RedirectLogin flow = auth.redirectLogin().orElseThrow();
        RedirectLogin.Redirect to = flow.begin(new RedirectLogin.Start("st-" + System.nanoTime(), CALLBACK));
        return flow.complete(new RedirectLogin.Callback(provider.apply(to.location()), to.kept(), CALLBACK))
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** A provider that approves at once with code {@code c}, echoing the state. */
    static Map<String, String> approve(URI authorize) {
        return Map.of("code", "c", "state", LocalProvider.query(authorize.getRawQuery()).get("state"));
    }

    @Test
    void googleChecksTheHdClaimNotTheEmailDomain() throws Exception {
        try (LocalProvider google = new LocalProvider();
             OAuthAuthenticator auth = OAuthAuthenticator.google().issuer(google.issuer).clientId("hub")
                     .hostedDomains(Set.of("example.org")).build()) {
            google.tamper = c -> c.claim("email", "ann@example.org").claim("hd", "example.org");
            AuthResult ok = login(auth, google::approve);
            assertThat(ok.accepted()).isTrue();
            assertThat(ok.name()).isEqualTo("ann@example.org");

            google.tamper = c -> c.claim("email", "eve@example.org"); // a personal account whose address looks right
            assertThat(login(auth, google::approve).accepted()).as("no hd claim").isFalse();
            google.tamper = c -> c.claim("email", "bob@other.org").claim("hd", "other.org");
            assertThat(login(auth, google::approve).accepted()).as("another domain").isFalse();
        }
    }

    @Test
    void githubAllowsMembersOfAnOrganisationOrTeamThroughItsApi() throws Exception {
        try (ApiStandIn gh = new ApiStandIn()) {
            gh.answer("POST /login/oauth/access_token", 200, "{\"access_token\":\"gho_user_token\",\"token_type\":\"bearer\",\"scope\":\"read:org\"}")
                    .answer("GET /user", 200, "{\"login\":\"Octocat\",\"id\":583231}")
                    .answer("GET /orgs/hubkit/members/Octocat", 204, null)
                    .answer("GET /orgs/research/teams/hub-admins/memberships/Octocat", 200, "{\"state\":\"active\",\"role\":\"member\"}")
                    .answer("GET /orgs/research/teams/pending/memberships/Octocat", 200, "{\"state\":\"pending\"}");
            try (OAuthAuthenticator auth = OAuthAuthenticator.github().githubApiUrl(gh.url).clientId("hub").clientSecret("s")
                    .allowedOrganizations(Set.of("hubkit", "research:hub-admins", "research:pending", "elsewhere")).build()) {
                assertThat(auth.redirectLogin().orElseThrow().begin(new RedirectLogin.Start("s1", CALLBACK)).location().toString())
                        .startsWith(gh.url + "/login/oauth/authorize?").contains("scope=read%3Auser+read%3Aorg");

                AuthResult r = login(auth, PresetsTest::approve);

                assertThat(r.accepted()).isTrue();
                assertThat(r.name()).isEqualTo("Octocat");
                assertThat(r.allowed()).as("a member of an allowed organisation").isTrue();
                assertThat(gh.authorizations).contains("Bearer gho_user_token");
            }
            try (OAuthAuthenticator auth = OAuthAuthenticator.github().githubApiUrl(gh.url).clientId("hub")
                    .allowedOrganizations(Set.of("elsewhere", "research:pending")).manageGroups(true).build()) {
                AuthResult r = login(auth, PresetsTest::approve);
                assertThat(r.allowed()).as("in no allowed organisation (a pending team invitation is not a membership)").isFalse();
            }
        }
    }

    @Test
    void gitlabAllowsMembersOfItsGroups() throws Exception {
        try (ApiStandIn gl = new ApiStandIn()) {
            gl.answer("POST /oauth/token", 200, "{\"access_token\":\"glpat\",\"token_type\":\"Bearer\",\"expires_in\":7200}")
                    .answer("GET /api/v4/user", 200, "{\"id\":42,\"username\":\"gitlabber\"}")
                    .answer("GET /api/v4/groups/research%2Fhub/members/all/42", 200, "{\"id\":42,\"access_level\":30}");
            try (OAuthAuthenticator auth = OAuthAuthenticator.gitlab().gitlabUrl(gl.url).clientId("hub").manageGroups(true)
                    .allowedGitlabGroups(Set.of("research/hub", "other")).build()) {
                AuthResult r = login(auth, PresetsTest::approve);

                assertThat(r.accepted()).isTrue();
                assertThat(r.name()).isEqualTo("gitlabber");
                assertThat(r.allowed()).isTrue();
                assertThat(r.groups()).containsExactly("research/hub");
            }
        }
    }

    @Test
    void azureAdReadsTheGroupsFromGraphWhenTheTokenHasTheOverageClaim() throws Exception {
        try (LocalProvider azure = new LocalProvider(); ApiStandIn graph = new ApiStandIn()) {
            graph.answer("GET /v1.0/me/transitiveMemberOf?$select=id", 200, "{\"value\":[{\"id\":\"g-1\"}],\"@odata.nextLink\":\""
                    + graph.url + "/v1.0/me/transitiveMemberOf?$select=id&$skiptoken=2\"}")
                    .answer("GET /v1.0/me/transitiveMemberOf?$select=id&$skiptoken=2", 200, "{\"value\":[{\"id\":\"g-250\"}]}");
            try (OAuthAuthenticator auth = OAuthAuthenticator.azureAd("contoso-tenant").issuer(azure.issuer).clientId("hub")
                    .graphUrl(graph.url).allowedGroups(Set.of("g-250")).manageGroups(true).build()) {
                azure.userinfoGroups = false;
                azure.tamper = c -> c.claim("_claim_names", Map.of("groups", "src1"))
                        .claim("_claim_sources", Map.of("src1", Map.of("endpoint", "https://graph.windows.net/x")));

                AuthResult r = login(auth, azure::approve);

                assertThat(r.accepted()).isTrue();
                assertThat(r.groups()).containsExactlyInAnyOrder("g-1", "g-250");
                assertThat(r.allowed()).isTrue();

                azure.tamper = c -> c.claim("groups", List.of("g-7"));
                assertThat(login(auth, azure::approve).groups()).as("no overage: the claim").containsExactly("g-7");
            }
        }
    }

    @Test
    void presetOptionsAreCheckedByName() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> OAuthAuthenticator.azureAd("not a tenant!")
                .clientId("hub").hostedDomains(Set.of("x.org")).allowedOrganizations(Set.of("o")).build());

        assertThat(e.getMessage()).contains("tenantId: required for Azure AD").contains("hostedDomains: only for the Google preset")
                .contains("allowedOrganizations: only for the GitHub preset");
        assertThat(catchThrowableOfType(ConfigException.class, () -> OAuthAuthenticator.azureAd("common").clientId("hub").build())
                .getMessage()).contains("tenantId: 'common' is multi-tenant");
    }
}
