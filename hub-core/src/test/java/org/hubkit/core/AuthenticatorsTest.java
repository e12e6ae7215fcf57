package org.hubkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Credentials;
import org.junit.jupiter.api.Test;

class AuthenticatorsTest {
    @Test
    void adminPasswordMakesAnAdminAndUserPasswordDoesNot() {
        SharedPasswordAuthenticator auth = SharedPasswordAuthenticator.builder().password("user-password")
                .adminPassword("an-admin-password-of-at-least-32-chars").accessRules(AccessRules.allowAllUsers()).build();
        AuthResult admin = auth.authenticate(new Credentials("a", "an-admin-password-of-at-least-32-chars", Map.of()))
                .toCompletableFuture().join();
        AuthResult user = auth.authenticate(new Credentials("b", "user-password", Map.of())).toCompletableFuture().join();
        assertThat(admin.accepted()).isTrue();
        assertThat(admin.admin()).contains(true);
        assertThat(user.accepted()).isTrue();
        assertThat(user.admin()).isEmpty();
    }

    @Test
    void sharedPasswordBuilderReportsEveryBadFieldAtOnce() {
        assertThatThrownBy(() -> SharedPasswordAuthenticator.builder().password("short").adminPassword("also-short").build())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anyMatch(p -> p.startsWith("password:"))
                        .anyMatch(p -> p.startsWith("adminPassword:")));
    }

    @Test
    void accessRulesFollowJupyterHubOrder() {
        AccessRules rules = AccessRules.allow(Set.of("alice", "mallory")).withBlocked(Set.of("mallory")).withAdmins(Set.of("root"));
        assertThat(rules.permits("alice", false)).isTrue();
        assertThat(rules.permits("mallory", true)).as("blocked wins over allowed and existing").isFalse();
        assertThat(rules.permits("root", false)).as("admins are allowed").isTrue();
        assertThat(rules.permits("eve", false)).isFalse();
        assertThat(rules.permits("eve", true)).as("users an admin added are allowed").isTrue();
        assertThat(new AccessRules(Set.of(), Set.of(), Set.of(), false, true).allowsAnyone()).isFalse();
    }
}
