package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A user's scopes are expanded on first use, kept while nothing changes, and follow {@code admin}. */
class UserStateTest {

    @Test
    void scopesAreExpandedOnFirstUseKeptAndFollowTheAdminFlag() {
        UserState u = new UserState("alice", false, Instant.now(), null, Set.of(), Map.of());
        Set<String> first = u.scopes();
        assertThat(first).isEqualTo(Scopes.forUser("alice", false)).contains("read:users!user=alice")
                .doesNotContain("admin:users");
        assertThat(u.scopes()).as("the same set until something changes").isSameAs(first);

        u.admin = true; // as HubEngine.setAdmin does, before refreshScopes()
        assertThat(u.scopes()).as("even before refreshScopes(), the set made for admin=false is not used")
                .isEqualTo(Scopes.forUser("alice", true)).contains("admin:users");
        u.refreshScopes();
        Set<String> admin = u.scopes();
        assertThat(admin).isEqualTo(Scopes.forUser("alice", true)).isNotSameAs(first);
        assertThat(u.scopes()).isSameAs(admin);
    }
}
