package org.hubkit.auth.ldap;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldif.LDIFReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/**
 * The directory every test logs in against, the same in slapd and in UnboundID's in-memory
 * server: people under {@code ou=people} (and one name twice, under {@code ou=contractors}), a
 * service account, and a group of each membership kind, one of them nested in another.
 */
final class TestEntries {
    static final String BASE = "dc=hubkit,dc=test";
    static final String PEOPLE = "ou=people," + BASE;
    static final String GROUPS = "ou=groups," + BASE;
    static final String ADMIN_DN = "cn=admin," + BASE;
    static final String ADMIN_PASSWORD = "directory-root-password";
    static final String SEARCH_DN = "cn=search," + BASE;
    static final String SEARCH_PASSWORD = "service-account-password";
    static final String STAFF = "cn=staff," + GROUPS;             // groupOfNames: alice
    static final String ADMINS = "cn=admins," + GROUPS;           // groupOfNames: alice
    static final String DESIGNERS = "cn=designers," + GROUPS;     // groupOfUniqueNames: bob
    static final String POSIXERS = "cn=posixers," + GROUPS;       // posixGroup: memberUid carol
    static final String TEAM = "cn=team," + GROUPS;               // groupOfNames: dave
    static final String EVERYONE = "cn=everyone," + GROUPS;       // groupOfNames: the team group (nested)

    private TestEntries() {
    }

    static String password(String uid) {
        return uid + "-password-1";
    }

    static String dn(String uid) {
        return "uid=" + uid + "," + PEOPLE;
    }

    static String ldif() {
        StringBuilder s = new StringBuilder();
        s.append("dn: ").append(BASE).append("\nobjectClass: dcObject\nobjectClass: organization\ndc: hubkit\no: Hubkit tests\n\n");
        for (String ou : new String[] {"people", "contractors", "groups"}) {
            s.append("dn: ou=").append(ou).append(',').append(BASE).append("\nobjectClass: organizationalUnit\nou: ").append(ou).append("\n\n");
        }
        s.append("dn: ").append(SEARCH_DN).append("\nobjectClass: inetOrgPerson\ncn: search\nsn: search\nuserPassword: ")
                .append(SEARCH_PASSWORD).append("\n\n");
        for (String uid : new String[] {"alice", "bob", "carol", "dave", "erin", "twin"}) {
            s.append(person(uid, PEOPLE));
        }
        s.append(person("twin", "ou=contractors," + BASE));
        // The service account too: slapd's schema wants a groupOfNames to keep a member when a test removes alice.
        s.append("dn: ").append(STAFF).append("\nobjectClass: groupOfNames\ncn: staff\nmember: ").append(dn("alice"))
                .append("\nmember: ").append(SEARCH_DN).append("\n\n");
        s.append("dn: ").append(ADMINS).append("\nobjectClass: groupOfNames\ncn: admins\nmember: ").append(dn("alice"))
                .append("\nmember: ").append(SEARCH_DN).append("\n\n");
        s.append("dn: ").append(DESIGNERS).append("\nobjectClass: groupOfUniqueNames\ncn: designers\nuniqueMember: ")
                .append(dn("bob")).append("\n\n");
        s.append("dn: ").append(POSIXERS).append("\nobjectClass: posixGroup\ncn: posixers\ngidNumber: 5000\nmemberUid: carol\n\n");
        s.append("dn: ").append(TEAM).append("\nobjectClass: groupOfNames\ncn: team\nmember: ").append(dn("dave")).append("\n\n");
        s.append("dn: ").append(EVERYONE).append("\nobjectClass: groupOfNames\ncn: everyone\nmember: ").append(TEAM).append("\n\n");
        return s.toString();
    }

    private static String person(String uid, String under) {
        return "dn: uid=" + uid + "," + under + "\nobjectClass: inetOrgPerson\nuid: " + uid + "\ncn: " + uid + "\nsn: " + uid
                + "\nmail: " + uid + "@hubkit.test\nuserPassword: " + password(uid) + "\n\n";
    }

    /** Adds every entry through {@code directory} (bound as its root). */
    static void load(LDAPInterface directory) throws Exception {
        try (LDIFReader reader = new LDIFReader(new ByteArrayInputStream(ldif().getBytes(StandardCharsets.UTF_8)))) {
            Entry e;
            while ((e = reader.readEntry()) != null) {
                try {
                    directory.add(e);
                } catch (LDAPException ex) {
                    throw new AssertionError("adding " + e.getDN() + ": " + ex.getMessage(), ex);
                }
            }
        }
    }
}
