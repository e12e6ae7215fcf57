package org.hubkit.auth.ldap.internal;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RoundRobinServerSet;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.hubkit.api.AuthResult;
import org.hubkit.api.HubException;
import org.hubkit.api.RefreshResult;
import org.hubkit.api.UserInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory behind an {@code LdapAuthenticator}: one connection pool (bound as the service
 * account, or anonymous), the executor every call runs on, and the bind, lookup and group
 * searches.
 *
 * <p>Locking: {@link #pool} is created on first use under {@code this}'s monitor and never
 * replaced; everything else is immutable. UnboundID's pool is itself thread-safe.
 */
public final class Directory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Directory.class);
    private static final String IN_CHAIN = "1.2.840.113556.1.4.1941";
    private static final int MAX_DEPTH = 8;
    private static final int MAX_GROUPS = 256;
    private static final String[] MEMBER_ATTRIBUTES = {"member", "uniqueMember"};

    /** Every setting, checked by the builder. Holds the service account's password: {@link #toString()} hides it. */
    public record Config(String id, List<String> hosts, boolean roundRobin, int port, String tls, Path caFile, boolean verifyHostname,
                         Duration connectTimeout, Duration responseTimeout, int poolSize, List<String> bindDnTemplates,
                         boolean lookupDn, String userSearchBase, String userAttribute, String lookupDnSearchFilter,
                         String searchUser, String searchPassword, String lookupDnUserDnAttribute, boolean useLookupDnUsername,
                         Pattern validUsername, Set<String> allowedGroups, Set<String> adminGroups, String groupSearchBase,
                         String groupSearchFilter, String nestedGroups, boolean manageGroups, List<String> authStateAttributes,
                         Set<String> adminUsers, Set<String> allowedUsers) {
        @Override
        public String toString() {
            return "Directory.Config[" + id + ", " + hosts + ":" + port + ", tls=" + tls + ", searchUser=" + searchUser + "]";
        }
    }

    /** A bound user: the DN that took the password and the name to log in under. */
    private record Bound(String dn, String name) {
    }

    private final Config config;
    private final ThreadPoolExecutor executor;
    private final String dummyDn;
    private LDAPConnectionPool pool;
    private boolean closed;

    public Directory(Config config) {
        this.config = config;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(config.poolSize(), config.poolSize(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "ldap-" + config.id() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String base = config.userSearchBase() != null ? config.userSearchBase() : "dc=invalid";
        this.dummyDn = "cn=hubkit-no-such-user-" + java.util.HexFormat.of().formatHex(random) + "," + base;
    }

    /** Adds a problem for each entry of {@code dns} that is not a DN. */
    public static void checkDns(List<String> problems, String field, Collection<String> dns) {
        for (String dn : dns) {
            if (dn == null || !DN.isValidDN(dn)) {
                problems.add(field + ": not a DN: " + dn);
            }
        }
    }

    /** @return whether allowed or admin groups decide who may log in */
    public boolean hasGroupRules() {
        return !config.allowedGroups().isEmpty() || !config.adminGroups().isEmpty();
    }

    /** Checks a typed name and password, on the executor. */
    public CompletionStage<AuthResult> authenticate(String typed, String password) {
        return submit(() -> {
            String username = typed == null ? "" : typed.strip();
            if (password == null || password.isEmpty() || username.isEmpty() || username.indexOf('\0') >= 0
                    || !config.validUsername().matcher(username).matches()) {
                return AuthResult.refused();
            }
            try {
                Optional<Bound> bound = bind(username, password);
                if (bound.isEmpty()) {
                    return AuthResult.refused();
                }
                return decide(bound.get().dn(), bound.get().name()).orElse(AuthResult.refused());
            } catch (LDAPException e) {
                throw failure("login", e);
            }
        });
    }

    /** Reads a logged-in user's entry and groups again with the service account, on the executor. */
    public CompletionStage<RefreshResult> refresh(UserInfo user) {
        return submit(() -> {
            try {
                Object storedDn = user.authState().get("ldap_dn");
                String dn = storedDn instanceof String s && entryExists(s) ? s : findDn(user.name()).orElse(null);
                if (dn == null) {
                    return RefreshResult.refused("no longer in the directory");
                }
                Optional<AuthResult> result = decide(dn, user.name());
                if (result.isEmpty()) {
                    return RefreshResult.refused("no longer in the directory");
                }
                AuthResult r = result.get();
                if (hasGroupRules() && !r.allowed() && !config.allowedUsers().contains(user.name())
                        && !config.adminUsers().contains(user.name())) {
                    return RefreshResult.refused("no longer in an allowed or admin group");
                }
                return RefreshResult.updated(r);
            } catch (LDAPException e) {
                throw failure("refresh", e);
            }
        });
    }

    private <T> CompletionStage<T> submit(Supplier<T> task) {
        try {
            return CompletableFuture.supplyAsync(task, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new HubException("LDAP authenticator " + config.id()
                    + ": too many logins waiting for the directory", e));
        }
    }

    private HubException failure(String what, LDAPException e) {
        // The message of an LDAPException never holds the bind password.
        LOG.warn("LDAP {} {}: the directory could not decide: {} {}", config.id(), what, e.getResultCode(), e.getMessage());
        return new HubException("LDAP " + what + " failed: " + e.getResultCode(), e);
    }

    /** Binds as the user; empty when the directory refuses the name or the password. */
    private Optional<Bound> bind(String username, String password) throws LDAPException {
        List<String> candidates = new ArrayList<>();
        String name = username;
        if (config.lookupDn()) {
            List<SearchResultEntry> found = lookup(username);
            if (found.size() != 1) {
                if (found.size() > 1) {
                    LOG.warn("LDAP {}: the lookup of a login name found {} entries: refused", config.id(), found.size());
                }
                tryBind(dummyDn, password); // the same work as for a known user with a wrong password
                return Optional.empty();
            }
            SearchResultEntry entry = found.get(0);
            String value = config.lookupDnUserDnAttribute() == null ? null : entry.getAttributeValue(config.lookupDnUserDnAttribute());
            if (config.lookupDnUserDnAttribute() != null && value == null) {
                tryBind(dummyDn, password);
                return Optional.empty();
            }
            if (value != null && config.useLookupDnUsername()) {
                name = value;
            }
            if (config.bindDnTemplates().isEmpty()) {
                candidates.add(entry.getDN());
            } else {
                for (String t : config.bindDnTemplates()) {
                    candidates.add(fill(t, value != null ? value : username));
                }
            }
        } else {
            for (String t : config.bindDnTemplates()) {
                candidates.add(fill(t, username));
            }
        }
        for (String dn : candidates) {
            if (tryBind(dn, password)) {
                return Optional.of(new Bound(dn, name));
            }
        }
        return Optional.empty();
    }

    /** A template with {@code {username}} replaced by the RFC 4514 escaped value. */
    static String fill(String template, String value) {
        String escaped = new RDN("x", value).toString().substring(2);
        return template.replace("{username}", escaped);
    }

    /** @return whether the DN took the password; throws when the directory cannot answer */
    private boolean tryBind(String dn, String password) throws LDAPException {
        if (password.isEmpty() || !DN.isValidDN(dn) || dn.isEmpty()) {
            return false;
        }
        try {
            pool().bindAndRevertAuthentication(new SimpleBindRequest(dn, password));
            return true;
        } catch (LDAPException e) {
            ResultCode c = e.getResultCode();
            if (c == ResultCode.INVALID_CREDENTIALS || c == ResultCode.NO_SUCH_OBJECT || c == ResultCode.INVALID_DN_SYNTAX
                    || c == ResultCode.UNWILLING_TO_PERFORM || c == ResultCode.INAPPROPRIATE_AUTHENTICATION) {
                return false;
            }
            throw e;
        }
    }

    private List<SearchResultEntry> lookup(String username) throws LDAPException {
        String filter = config.lookupDnSearchFilter().replace("{login_attr}", config.userAttribute())
                .replace("{login}", Filter.encodeValue(username));
        List<String> attributes = new ArrayList<>(List.of(config.userAttribute()));
        if (config.lookupDnUserDnAttribute() != null) {
            attributes.add(config.lookupDnUserDnAttribute());
        }
        SearchRequest request = new SearchRequest(config.userSearchBase(), SearchScope.SUB, Filter.create(filter),
                attributes.toArray(String[]::new));
        request.setSizeLimit(2);
        try {
            return pool().search(request).getSearchEntries();
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return List.of(new SearchResultEntry("", new Attribute[0]), new SearchResultEntry("", new Attribute[0]));
            }
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return List.of();
            }
            throw e;
        }
    }

    /** The DN of a logged-in user found again: by lookup, or the first template whose entry exists. */
    private Optional<String> findDn(String name) throws LDAPException {
        if (config.lookupDn()) {
            String attribute = config.useLookupDnUsername() && config.lookupDnUserDnAttribute() != null
                    ? config.lookupDnUserDnAttribute() : config.userAttribute();
            SearchRequest request = new SearchRequest(config.userSearchBase(), SearchScope.SUB,
                    Filter.createEqualityFilter(attribute, name), "1.1");
            request.setSizeLimit(2);
            try {
                List<SearchResultEntry> found = pool().search(request).getSearchEntries();
                return found.size() == 1 ? Optional.of(found.get(0).getDN()) : Optional.empty();
            } catch (LDAPException e) {
                if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT || e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                    return Optional.empty();
                }
                throw e;
            }
        }
        for (String t : config.bindDnTemplates()) {
            String dn = fill(t, name);
            if (entryExists(dn)) {
                return Optional.of(dn);
            }
        }
        return Optional.empty();
    }

    private boolean entryExists(String dn) throws LDAPException {
        return read(dn, "1.1") != null;
    }

    private SearchResultEntry read(String dn, String... attributes) throws LDAPException {
        if (!DN.isValidDN(dn)) {
            return null;
        }
        try {
            return pool().getEntry(dn, attributes);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return null;
            }
            throw e;
        }
    }

    /** Reads the user's groups and attributes; empty when the entry is gone (or unreadable). */
    private Optional<AuthResult> decide(String userDn, String name) throws LDAPException {
        String[] wanted = config.authStateAttributes().isEmpty() ? new String[] {"1.1"}
                : config.authStateAttributes().toArray(String[]::new);
        SearchResultEntry entry = read(userDn, wanted);
        if (entry == null) {
            return Optional.empty();
        }
        String uid = uidOf(userDn, name);
        Set<String> allowedOf = memberOf(config.allowedGroups(), userDn, uid, name);
        Set<String> adminOf = memberOf(config.adminGroups(), userDn, uid, name);
        boolean admin = !adminOf.isEmpty();
        boolean allowed = !allowedOf.isEmpty() || admin;
        Set<String> groups = null;
        if (config.manageGroups()) {
            Set<String> dns = new LinkedHashSet<>(allowedOf);
            dns.addAll(adminOf);
            if (config.groupSearchBase() != null) {
                dns.addAll(searchGroups(config.groupSearchBase(), userDn, uid, name));
            }
            groups = new TreeSet<>();
            for (String dn : dns) {
                groups.add(new DN(dn).getRDN().getAttributeValues()[0]);
            }
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("ldap_dn", userDn);
        if (!config.authStateAttributes().isEmpty()) {
            Map<String, Object> attrs = new LinkedHashMap<>();
            for (String a : config.authStateAttributes()) {
                String[] values = entry.getAttributeValues(a);
                if (values != null) {
                    attrs.put(a, List.of(values));
                }
            }
            state.put("ldap_attributes", attrs);
        }
        Optional<Boolean> adminFlag = config.adminGroups().isEmpty() ? Optional.empty()
                : Optional.of(admin || config.adminUsers().contains(name));
        return Optional.of(new AuthResult(true, name, adminFlag, groups, state, allowed));
    }

    /** The value of the user's RDN, for {@code memberUid}: what posixGroups list. */
    private static String uidOf(String userDn, String name) {
        try {
            return new DN(userDn).getRDN().getAttributeValues()[0];
        } catch (LDAPException e) {
            return name;
        }
    }

    private Filter memberFilter(String userDn, String uid, String name) throws LDAPException {
        String f = config.groupSearchFilter().replace("{userdn}", Filter.encodeValue(userDn)).replace("{uid}", Filter.encodeValue(uid))
                .replace("{username}", Filter.encodeValue(name));
        return Filter.create(f);
    }

    /** @return the groups of {@code groupDns} the user is a member of, nested ones counted as configured */
    private Set<String> memberOf(Set<String> groupDns, String userDn, String uid, String name) throws LDAPException {
        Set<String> of = new LinkedHashSet<>();
        for (String group : groupDns) {
            if (isMember(group, userDn, uid, name)) {
                of.add(group);
            }
        }
        return of;
    }

    private boolean isMember(String group, String userDn, String uid, String name) throws LDAPException {
        Filter direct = memberFilter(userDn, uid, name);
        if (config.nestedGroups().equals("IN_CHAIN")) {
            Filter chain = Filter.createORFilter(direct,
                    Filter.createExtensibleMatchFilter("member", IN_CHAIN, false, userDn));
            return matchesAt(group, chain);
        }
        if (!config.nestedGroups().equals("RECURSIVE")) {
            return matchesAt(group, direct);
        }
        // Top-down through member groups, each read once, bounded in depth and count.
        Set<String> seen = new HashSet<>();
        ArrayDeque<Map.Entry<String, Integer>> queue = new ArrayDeque<>();
        queue.add(Map.entry(group, 0));
        while (!queue.isEmpty() && seen.size() < MAX_GROUPS) {
            Map.Entry<String, Integer> next = queue.poll();
            String dn = next.getKey();
            if (!seen.add(normalized(dn))) {
                continue;
            }
            if (matchesAt(dn, direct)) {
                return true;
            }
            if (next.getValue() >= MAX_DEPTH) {
                continue;
            }
            SearchResultEntry g = read(dn, MEMBER_ATTRIBUTES);
            if (g == null) {
                continue;
            }
            for (String a : MEMBER_ATTRIBUTES) {
                String[] members = g.getAttributeValues(a);
                if (members != null) {
                    for (String m : members) {
                        queue.add(Map.entry(m, next.getValue() + 1));
                    }
                }
            }
        }
        return false;
    }

    private static String normalized(String dn) {
        try {
            return DN.normalize(dn);
        } catch (LDAPException e) {
            return dn;
        }
    }

    /** @return whether the entry {@code dn} itself matches {@code filter} (a base search) */
    private boolean matchesAt(String dn, Filter filter) throws LDAPException {
        if (!DN.isValidDN(dn)) {
            return false;
        }
        try {
            SearchResult r = pool().search(new SearchRequest(dn, SearchScope.BASE, filter, "1.1"));
            return r.getEntryCount() > 0;
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return false;
            }
            throw e;
        }
    }

    private List<String> searchGroups(String base, String userDn, String uid, String name) throws LDAPException {
        SearchRequest request = new SearchRequest(base, SearchScope.SUB, memberFilter(userDn, uid, name), "1.1");
        request.setSizeLimit(MAX_GROUPS);
        try {
            return pool().search(request).getSearchEntries().stream().map(SearchResultEntry::getDN).toList();
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return List.of();
            }
            throw e;
        }
    }

    private synchronized LDAPConnectionPool pool() throws LDAPException {
        if (closed) {
            throw new LDAPException(ResultCode.LOCAL_ERROR, "the authenticator is closed");
        }
        if (pool == null) {
            pool = createPool();
        }
        return pool;
    }

    private LDAPConnectionPool createPool() throws LDAPException {
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()));
        options.setResponseTimeoutMillis(config.responseTimeout().toMillis());
        options.setAbandonOnTimeout(true);
        if (config.verifyHostname()) {
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        }
        SSLUtil ssl = null;
        if (!config.tls().equals("insecure")) {
            X509TrustManager trust;
            try {
                trust = config.caFile() != null ? new PEMFileTrustManager(config.caFile().toFile()) : JVMDefaultTrustManager.getInstance();
            } catch (java.security.KeyStoreException e) {
                throw new LDAPException(ResultCode.LOCAL_ERROR, "caFile " + config.caFile() + " holds no usable certificate", e);
            }
            ssl = new SSLUtil(trust);
        }
        SocketFactory sockets = SocketFactory.getDefault();
        PostConnectProcessor startTls = null;
        try {
            if (config.tls().equals("on_connect")) {
                sockets = ssl.createSSLSocketFactory();
            } else if (config.tls().equals("before_bind")) {
                SSLContext context = ssl.createSSLContext();
                startTls = new StartTLSPostConnectProcessor(context);
            }
        } catch (GeneralSecurityException e) {
            throw new LDAPException(ResultCode.LOCAL_ERROR, "cannot set up TLS", e);
        }
        String[] hosts = config.hosts().toArray(String[]::new);
        int[] ports = new int[hosts.length];
        java.util.Arrays.fill(ports, config.port());
        ServerSet servers;
        if (hosts.length == 1) {
            servers = new SingleServerSet(hosts[0], ports[0], sockets, options);
        } else if (config.roundRobin()) {
            servers = new RoundRobinServerSet(hosts, ports, sockets, options);
        } else {
            servers = new FailoverServerSet(hosts, ports, sockets, options);
        }
        BindRequest serviceBind = config.searchUser() == null ? null : new SimpleBindRequest(config.searchUser(), config.searchPassword());
        LDAPConnectionPool p = new LDAPConnectionPool(servers, serviceBind, 1, config.poolSize(), startTls, true);
        p.setConnectionPoolName("hubkit-ldap-" + config.id());
        p.setRetryFailedOperationsDueToInvalidConnections(true);
        p.setMaxWaitTimeMillis(config.responseTimeout().toMillis());
        p.setCreateIfNecessary(true);
        LOG.info("LDAP {}: connected to {} port {} ({})", config.id(), config.hosts(), config.port(), config.tls());
        return p;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        synchronized (this) {
            closed = true;
            if (pool != null) {
                pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
