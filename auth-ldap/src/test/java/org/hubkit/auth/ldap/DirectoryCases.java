package org.hubkit.auth.ldap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hubkit.auth.ldap.TestEntries.ADMINS;
import static org.hubkit.auth.ldap.TestEntries.DESIGNERS;
import static org.hubkit.auth.ldap.TestEntries.EVERYONE;
import static org.hubkit.auth.ldap.TestEntries.GROUPS;
import static org.hubkit.auth.ldap.TestEntries.PEOPLE;
import static org.hubkit.auth.ldap.TestEntries.POSIXERS;
import static org.hubkit.auth.ldap.TestEntries.STAFF;
import static org.hubkit.auth.ldap.TestEntries.password;

import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Credentials;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The login, membership, safety and refresh cases, run against each directory: slapd
 * ({@code SlapdIT}) and UnboundID's in-memory server standing in for Active Directory
 * ({@code AdStandInTest}). A case that changes entries puts them back.
 */
abstract class DirectoryCases {
    /** @return a builder pointing at the directory, without TLS, with DN template {@code uid={username},ou=people,...} */
    abstract LdapAuthenticator.Builder directory();

    /** @return a connection bound as the directory's root */
    abstract LDAPInterface admin() throws Exception;

    /** @return whether the directory evaluates AD's in-chain matching rule */
    abstract boolean hasInChainRule();

    /** @return simple binds the directory has seen so far, or -1 when it cannot tell */
    long bindsSeen() {
        return -1;
    }

    LdapAuthenticator.Builder templates() {
        return directory().bindDnTemplate(List.of("uid={username}," + PEOPLE)).allowAll(true);
    }

    LdapAuthenticator.Builder lookup() {
        return directory().lookupDn(true).userSearchBase(TestEntries.BASE).userAttribute("uid")
                .lookupDnSearchUser(TestEntries.SEARCH_DN).lookupDnSearchPassword(TestEntries.SEARCH_PASSWORD).allowAll(true);
    }

    static AuthResult login(LdapAuthenticator a, String user, String password) throws Exception {
        return await(a.authenticate(new Credentials(user, password, Map.of())));
    }

    static AuthResult with(LdapAuthenticator.Builder b, String user, String password) throws Exception {
        try (LdapAuthenticator a = b.build()) {
            return login(a, user, password);
        }
    }

    @Test
    void aGoodPasswordLogsInAndABadOneOrAnEmptyOneDoesNot() throws Exception {
        try (LdapAuthenticator a = templates().build()) {
            AuthResult ok = login(a, "alice", password("alice"));
            assertThat(ok.accepted()).as("%s", ok).isTrue();
            assertThat(ok.name()).isEqualTo("alice");
            assertThat(ok.authState()).containsEntry("ldap_dn", TestEntries.dn("alice"));
            assertThat(login(a, "alice", "wrong").accepted()).isFalse();
            assertThat(login(a, "alice", "").accepted()).isFalse();
            assertThat(login(a, "nobody", password("alice")).accepted()).isFalse();
        }
    }

    @Test
    void anEmptyPasswordNeverReachesABind() throws Exception {
        Assumptions.assumeTrue(bindsSeen() >= 0, "the directory does not count binds");
        try (LdapAuthenticator a = lookup().build()) {
            login(a, "alice", password("alice")); // the pool's connection and service bind
            long before = bindsSeen();
            assertThat(login(a, "alice", "").accepted()).isFalse();
            assertThat(login(a, "", "").accepted()).isFalse();
            assertThat(bindsSeen()).isEqualTo(before);
        }
    }

    @Test
    void anUnknownUserCostsOneBindLikeAWrongPassword() throws Exception {
        Assumptions.assumeTrue(bindsSeen() >= 0, "the directory does not count binds");
        try (LdapAuthenticator a = lookup().build()) {
            login(a, "alice", password("alice"));
            long start = bindsSeen();
            AuthResult wrong = login(a, "alice", "wrong password");
            long afterWrong = bindsSeen();
            AuthResult unknown = login(a, "nobody", "wrong password");
            long afterUnknown = bindsSeen();
            assertThat(wrong).usingRecursiveComparison().isEqualTo(unknown);
            assertThat(afterWrong - start).isEqualTo(afterUnknown - afterWrong);
        }
    }

    @Test
    void anUnknownUserAndAWrongPasswordTakeComparableTime() throws Exception {
        try (LdapAuthenticator a = lookup().build()) {
            login(a, "alice", password("alice"));
            long[] wrong = new long[25];
            long[] unknown = new long[25];
            for (int i = 0; i < wrong.length; i++) {
                long t0 = System.nanoTime();
                assertThat(login(a, "alice", "wrong password").accepted()).isFalse();
                long t1 = System.nanoTime();
                assertThat(login(a, "nobody" + (char) ('a' + i % 26), "wrong password").accepted()).isFalse();
                wrong[i] = t1 - t0;
                unknown[i] = System.nanoTime() - t1;
            }
            java.util.Arrays.sort(wrong);
            java.util.Arrays.sort(unknown);
            double ratio = (double) unknown[wrong.length / 2] / wrong[wrong.length / 2];
            System.out.printf("%s: median wrong password %.2f ms, median unknown user %.2f ms%n", getClass().getSimpleName(),
                    wrong[wrong.length / 2] / 1e6, unknown[unknown.length / 2] / 1e6);
            assertThat(ratio).as("median unknown user / median wrong password").isBetween(0.33, 3.0);
        }
    }

    @Test
    void theTemplatesAreTriedInOrder() throws Exception {
        LdapAuthenticator.Builder b = directory().allowAll(true)
                .bindDnTemplate(List.of("uid={username},ou=contractors," + TestEntries.BASE, "uid={username}," + PEOPLE));
        assertThat(with(b, "alice", password("alice")).accepted()).isTrue();
        assertThat(with(b, "twin", password("twin")).authState()).containsEntry("ldap_dn", "uid=twin,ou=contractors," + TestEntries.BASE);
    }

    @Test
    void lookupDnFindsTheEntryAndRefusesANameFoundTwice() throws Exception {
        AuthResult ok = with(lookup(), "alice", password("alice"));
        assertThat(ok.accepted()).isTrue();
        assertThat(ok.authState()).containsEntry("ldap_dn", TestEntries.dn("alice"));
        assertThat(with(lookup(), "twin", password("twin")).accepted()).as("two entries with uid twin").isFalse();
        assertThat(with(lookup(), "nobody", "x").accepted()).isFalse();
    }

    @Test
    void lookupDnCanLogInUnderAnotherAttribute() throws Exception {
        AuthResult ok = with(lookup().lookupDnSearchFilter("(mail={login})").lookupDnUserDnAttribute("uid")
                .validUsernameRegex("^[a-z@.]+$"), "bob@hubkit.test", password("bob"));
        assertThat(ok.accepted()).isTrue();
        assertThat(ok.name()).isEqualTo("bob");
    }

    @Test
    void eachMembershipKindCounts() throws Exception {
        LdapAuthenticator.Builder b = lookup().allowAll(false);
        assertThat(with(b.allowedGroups(Set.of(STAFF)), "alice", password("alice")).allowed()).as("groupOfNames").isTrue();
        assertThat(with(b.allowedGroups(Set.of(DESIGNERS)), "bob", password("bob")).allowed()).as("groupOfUniqueNames").isTrue();
        assertThat(with(b.allowedGroups(Set.of(POSIXERS)), "carol", password("carol")).allowed()).as("posixGroup").isTrue();
        AuthResult erin = with(b.allowedGroups(Set.of(STAFF, DESIGNERS, POSIXERS)), "erin", password("erin"));
        assertThat(erin.accepted()).isTrue();
        assertThat(erin.allowed()).as("in no group: the hub's own rules decide").isFalse();
    }

    @Test
    void nestedGroupsCountOnlyWhenAskedFor() throws Exception {
        LdapAuthenticator.Builder b = lookup().allowAll(false).allowedGroups(Set.of(EVERYONE));
        assertThat(with(b, "dave", password("dave")).allowed()).as("not nested").isFalse();
        assertThat(with(b.nestedGroups(LdapAuthenticator.NestedGroups.RECURSIVE), "dave", password("dave")).allowed())
                .as("recursive").isTrue();
        assertThat(with(b.nestedGroups(LdapAuthenticator.NestedGroups.RECURSIVE), "alice", password("alice")).allowed()).isFalse();
        if (hasInChainRule()) {
            b.nestedGroups(LdapAuthenticator.NestedGroups.IN_CHAIN);
            assertThat(with(b, "dave", password("dave")).allowed()).as("in chain").isTrue();
            assertThat(with(b, "alice", password("alice")).allowed()).isFalse();
        }
    }

    @Test
    void anAdminGroupMakesAdmins() throws Exception {
        LdapAuthenticator.Builder b = lookup().allowAll(false).adminGroups(Set.of(ADMINS)).allowedGroups(Set.of(DESIGNERS));
        AuthResult alice = with(b, "alice", password("alice"));
        assertThat(alice.admin()).contains(true);
        assertThat(alice.allowed()).isTrue();
        assertThat(with(b, "bob", password("bob")).admin()).contains(false);
    }

    @Test
    void manageGroupsGivesTheDirectorysGroupsAndAuthStateAttributesTheEntrys() throws Exception {
        AuthResult alice = with(lookup().manageGroups(true).groupSearchBase(GROUPS).authStateAttributes(List.of("mail", "cn")),
                "alice", password("alice"));
        assertThat(alice.groups()).containsExactlyInAnyOrder("staff", "admins");
        assertThat(alice.authState().get("ldap_attributes"))
                .isEqualTo(Map.of("mail", List.of("alice@hubkit.test"), "cn", List.of("alice")));
    }

    @Test
    void injectionInTheNameIsRefused() throws Exception {
        List<String> attempts = List.of("*", "alic*", ")(uid=*", "alice)(|(uid=*", "\\", "alice\\", "alice\0", "alice,cn=admin",
                "alice," + PEOPLE, "uid=alice," + PEOPLE);
        for (LdapAuthenticator.Builder b : List.of(templates(), lookup())) {
            try (LdapAuthenticator strict = b.build(); LdapAuthenticator open = b.validUsernameRegex("(?s).*").build()) {
                for (String name : attempts) {
                    assertThat(login(strict, name, password("alice")).accepted()).as("default regex: %s", name).isFalse();
                    assertThat(login(open, name, password("alice")).accepted()).as("escaped: %s", name).isFalse();
                }
                assertThat(login(open, "alice", password("alice")).accepted()).isTrue();
            }
        }
    }

    @Test
    void refreshReadsGroupsAgainAndRefusesAUserWhoLeftOrWasRemoved() throws Exception {
        try (LdapAuthenticator a = lookup().allowAll(false).allowedGroups(Set.of(STAFF)).adminGroups(Set.of(ADMINS)).build()) {
            AuthResult alice = login(a, "alice", password("alice"));
            UserInfo user = new UserInfo("alice", true, Set.of(), alice.authState());
            RefreshResult still = await(a.refresh(user));
            assertThat(still.valid()).isTrue();
            assertThat(still.admin()).contains(true);

            change(ADMINS, ModificationType.DELETE, "member", TestEntries.dn("alice"), () -> {
                RefreshResult notAdmin = await(a.refresh(user));
                assertThat(notAdmin.valid()).isTrue();
                assertThat(notAdmin.admin()).contains(false);
                change(STAFF, ModificationType.DELETE, "member", TestEntries.dn("alice"), () -> {
                    RefreshResult gone = await(a.refresh(user));
                    assertThat(gone.valid()).as("%s", gone).isFalse();
                });
            });
            UserInfo ghost = new UserInfo("ghost", false, Set.of(), Map.of("ldap_dn", "uid=ghost," + PEOPLE));
            assertThat(await(a.refresh(ghost)).valid()).isFalse();
        }
    }

    /** The stage's value, within 30 s. */
    static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    interface Body {
        void run() throws Exception;
    }

    /** Applies a change, runs {@code body}, and undoes the change. */
    void change(String dn, ModificationType type, String attribute, String value, Body body) throws Exception {
        LDAPInterface admin = admin();
        admin.modify(dn, new Modification(type, attribute, value));
        try {
            body.run();
        } finally {
            admin.modify(dn, new Modification(type == ModificationType.DELETE ? ModificationType.ADD : ModificationType.DELETE,
                    attribute, value));
        }
    }


}
