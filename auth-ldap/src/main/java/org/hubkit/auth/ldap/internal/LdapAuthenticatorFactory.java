package org.hubkit.auth.ldap.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.hubkit.api.AccessRules;
import org.hubkit.api.Authenticator;
import org.hubkit.api.AuthenticatorFactory;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.auth.ldap.LdapAuthenticator;

/**
 * {@code auth.type: ldap}: {@link LdapAuthenticator}. Every key is the builder's field of the same
 * name; {@code serverAddress} and {@code bindDnTemplate} take a string or a list; the enums are
 * written in lower case ({@code before_bind}, {@code round_robin}, {@code in_chain}).
 */
public final class LdapAuthenticatorFactory implements AuthenticatorFactory {
    @Override
    public String type() {
        return "ldap";
    }

    @Override
    public Configured<Authenticator> configure(ConfigNode node, ConfigContext context) {
        LdapAuthenticator.Builder b = LdapAuthenticator.builder();
        b.id(node.string("id", "ldap"));
        b.serverAddress(stringOrList(node, "serverAddress"));
        b.serverPoolStrategy(LdapAuthenticator.ServerPoolStrategy.valueOf(
                node.oneOf("serverPoolStrategy", "failover", List.of("failover", "round_robin")).toUpperCase(Locale.ROOT)));
        if (node.has("serverPort")) {
            b.serverPort(node.integer("serverPort", 389, 1, 65535));
        }
        b.tlsStrategy(LdapAuthenticator.TlsStrategy.valueOf(
                node.oneOf("tlsStrategy", "before_bind", List.of("before_bind", "on_connect", "insecure")).toUpperCase(Locale.ROOT)));
        Path ca = node.path("caFile", null);
        if (ca != null) {
            b.caFile(ca);
        }
        b.verifyHostname(node.bool("verifyHostname", true));
        b.connectTimeout(node.seconds("connectTimeout", Duration.ofSeconds(5)));
        b.responseTimeout(node.seconds("responseTimeout", Duration.ofSeconds(10)));
        b.poolSize(node.integer("poolSize", 8, 1, 256));
        b.bindDnTemplate(stringOrList(node, "bindDnTemplate"));
        b.lookupDn(node.bool("lookupDn", false));
        b.userSearchBase(node.string("userSearchBase", null));
        b.userAttribute(node.string("userAttribute", "uid"));
        b.lookupDnSearchFilter(node.string("lookupDnSearchFilter", "({login_attr}={login})"));
        b.lookupDnSearchUser(node.string("lookupDnSearchUser", null));
        b.lookupDnSearchPassword(node.secret("lookupDnSearchPassword", context.environment().get("LDAP_SEARCH_PASSWORD")));
        b.lookupDnUserDnAttribute(node.string("lookupDnUserDnAttribute", null));
        b.useLookupDnUsername(node.bool("useLookupDnUsername", true));
        b.validUsernameRegex(node.string("validUsernameRegex", "^[a-z][.a-z0-9_-]*$"));
        b.allowedGroups(groupDns(node, "allowedGroups"));
        b.adminGroups(groupDns(node, "adminGroups"));
        b.groupSearchBase(node.string("groupSearchBase", null));
        b.groupSearchFilter(node.string("groupSearchFilter", "(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))"));
        b.nestedGroups(LdapAuthenticator.NestedGroups.valueOf(
                node.oneOf("nestedGroups", "none", List.of("none", "in_chain", "recursive")).toUpperCase(Locale.ROOT)));
        b.manageGroups(node.bool("manageGroups", false));
        b.authStateAttributes(node.strings("authStateAttributes"));
        AccessRules rules = AccessRules.fromConfig(node, false);
        b.allowedUsers(rules.allowedUsers()).blockedUsers(rules.blockedUsers()).adminUsers(rules.adminUsers()).allowAll(rules.allowAll());
        b.allowExistingUsers(node.bool("allowExistingUsers", false));
        return b::build;
    }

    /**
     * Group DNs. In a YAML flow list ({@code [cn=a,dc=example,dc=org]}) the commas split a DN into
     * one-part pieces, each a valid DN: a one-part group DN is reported as that mistake.
     */
    private static LinkedHashSet<String> groupDns(ConfigNode node, String key) {
        List<String> dns = node.strings(key);
        for (int i = 0; i < dns.size(); i++) {
            String dn = dns.get(i);
            try {
                if (new com.unboundid.ldap.sdk.DN(dn).getRDNs().length == 1 && dns.size() > 1) {
                    node.problem(key + "[" + i + "]", "'" + dn + "' is a DN of one part: in a [...] list the commas"
                            + " split each DN, so quote every DN or write the list one entry per line");
                    return new LinkedHashSet<>();
                }
            } catch (com.unboundid.ldap.sdk.LDAPException e) {
                // the builder names it
            }
        }
        return new LinkedHashSet<>(dns);
    }

    /** A key that takes one string or a list of strings. */
    private static List<String> stringOrList(ConfigNode node, String key) {
        Object v = node.value(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list && list.stream().allMatch(e -> e instanceof String)) {
            return list.stream().map(String.class::cast).toList();
        }
        node.problem(key, "must be a string or a list of strings");
        return List.of();
    }
}
