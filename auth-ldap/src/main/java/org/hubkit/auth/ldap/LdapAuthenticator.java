package org.hubkit.auth.ldap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.hubkit.api.AccessRules;
import org.hubkit.api.AuthResult;
import org.hubkit.api.Authenticator;
import org.hubkit.api.ConfigException;
import org.hubkit.api.Credentials;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.hubkit.auth.ldap.internal.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs people in by binding to an LDAP directory (OpenLDAP, Active Directory) as them, with the
 * options of JupyterHub's ldapauthenticator 2.0: a DN built from {@code bindDnTemplate}s or looked
 * up with a service account ({@code lookupDn}), StartTLS or LDAPS with certificates and host names
 * checked, allowed and admin groups read with the service account (nested groups too), and a
 * {@link #refresh} that reads them again.
 *
 * <p><b>Threads.</b> {@link #authenticate} and {@link #refresh} never block their caller: each runs
 * on this authenticator's own bounded executor ({@code poolSize} threads, a queue of 256), and
 * completes there; a full queue fails the call at once. Every LDAP operation is bounded by
 * {@code responseTimeout}, so a directory that stops answering fails a login after at most twice
 * that time (the pool retries once on a fresh connection) and never holds a hub thread. The authenticator is thread-safe; {@link #close()} ends its threads
 * and connections.
 *
 * <p><b>Safety.</b> An empty password is refused before any bind (no anonymous login). The name
 * must match {@code validUsernameRegex} and is escaped for DNs (RFC 4514) and filters (RFC 4515)
 * with the UnboundID SDK's own encoders. An unknown user and a wrong password get the same
 * refusal, and both cost one bind (a lookup that finds nobody binds to a DN that does not exist).
 * Passwords are never logged.
 *
 * @since 0.3
 */
public final class LdapAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(LdapAuthenticator.class);

    /** How the connection is protected. */
    public enum TlsStrategy {
        /** StartTLS on a plain connection, before any bind (the default). */
        BEFORE_BIND,
        /** TLS from the first byte (LDAPS, port 636 by default). */
        ON_CONNECT,
        /** No TLS: passwords cross the network in clear. Only for a directory on the same machine. */
        INSECURE
    }

    /** Which server of several a new connection goes to. */
    public enum ServerPoolStrategy {
        /** The first that answers, in the order given (the default). */
        FAILOVER,
        /** Each in turn. */
        ROUND_ROBIN
    }

    /** How membership of groups inside groups is found. */
    public enum NestedGroups {
        /** Only direct members (the default). */
        NONE,
        /** Active Directory's {@code LDAP_MATCHING_RULE_IN_CHAIN} ({@code 1.2.840.113556.1.4.1941}). */
        IN_CHAIN,
        /** Reads member groups level by level, at most 8 levels and 256 groups: for directories without the rule. */
        RECURSIVE
    }

    private final String id;
    private final AccessRules rules;
    private final Directory directory;

    private LdapAuthenticator(Builder b, Directory directory) {
        this.id = b.id;
        this.rules = new AccessRules(Set.copyOf(b.allowedUsers), Set.copyOf(b.blockedUsers), Set.copyOf(b.adminUsers), b.allowAll,
                b.allowExistingUsers);
        this.directory = directory;
        if (!rules.allowsAnyone() && b.allowedGroups.isEmpty() && b.adminGroups.isEmpty()) {
            LOG.warn("Authenticator {}: no allow rule is set (allowedUsers, allowedGroups, adminUsers, adminGroups, allowAll): "
                    + "nobody can log in through it{}", id, b.allowExistingUsers ? " except users an admin adds" : "");
        }
    }

    /** @return a builder; {@code serverAddress} and one of {@code bindDnTemplate} or {@code lookupDn} are required */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<AuthResult> authenticate(Credentials credentials) {
        return directory.authenticate(credentials.username(), credentials.password());
    }

    @Override
    public CompletionStage<RefreshResult> refresh(UserInfo user) {
        return directory.refresh(user);
    }

    @Override
    public AccessRules accessRules() {
        return rules;
    }

    @Override
    public boolean hasOwnAllowRules() {
        return directory.hasGroupRules();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return "LDAP";
    }

    @Override
    public void close() {
        directory.close();
    }

    /**
     * Collects the settings; {@link #build()} checks every field and names each bad one in one
     * {@link ConfigException}. Not thread-safe; build once.
     */
    public static final class Builder {
        private String id = "default";
        private final List<String> serverAddress = new ArrayList<>();
        private ServerPoolStrategy serverPoolStrategy = ServerPoolStrategy.FAILOVER;
        private Integer serverPort;
        private TlsStrategy tlsStrategy = TlsStrategy.BEFORE_BIND;
        private Path caFile;
        private boolean verifyHostname = true;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration responseTimeout = Duration.ofSeconds(10);
        private int poolSize = 8;
        private final List<String> bindDnTemplate = new ArrayList<>();
        private boolean lookupDn;
        private String userSearchBase;
        private String userAttribute = "uid";
        private String lookupDnSearchFilter = "({login_attr}={login})";
        private String lookupDnSearchUser;
        private String lookupDnSearchPassword;
        private String lookupDnUserDnAttribute;
        private boolean useLookupDnUsername = true;
        private String validUsernameRegex = "^[a-z][.a-z0-9_-]*$";
        private final Set<String> allowedGroups = new LinkedHashSet<>();
        private final Set<String> adminGroups = new LinkedHashSet<>();
        private String groupSearchBase;
        private String groupSearchFilter = "(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))";
        private NestedGroups nestedGroups = NestedGroups.NONE;
        private boolean manageGroups;
        private final List<String> authStateAttributes = new ArrayList<>();
        private Set<String> allowedUsers = Set.of();
        private Set<String> blockedUsers = Set.of();
        private Set<String> adminUsers = Set.of();
        private boolean allowAll;
        private boolean allowExistingUsers;

        private Builder() {
        }

        /** @param id this login's id in a hub with several; {@code default} by default @return this */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** @param hosts one host name or address, or several (see {@link #serverPoolStrategy}) @return this */
        public Builder serverAddress(List<String> hosts) {
            serverAddress.clear();
            serverAddress.addAll(hosts);
            return this;
        }

        /** @param host the directory's host name or address @return this */
        public Builder serverAddress(String host) {
            return serverAddress(List.of(host));
        }

        /** @param strategy how several {@code serverAddress}es are used; failover by default @return this */
        public Builder serverPoolStrategy(ServerPoolStrategy strategy) {
            this.serverPoolStrategy = strategy;
            return this;
        }

        /** @param port the port; 389, or 636 with {@link TlsStrategy#ON_CONNECT}, by default @return this */
        public Builder serverPort(int port) {
            this.serverPort = port;
            return this;
        }

        /** @param strategy StartTLS (default), LDAPS or none @return this */
        public Builder tlsStrategy(TlsStrategy strategy) {
            this.tlsStrategy = strategy;
            return this;
        }

        /** @param file PEM certificates of the CAs to trust instead of the JDK's @return this */
        public Builder caFile(Path file) {
            this.caFile = file;
            return this;
        }

        /** @param verify whether the certificate must name {@code serverAddress}; true by default @return this */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /** @param timeout how long to wait for a TCP (and TLS) connection; 5 s by default @return this */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** @param timeout how long to wait for each answer of the directory; 10 s by default @return this */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = timeout;
            return this;
        }

        /** @param size connections kept open, and threads of the executor; 8 by default @return this */
        public Builder poolSize(int size) {
            this.poolSize = size;
            return this;
        }

        /** @param templates DNs with {@code {username}}, tried in order until one bind succeeds @return this */
        public Builder bindDnTemplate(List<String> templates) {
            bindDnTemplate.clear();
            bindDnTemplate.addAll(templates);
            return this;
        }

        /** @param lookup look the user's DN up under {@code userSearchBase} before binding @return this */
        public Builder lookupDn(boolean lookup) {
            this.lookupDn = lookup;
            return this;
        }

        /** @param base where users are searched ({@code ou=people,dc=example,dc=org}) @return this */
        public Builder userSearchBase(String base) {
            this.userSearchBase = base;
            return this;
        }

        /** @param attribute the attribute holding the login name; {@code uid} by default ({@code sAMAccountName} in AD) @return this */
        public Builder userAttribute(String attribute) {
            this.userAttribute = attribute;
            return this;
        }

        /** @param filter the lookup's filter, with {@code {login_attr}} and {@code {login}} (escaped) @return this */
        public Builder lookupDnSearchFilter(String filter) {
            this.lookupDnSearchFilter = filter;
            return this;
        }

        /** @param dn the service account that searches (users, groups); anonymous when not set @return this */
        public Builder lookupDnSearchUser(String dn) {
            this.lookupDnSearchUser = dn;
            return this;
        }

        /** @param password the service account's password; never logged @return this */
        public Builder lookupDnSearchPassword(String password) {
            this.lookupDnSearchPassword = password;
            return this;
        }

        /** @param attribute an attribute of the found entry put into {@code bindDnTemplate}s instead of the typed name @return this */
        public Builder lookupDnUserDnAttribute(String attribute) {
            this.lookupDnUserDnAttribute = attribute;
            return this;
        }

        /** @param use log in under {@code lookupDnUserDnAttribute}'s value instead of the typed name; true by default @return this */
        public Builder useLookupDnUsername(boolean use) {
            this.useLookupDnUsername = use;
            return this;
        }

        /** @param regex what a typed name must match (all of it); ldapauthenticator's {@code ^[a-z][.a-z0-9_-]*$} by default @return this */
        public Builder validUsernameRegex(String regex) {
            this.validUsernameRegex = regex;
            return this;
        }

        /** @param dns DNs of groups whose members may log in @return this */
        public Builder allowedGroups(Set<String> dns) {
            allowedGroups.clear();
            allowedGroups.addAll(dns);
            return this;
        }

        /** @param dns DNs of groups whose members are admins (and may log in) @return this */
        public Builder adminGroups(Set<String> dns) {
            adminGroups.clear();
            adminGroups.addAll(dns);
            return this;
        }

        /** @param base where {@code manageGroups} finds every group of a user; none by default @return this */
        public Builder groupSearchBase(String base) {
            this.groupSearchBase = base;
            return this;
        }

        /** @param filter what makes an entry a group of the user, with {@code {userdn}}, {@code {uid}} and {@code {username}} @return this */
        public Builder groupSearchFilter(String filter) {
            this.groupSearchFilter = filter;
            return this;
        }

        /** @param nested how groups inside groups count; none by default @return this */
        public Builder nestedGroups(NestedGroups nested) {
            this.nestedGroups = nested;
            return this;
        }

        /** @param manage make the user's hub groups the {@code cn}s of their directory groups @return this */
        public Builder manageGroups(boolean manage) {
            this.manageGroups = manage;
            return this;
        }

        /** @param attributes attributes of the user's entry kept in the auth state (under {@code ldap_attributes}) @return this */
        public Builder authStateAttributes(List<String> attributes) {
            authStateAttributes.clear();
            authStateAttributes.addAll(attributes);
            return this;
        }

        /** @param names user names allowed to log in @return this */
        public Builder allowedUsers(Set<String> names) {
            this.allowedUsers = Set.copyOf(names);
            return this;
        }

        /** @param names user names never allowed @return this */
        public Builder blockedUsers(Set<String> names) {
            this.blockedUsers = Set.copyOf(names);
            return this;
        }

        /** @param names user names made admins @return this */
        public Builder adminUsers(Set<String> names) {
            this.adminUsers = Set.copyOf(names);
            return this;
        }

        /** @param allow allow everyone the directory authenticates @return this */
        public Builder allowAll(boolean allow) {
            this.allowAll = allow;
            return this;
        }

        /** @param allow also allow users already in the hub @return this */
        public Builder allowExistingUsers(boolean allow) {
            this.allowExistingUsers = allow;
            return this;
        }

        /** @return the authenticator; it connects on first use @throws ConfigException naming every bad field */
        public LdapAuthenticator build() {
            List<String> problems = new ArrayList<>();
            if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) {
                problems.add("id: must be 1-64 letters, digits, '-' or '_', got " + id);
            }
            if (serverAddress.isEmpty() || serverAddress.stream().anyMatch(h -> h == null || h.isBlank() || h.contains("/"))) {
                problems.add("serverAddress: one host name or address, or a list of them, required");
            }
            if (serverPort != null && (serverPort < 1 || serverPort > 65535)) {
                problems.add("serverPort: must be 1-65535, got " + serverPort);
            }
            if (tlsStrategy == null) {
                problems.add("tlsStrategy: required");
            }
            if (serverPoolStrategy == null) {
                problems.add("serverPoolStrategy: required");
            }
            if (caFile != null && !Files.isReadable(caFile)) {
                problems.add("caFile: cannot read " + caFile);
            }
            if (caFile != null && tlsStrategy == TlsStrategy.INSECURE) {
                problems.add("caFile: not used with tlsStrategy insecure");
            }
            positive(problems, "connectTimeout", connectTimeout);
            positive(problems, "responseTimeout", responseTimeout);
            if (poolSize < 1 || poolSize > 256) {
                problems.add("poolSize: must be 1-256, got " + poolSize);
            }
            if (!lookupDn && bindDnTemplate.isEmpty()) {
                problems.add("bindDnTemplate: required unless lookupDn is true");
            }
            for (String t : bindDnTemplate) {
                if (t == null || !t.contains("{username}")) {
                    problems.add("bindDnTemplate: each template must hold {username}, got " + t);
                }
            }
            if (lookupDn) {
                if (blank(userSearchBase)) {
                    problems.add("userSearchBase: required with lookupDn");
                }
                if (blank(userAttribute)) {
                    problems.add("userAttribute: required with lookupDn");
                }
                if (blank(lookupDnSearchFilter) || !lookupDnSearchFilter.contains("{login}")) {
                    problems.add("lookupDnSearchFilter: must hold {login}, got " + lookupDnSearchFilter);
                }
            }
            if (blank(lookupDnSearchUser) != blank(lookupDnSearchPassword)) {
                problems.add("lookupDnSearchPassword: lookupDnSearchUser and lookupDnSearchPassword go together");
            }
            if (blank(groupSearchFilter) || !groupSearchFilter.contains("{")) {
                problems.add("groupSearchFilter: must hold {userdn}, {uid} or {username}, got " + groupSearchFilter);
            }
            if (manageGroups && blank(groupSearchBase) && allowedGroups.isEmpty() && adminGroups.isEmpty()) {
                problems.add("manageGroups: needs groupSearchBase, allowedGroups or adminGroups to find groups in");
            }
            if (nestedGroups == null) {
                problems.add("nestedGroups: required");
            }
            Pattern regex = null;
            try {
                regex = Pattern.compile(validUsernameRegex == null ? "" : validUsernameRegex);
            } catch (PatternSyntaxException e) {
                problems.add("validUsernameRegex: not a regular expression: " + e.getDescription());
            }
            Directory.checkDns(problems, "allowedGroups", allowedGroups);
            Directory.checkDns(problems, "adminGroups", adminGroups);
            Directory.checkDns(problems, "userSearchBase", userSearchBase == null ? List.of() : List.of(userSearchBase));
            Directory.checkDns(problems, "groupSearchBase", groupSearchBase == null ? List.of() : List.of(groupSearchBase));
            Directory.checkDns(problems, "lookupDnSearchUser", blank(lookupDnSearchUser) ? List.of() : List.of(lookupDnSearchUser));
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            int port = serverPort != null ? serverPort : tlsStrategy == TlsStrategy.ON_CONNECT ? 636 : 389;
            Directory.Config config = new Directory.Config(id, List.copyOf(serverAddress), serverPoolStrategy == ServerPoolStrategy.ROUND_ROBIN,
                    port, tlsStrategy.name().toLowerCase(Locale.ROOT), caFile, verifyHostname, connectTimeout, responseTimeout, poolSize,
                    List.copyOf(bindDnTemplate), lookupDn, userSearchBase, userAttribute, lookupDnSearchFilter,
                    blank(lookupDnSearchUser) ? null : lookupDnSearchUser, blank(lookupDnSearchUser) ? null : lookupDnSearchPassword,
                    blank(lookupDnUserDnAttribute) ? null : lookupDnUserDnAttribute, useLookupDnUsername, regex,
                    Set.copyOf(allowedGroups), Set.copyOf(adminGroups), blank(groupSearchBase) ? null : groupSearchBase,
                    groupSearchFilter, nestedGroups.name(), manageGroups, List.copyOf(authStateAttributes), Set.copyOf(adminUsers),
                    Set.copyOf(allowedUsers));
            return new LdapAuthenticator(this, new Directory(config));
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }

        private static void positive(List<String> problems, String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                problems.add(field + ": must be a positive duration, got " + d);
            }
        }
    }

    @Override
    public String toString() {
        return "LdapAuthenticator[" + id + "]";
    }
}
