package org.hubkit.auth.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSimpleBindRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * UnboundID's in-memory directory server with {@link TestEntries}, standing in for Active
 * Directory where slapd cannot: an interceptor evaluates AD's {@code LDAP_MATCHING_RULE_IN_CHAIN}
 * ({@code member:1.2.840.113556.1.4.1941:=<dn>}), which neither slapd nor the in-memory server
 * implements, by rewriting it into the groups that contain the DN transitively. It is a stand-in
 * for that one rule, not for the rest of AD. It also counts simple binds, so that a test can see
 * the work a refused login did.
 */
final class AdStandIn implements AutoCloseable {
    static final String IN_CHAIN = "1.2.840.113556.1.4.1941";
    final InMemoryDirectoryServer server;
    final AtomicInteger binds = new AtomicInteger();

    AdStandIn() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(TestEntries.BASE);
        config.addAdditionalBindCredentials(TestEntries.ADMIN_DN, TestEntries.ADMIN_PASSWORD);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0, null));
        config.setSchema(null); // posixGroup is not in its default schema
        config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
            @Override
            public void processSimpleBindRequest(InMemoryInterceptedSimpleBindRequest request) {
                binds.incrementAndGet();
            }

            @Override
            public void processSearchRequest(InMemoryInterceptedSearchRequest request) throws LDAPException {
                Filter f = request.getRequest().getFilter();
                Filter rewritten = rewrite(f);
                if (rewritten != f) {
                    com.unboundid.ldap.sdk.SearchRequest r = request.getRequest().duplicate();
                    r.setFilter(rewritten);
                    request.setRequest(r);
                }
            }
        });
        server = new InMemoryDirectoryServer(config);
        server.startListening();
        TestEntries.load(server);
    }

    int port() {
        return server.getListenPort();
    }

    private Filter rewrite(Filter f) throws LDAPException {
        byte type = f.getFilterType();
        if (type == Filter.FILTER_TYPE_AND || type == Filter.FILTER_TYPE_OR) {
            Filter[] parts = f.getComponents();
            Filter[] out = new Filter[parts.length];
            boolean changed = false;
            for (int i = 0; i < parts.length; i++) {
                out[i] = rewrite(parts[i]);
                changed |= out[i] != parts[i];
            }
            return !changed ? f : type == Filter.FILTER_TYPE_AND ? Filter.createANDFilter(out) : Filter.createORFilter(out);
        }
        if (type != Filter.FILTER_TYPE_EXTENSIBLE_MATCH || !IN_CHAIN.equals(f.getMatchingRuleID())) {
            return f;
        }
        List<Filter> groups = new ArrayList<>();
        for (String dn : containing(f.getAttributeName(), f.getAssertionValue())) {
            groups.add(Filter.createEqualityFilter("entryDN", dn));
        }
        return groups.isEmpty() ? Filter.createNOTFilter(Filter.createPresenceFilter("objectClass")) : Filter.createORFilter(groups);
    }

    /** Every entry whose {@code attribute} holds {@code dn}, or holds an entry that does, and so on. */
    private Set<String> containing(String attribute, String dn) throws LDAPException {
        Set<String> found = new LinkedHashSet<>();
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(dn));
        while (!queue.isEmpty()) {
            String next = queue.poll();
            for (SearchResultEntry e : server.search(TestEntries.BASE, SearchScope.SUB,
                    Filter.createEqualityFilter(attribute, next), "1.1").getSearchEntries()) {
                if (found.add(new DN(e.getDN()).toNormalizedString())) {
                    queue.add(e.getDN());
                }
            }
        }
        return found;
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
