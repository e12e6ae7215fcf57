package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hubkit.testkit.PublicApi;
import org.junit.jupiter.api.Test;

/** The module's public API names no Nimbus type (nor any of its own internal ones): Nimbus can change under it. */
class ApiSurfaceTest {
    @Test
    void noNimbusOrInternalTypeInThePublicApi() {
        List<String> leaks = PublicApi.signaturesNaming(List.of(OAuthAuthenticator.class, OAuthAuthenticator.Builder.class),
                List.of("com.nimbusds", ".internal."));
        assertThat(leaks).isEmpty();
    }

    @Test
    void startUpSaysWhenNoAllowRuleIsSet() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(OAuthAuthenticator.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            OAuthAuthenticator.builder().issuer(java.net.URI.create("https://sso.example.org")).clientId("hub").build().close();
            OAuthAuthenticator.builder().issuer(java.net.URI.create("https://sso.example.org")).clientId("hub")
                    .groupsClaim("groups").allowedGroups(java.util.Set.of("staff")).build().close();
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).hasSize(1);
        assertThat(log.list.get(0).getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
        assertThat(log.list.get(0).getFormattedMessage()).contains("no allow rule is set").contains("nobody can log in");
    }
}
