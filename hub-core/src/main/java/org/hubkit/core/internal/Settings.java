package org.hubkit.core.internal;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hubkit.core.Service;

/**
 * The hub's validated, immutable settings, as built by {@code Hub.Builder}.
 *
 * @param cryptKeeper seals auth state in the store; {@link CryptKeeper#none()} keeps it in memory only
 * @param purgeInterval how often expired tokens, OAuth codes and sessions are purged (internal;
 *        tests shorten it)
 * @param apiPageDefaultLimit a list endpoint's page size for clients that ask for pages
 * @param apiPageMaxLimit the largest page of a list endpoint, and the page size for clients that do not ask for pages
 * @param authRefreshAge how old a user's auth state may get before an authenticated request refreshes it
 * @param refreshPreSpawn whether every spawn refreshes the user's auth state first
 * @param authStateEnvironment variables every server gets from its user's auth state: name to a key or dotted path in it
 */
public record Settings(URI publicUrl, String bindIp, int port, URI hubConnectUrl, Duration startTimeout,
                       Duration httpTimeout, Duration pollInterval, Duration slowSpawnTimeout, int concurrentSpawnLimit,
                       int activeServerLimit, Duration cookieMaxAge, List<Service> services, Map<String, String> environment,
                       boolean allowNamedServers, boolean cookieSecure, boolean cleanupServers, CryptKeeper cryptKeeper,
                       Duration purgeInterval, int apiPageDefaultLimit, int apiPageMaxLimit, Duration authRefreshAge,
                       boolean refreshPreSpawn, Map<String, String> authStateEnvironment) {
    /** The default {@link #purgeInterval()}. */
    public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMinutes(10);
    /** JupyterHub's default {@code api_page_default_limit}. */
    public static final int DEFAULT_API_PAGE_DEFAULT_LIMIT = 50;
    /** JupyterHub's default {@code api_page_max_limit}. */
    public static final int DEFAULT_API_PAGE_MAX_LIMIT = 200;
    /** JupyterHub's default {@code auth_refresh_age}. */
    public static final Duration DEFAULT_AUTH_REFRESH_AGE = Duration.ofSeconds(300);

    /** Settings with JupyterHub's default page limits. */
    public Settings(URI publicUrl, String bindIp, int port, URI hubConnectUrl, Duration startTimeout,
                    Duration httpTimeout, Duration pollInterval, Duration slowSpawnTimeout, int concurrentSpawnLimit,
                    int activeServerLimit, Duration cookieMaxAge, List<Service> services, Map<String, String> environment,
                    boolean allowNamedServers, boolean cookieSecure, boolean cleanupServers, CryptKeeper cryptKeeper,
                    Duration purgeInterval) {
        this(publicUrl, bindIp, port, hubConnectUrl, startTimeout, httpTimeout, pollInterval, slowSpawnTimeout,
                concurrentSpawnLimit, activeServerLimit, cookieMaxAge, services, environment, allowNamedServers, cookieSecure,
                cleanupServers, cryptKeeper, purgeInterval, DEFAULT_API_PAGE_DEFAULT_LIMIT, DEFAULT_API_PAGE_MAX_LIMIT,
                DEFAULT_AUTH_REFRESH_AGE, false, Map.of());
    }

    /** Settings without an encryption key, purging every {@link #DEFAULT_PURGE_INTERVAL}. */
    public Settings(URI publicUrl, String bindIp, int port, URI hubConnectUrl, Duration startTimeout,
                    Duration httpTimeout, Duration pollInterval, Duration slowSpawnTimeout, int concurrentSpawnLimit,
                    int activeServerLimit, Duration cookieMaxAge, List<Service> services, Map<String, String> environment,
                    boolean allowNamedServers, boolean cookieSecure, boolean cleanupServers) {
        this(publicUrl, bindIp, port, hubConnectUrl, startTimeout, httpTimeout, pollInterval, slowSpawnTimeout,
                concurrentSpawnLimit, activeServerLimit, cookieMaxAge, services, environment, allowNamedServers, cookieSecure,
                cleanupServers, CryptKeeper.none(), DEFAULT_PURGE_INTERVAL);
    }

    /** @return a copy with the given connect URL (known once the hub's port is bound) */
    public Settings withHubConnectUrl(URI url) {
        return new Settings(publicUrl, bindIp, port, url, startTimeout, httpTimeout, pollInterval, slowSpawnTimeout,
                concurrentSpawnLimit, activeServerLimit, cookieMaxAge, services, environment, allowNamedServers, cookieSecure,
                cleanupServers, cryptKeeper, purgeInterval, apiPageDefaultLimit, apiPageMaxLimit, authRefreshAge, refreshPreSpawn, authStateEnvironment);
    }

    /** @return a copy purging every {@code interval} */
    public Settings withPurgeInterval(Duration interval) {
        return new Settings(publicUrl, bindIp, port, hubConnectUrl, startTimeout, httpTimeout, pollInterval, slowSpawnTimeout,
                concurrentSpawnLimit, activeServerLimit, cookieMaxAge, services, environment, allowNamedServers, cookieSecure,
                cleanupServers, cryptKeeper, interval, apiPageDefaultLimit, apiPageMaxLimit, authRefreshAge, refreshPreSpawn, authStateEnvironment);
    }
}
