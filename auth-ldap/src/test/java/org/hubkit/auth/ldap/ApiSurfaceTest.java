package org.hubkit.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hubkit.api.ConfigException;
import org.hubkit.testkit.PublicApi;
import org.junit.jupiter.api.Test;

/** The public API names no UnboundID type (nor an internal one); the builder names every bad field; start-up warns when nobody can log in. */
class ApiSurfaceTest {
    @Test
    void noUnboundIdOrInternalTypeInThePublicApi() {
        List<String> leaks = PublicApi.signaturesNaming(List.of(LdapAuthenticator.class, LdapAuthenticator.Builder.class),
                List.of("com.unboundid", ".internal."));
        for (Class<?> c : List.of(LdapAuthenticator.class, LdapAuthenticator.Builder.class)) {
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                assertThat(Modifier.isPublic(k.getModifiers())).as("%s has no public constructor", c).isFalse();
            }
        }
        assertThat(leaks).isEmpty();
    }

    @Test
    void buildNamesEveryBadFieldAtOnceWithoutTheServicePassword() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> LdapAuthenticator.builder()
                .serverPort(0).responseTimeout(Duration.ZERO).bindDnTemplate(List.of("uid=x,dc=example"))
                .allowedGroups(Set.of("not a dn")).validUsernameRegex("(").lookupDnSearchUser("cn=svc,dc=example")
                .lookupDnSearchPassword("not-in-any-message").build());
        assertThat(e.getMessage()).contains("serverAddress:").contains("serverPort:").contains("responseTimeout:")
                .contains("bindDnTemplate: each template must hold {username}").contains("allowedGroups: not a DN")
                .contains("validUsernameRegex:").doesNotContain("not-in-any-message");
    }

    @Test
    void startUpSaysWhenNoAllowRuleIsSet() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LdapAuthenticator.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            LdapAuthenticator.Builder b = LdapAuthenticator.builder().serverAddress("ldap.example.org")
                    .bindDnTemplate(List.of("uid={username},dc=example"));
            b.build().close();
            b.allowedGroups(Set.of("cn=staff,dc=example")).build().close();
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).hasSize(1);
        assertThat(log.list.get(0).getFormattedMessage()).contains("no allow rule is set").contains("nobody can log in");
    }
}
