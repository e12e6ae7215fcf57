package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The module's public API names no Nimbus type (nor any of its own internal ones): Nimbus can change under it. */
class ApiSurfaceTest {
    @Test
    void noNimbusOrInternalTypeInThePublicApi() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : List.of(OAuthAuthenticator.class, OAuthAuthenticator.Builder.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers())) {
                    List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                    types.add(m.getGenericReturnType());
                    types.addAll(List.of(m.getGenericExceptionTypes()));
                    types.forEach(t -> check(leaks, c.getSimpleName() + "." + m.getName(), t));
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers())) {
                    List.of(k.getGenericParameterTypes()).forEach(t -> check(leaks, c.getSimpleName() + "()", t));
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    private static void check(List<String> leaks, String where, Type t) {
        String name = t.getTypeName();
        if (name.contains("com.nimbusds") || name.contains(".internal.")) {
            leaks.add(where + ": " + name);
        }
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
