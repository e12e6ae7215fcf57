package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provider that goes away mid-login ({@link LocalProvider}, stopped after the redirect): a clear page, no stack trace, no code. */
class ProviderFailuresTest {
    @Test
    void aProviderThatStopsAnsweringGivesAClearPageAndOneLogLine(@TempDir Path dir) throws Exception {
        LocalProvider provider = new LocalProvider();
        try (OidcHub oidc = OidcHub.start(dir, a -> a.issuer(provider.issuer).clientId("hub").allowAll(true))) {
            HubBrowser b = oidc.browser();
            HttpResponse<String> toProvider = b.get("/hub/oauth_login/oidc"); // discovery done: the provider answered then
            Map<String, String> back = provider.approve(java.net.URI.create(toProvider.headers().firstValue("Location").orElseThrow()));
            provider.close();

            HttpResponse<String> page = b.get(oidc.base.resolve("/hub/oauth_callback?code=" + back.get("code") + "&state="
                    + URLEncoder.encode(back.get("state"), StandardCharsets.UTF_8)));

            assertThat(page.statusCode()).isEqualTo(502);
            assertThat(page.body()).contains("could not be reached").doesNotContain("Exception").doesNotContain(back.get("code"));
        }
    }
}
