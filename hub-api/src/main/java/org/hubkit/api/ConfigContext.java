package org.hubkit.api;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link ComponentFactory} may need from the rest of the hub's configuration while it reads
 * its own section: where the hub keeps its data, how users and servers reach it.
 *
 * <p><b>What the reader guarantees.</b> Every value is the one the hub will run with, defaults
 * applied, whether or not the file sets it (a value the file gets wrong is replaced by its default
 * and reported apart). Nothing here touches the disk or the network: the data directory may not
 * exist yet.
 *
 * <p><b>What the reader expects.</b> A factory only reads it. New methods may be added, with
 * defaults, so implement it only in tests (or extend such an implementation).
 *
 * @since 0.2
 */
public interface ConfigContext {
    /** @return the hub's data directory, absolute (the database, users' homes, logs live below it) */
    Path dataDirectory();

    /** @return the URL users reach the hub at, through the proxy */
    URI publicUrl();

    /** @return the address the hub's own HTTP server binds ({@code 0.0.0.0} for every interface) */
    String hubIp();

    /** @return the port of the hub's own HTTP server; 0 when a free one is picked at start */
    int hubPort();

    /** @return how single-user servers reach the hub's API, when the configuration sets it apart from {@link #hubIp}:{@link #hubPort} */
    Optional<URI> hubConnectUrl();

    /** @return the address the proxy listens on for users */
    String proxyIp();

    /** @return the port the proxy listens on for users */
    int proxyPort();

    /** @return the hub process's environment (a test may give another); a factory reads it rather than {@link System#getenv()} */
    Map<String, String> environment();
}
