package org.hubkit.proxy.netty;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hubkit.proxy.netty.internal.TlsNames;

/**
 * configurable-http-proxy's command line, parsed into a {@link ChpCompatibleProxy.Builder}.
 * Flags take their value as the next argument or after {@code =}. Every flag of CHP 5.3 is
 * handled but {@code --storage-backend} (a Node.js module), which is refused with the reason;
 * unknown flags are refused by name, and, as CHP does, a
 * {@code --socket}, {@code --api-socket} or {@code --metrics-socket} given with its IP or port
 * flag. Not API: {@link ProxyMain} uses it.
 */
final class CommandLine {
    static final String USAGE = String.join("\n",
            "Usage: hubkit-proxy [options]",
            "",
            "A drop-in for configurable-http-proxy (its flags, REST API and logs), on Netty.",
            "",
            "Options:",
            "  --ip <ip-address>              Public-facing IP of the proxy (default: all interfaces)",
            "  --port <n>                     Public-facing port of the proxy (default: 8000)",
            "  --socket <path>                Path to a UNIX domain socket for the proxy to listen on. Alternative to",
            "                                 specifying IP and port (Linux: needs native epoll)",
            "  --ssl-key <keyfile>            SSL key to use (PEM, PKCS#8), if any",
            "  --ssl-cert <certfile>          SSL certificate to use (PEM), if any",
            "  --ssl-ca <ca-file>             SSL certificate authority for client certificates, if any",
            "  --ssl-request-cert             Request SSL certs to authenticate clients; as in",
            "                                 configurable-http-proxy (Node's default), clients without",
            "                                 a certificate signed by --ssl-ca are then refused",
            "  --ssl-reject-unauthorized      Reject unauthorized SSL connections (only meaningful with",
            "                                 --ssl-request-cert, which already rejects them)",
            "  --ssl-protocol <ssl-protocol>  Allow only this protocol, e.g. TLSv1_2, TLSv1_3 (also with",
            "                                 _method); TLS for any. Applies to the API's SSL too",
            "  --ssl-ciphers <ciphers>        `:`-separated OpenSSL cipher list (names, HIGH, !RC4...);",
            "                                 TLS 1.3 suites stay unless named. Applies to the API's SSL too",
            "  --ssl-allow-rc4                Accepted; no effect (the Java runtime has no RC4 suites)",
            "  --ssl-dhparam <dhparam-file>   Accepted and checked readable, not used: the Java runtime",
            "                                 picks its own (EC)DHE groups (RFC 7919 FFDHE)",
            "  --api-ip <ip>                  Inward-facing IP for API requests (default: localhost)",
            "  --api-port <n>                 Inward-facing port for API requests (default: --port + 1)",
            "  --api-socket <path>            Path to a UNIX domain socket for the API server to listen on. Alternative",
            "                                 to specifying API IP and port",
            "  --api-ssl-key <keyfile>        SSL key to use, if any, for API requests",
            "  --api-ssl-cert <certfile>      SSL certificate to use, if any, for API requests",
            "  --api-ssl-ca <ca-file>         SSL certificate authority, if any, for API requests",
            "  --api-ssl-request-cert         Request SSL certs to authenticate clients for API requests;",
            "                                 clients without one signed by --api-ssl-ca are refused",
            "  --api-ssl-reject-unauthorized  Reject unauthorized SSL connections (only meaningful with",
            "                                 --api-ssl-request-cert, which already rejects them)",
            "  --client-ssl-key <keyfile>     SSL key to present to https targets (mutual TLS), if any",
            "  --client-ssl-cert <certfile>   SSL certificate to present to https targets, if any",
            "  --client-ssl-ca <ca-file>      SSL certificate authorities https targets' certificates must",
            "                                 chain to, instead of the Java runtime's",
            "  --client-ssl-request-cert      Accepted; no effect, as in configurable-http-proxy (it is",
            "                                 a server option; the proxy is the client here)",
            "  --client-ssl-reject-unauthorized  Accepted; no effect, as in configurable-http-proxy",
            "                                 (targets are verified unless --insecure)",
            "  --insecure                     Disable SSL cert verification of https targets",
            "  --default-target <host>        Default proxy target (proto://host[:port])",
            "  --error-target <host>          Alternate server for handling proxy errors (proto://host[:port])",
            "  --error-path <path>            Directory with {code}.html / error.html error pages",
            "  --redirect-port <port>         Redirect HTTP requests on this port to the server on HTTPS",
            "  --redirect-to <port>           Redirect HTTP requests from --redirect-port to this port",
            "  --pid-file <pid-file>          Write our PID to a file",
            "  --no-x-forward                 Don't add 'X-forward-' headers to proxied requests",
            "  --no-prepend-path              Avoid prepending target paths to proxied requests",
            "  --no-include-prefix            Don't include the routing prefix in proxied requests",
            "  --auto-rewrite                 Rewrite the Location header host/port in redirect responses",
            "  --change-origin                Changes the origin of the host header to the target URL",
            "  --protocol-rewrite <proto>     Rewrite the Location header protocol in redirect responses to the",
            "                                 specified protocol (http or https)",
            "  --custom-header <header>       Custom header to add to proxied requests (k:v, repeatable)",
            "  --host-routing                 Use host routing (host as first level of path)",
            "  --metrics-ip <ip>              IP for metrics server (default: all interfaces)",
            "  --metrics-port <n>             Port of metrics server. Defaults to no metrics server",
            "  --metrics-socket <path>        Path to a UNIX domain socket for the metrics server to listen on.",
            "                                 Alternative to specifying metrics IP and port",
            "  --log-level <loglevel>         Log level (debug, info, warn, error) (default: info)",
            "  --timeout <n>                  Timeout (in millis) when proxy drops connection for a request",
            "  --proxy-timeout <n>            Timeout (in millis) when proxy receives no response from target",
            "  --keep-alive-timeout <n>       Timeout (in millis) for Keep-Alive connections (default: 5000)",
            "  -V, --version                  Output the version number",
            "  -h, --help                     Display help",
            "",
            "Targets: http://host[:port][/path] or https://host[:port][/path], or a UNIX socket as",
            "http+unix://<percent-encoded path>[/path].",
            "Not supported: --storage-backend (routes are kept in memory).",
            "",
            "Environment: CONFIGPROXY_AUTH_TOKEN (API token), CONFIGPROXY_SSL_KEY_PASSPHRASE (--ssl-key),",
            "CONFIGPROXY_API_SSL_KEY_PASSPHRASE (--api-ssl-key).",
            "");

    private static final Set<String> VALUE_FLAGS = Set.of("--ip", "--port", "--ssl-key", "--ssl-cert", "--api-ip",
            "--api-port", "--default-target", "--error-target", "--error-path", "--redirect-port", "--redirect-to",
            "--pid-file", "--custom-header", "--metrics-ip", "--metrics-port", "--log-level", "--timeout",
            "--proxy-timeout", "--keep-alive-timeout", "--socket", "--api-socket", "--metrics-socket",
            "--protocol-rewrite", "--ssl-ca", "--ssl-protocol", "--ssl-ciphers", "--ssl-dhparam",
            "--api-ssl-key", "--api-ssl-cert", "--api-ssl-ca", "--client-ssl-key", "--client-ssl-cert", "--client-ssl-ca");
    private static final Set<String> SWITCHES = Set.of("--no-x-forward", "--no-prepend-path", "--no-include-prefix",
            "--change-origin", "--host-routing", "--auto-rewrite", "--ssl-request-cert", "--ssl-reject-unauthorized",
            "--ssl-allow-rc4", "--api-ssl-request-cert", "--api-ssl-reject-unauthorized", "--client-ssl-request-cert",
            "--client-ssl-reject-unauthorized", "--insecure");
    /** Why {@code --storage-backend} is refused: there is nothing to load. */
    static final String STORAGE_BACKEND_REFUSED = "error: option '--storage-backend' is not supported by hubkit-proxy:"
            + " configurable-http-proxy loads a Node.js module there as its route store, and hubkit-proxy cannot run"
            + " one. Routes are kept in memory (configurable-http-proxy's default store). Remove the flag; after a"
            + " restart JupyterHub adds its routes again (its proxy check does that).";
    /** The flags {@code --socket}, {@code --api-socket} and {@code --metrics-socket} cannot be given with. */
    private static final Map<String, List<String>> SOCKET_CONFLICTS = Map.of(
            "--socket", List.of("--ip", "--port"),
            "--api-socket", List.of("--api-ip", "--api-port"),
            "--metrics-socket", List.of("--metrics-ip", "--metrics-port"));

    /** The command line could not be used; the message says why, naming the flag. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** What was asked for. */
    enum Action { RUN, HELP, VERSION }

    final Action action;
    final ChpCompatibleProxy.Builder builder;
    final String logLevel;
    final Path pidFile;
    /** Messages to log once logging is set up. */
    final List<String> warnings;
    /** Messages to log at info level once logging is set up, as configurable-http-proxy logs them. */
    final List<String> notes;

    private CommandLine(Action action, ChpCompatibleProxy.Builder builder, String logLevel, Path pidFile,
            List<String> warnings, List<String> notes) {
        this.action = action;
        this.builder = builder;
        this.logLevel = logLevel;
        this.pidFile = pidFile;
        this.warnings = warnings;
        this.notes = notes;
    }

    /**
     * Finds {@code --log-level} without parsing the rest, so logging can be set up first.
     *
     * @param args the arguments
     * @return the level asked for, lower case, or {@code info}
     */
    static String logLevel(String[] args) {
        String level = "info";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--log-level") && i + 1 < args.length) {
                level = args[i + 1];
            } else if (args[i].startsWith("--log-level=")) {
                level = args[i].substring("--log-level=".length());
            }
        }
        return level.toLowerCase(Locale.ROOT);
    }

    /**
     * @param args the arguments, as configurable-http-proxy takes them
     * @param env the environment ({@code CONFIGPROXY_AUTH_TOKEN}, {@code CONFIGPROXY_SSL_KEY_PASSPHRASE})
     * @return the parsed command line
     * @throws UsageException naming the first flag that cannot be used
     */
    static CommandLine parse(String[] args, Map<String, String> env) throws UsageException {
        NettyProxy.Builder proxy = NettyProxy.builder();
        ChpCompatibleProxy.Builder chp = ChpCompatibleProxy.builder().proxy(proxy);
        List<String> warnings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<String> given = new java.util.HashSet<>();
        Map<String, Path> sockets = new java.util.HashMap<>();
        boolean autoRewrite = false;
        String protocolRewrite = null;
        int port = 8000;
        Integer apiPort = null;
        String sslKey = null;
        String sslCert = null;
        String errorTarget = null;
        String errorPath = null;
        Integer redirectPort = null;
        Integer redirectTo = null;
        String metricsIp = "";
        Integer metricsPort = null;
        String logLevel = "info";
        Path pidFile = null;
        Map<String, String> values = new java.util.HashMap<>();
        Set<String> switches = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                return new CommandLine(Action.HELP, chp, logLevel, null, warnings, notes);
            }
            if (arg.equals("-V") || arg.equals("--version")) {
                return new CommandLine(Action.VERSION, chp, logLevel, null, warnings, notes);
            }
            if (!arg.startsWith("-")) {
                throw new UsageException("error: too many arguments: '" + arg + "' (every option starts with --)");
            }
            String flag = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (flag.equals("--storage-backend")) {
                throw new UsageException(STORAGE_BACKEND_REFUSED);
            }
            if (SWITCHES.contains(flag)) {
                if (value != null) {
                    throw new UsageException("error: option '" + flag + "' takes no value");
                }
                if (flag.startsWith("--ssl-") || flag.startsWith("--api-ssl-") || flag.startsWith("--client-ssl-")
                        || flag.equals("--insecure")) {
                    switches.add(flag);
                    continue;
                }
                switch (flag) {
                    case "--no-x-forward" -> proxy.xForward(false);
                    case "--no-prepend-path" -> proxy.prependPath(false);
                    case "--no-include-prefix" -> proxy.includePrefix(false);
                    case "--change-origin" -> proxy.changeOrigin(true);
                    case "--auto-rewrite" -> autoRewrite = true;
                    default -> proxy.hostRouting(true);
                }
                continue;
            }
            if (!VALUE_FLAGS.contains(flag)) {
                throw new UsageException("error: unknown option '" + flag + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("error: option '" + flag + "' argument missing");
                }
                value = args[++i];
            }
            given.add(flag);
            switch (flag) {
                case "--ip" -> {
                    if (value.equals("*")) {
                        warnings.add("Interpreting ip='*' as all-interfaces. Preferred usage is 0.0.0.0 for all IPv4"
                                + " or '' for all-interfaces.");
                        value = "";
                    }
                    proxy.ip(value);
                }
                case "--port" -> port = port(flag, value);
                case "--ssl-key" -> sslKey = value;
                case "--ssl-cert" -> sslCert = value;
                case "--api-ip" -> chp.apiIp(value);
                case "--api-port" -> apiPort = port(flag, value);
                case "--default-target" -> chp.defaultTarget(value);
                case "--error-target" -> errorTarget = value;
                case "--error-path" -> errorPath = value;
                case "--redirect-port" -> redirectPort = port(flag, value);
                case "--redirect-to" -> redirectTo = port(flag, value);
                case "--pid-file" -> pidFile = Path.of(value);
                case "--custom-header" -> {
                    String h = value.trim();
                    int colon = h.indexOf(':');
                    if (colon <= 0) {
                        throw new UsageException("A colon was expected in custom header: " + h);
                    }
                    proxy.customHeader(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
                case "--metrics-ip" -> metricsIp = value;
                case "--metrics-port" -> metricsPort = port(flag, value);
                case "--socket", "--api-socket", "--metrics-socket" -> {
                    if (value.isEmpty()) {
                        throw new UsageException("error: option '" + flag + "' needs a path");
                    }
                    sockets.put(flag, Path.of(value));
                }
                case "--protocol-rewrite" -> {
                    if (!value.equals("http") && !value.equals("https")) {
                        throw new UsageException("error: option '--protocol-rewrite' must be http or https (got '"
                                + value + "')");
                    }
                    protocolRewrite = value;
                }
                case "--log-level" -> {
                    logLevel = value.toLowerCase(Locale.ROOT);
                    if (!Set.of("debug", "info", "warn", "error").contains(logLevel)) {
                        throw new UsageException("error: option '--log-level' must be debug, info, warn or error"
                                + " (got '" + value + "')");
                    }
                }
                case "--ssl-ca", "--ssl-protocol", "--ssl-ciphers", "--ssl-dhparam", "--api-ssl-key", "--api-ssl-cert",
                        "--api-ssl-ca", "--client-ssl-key", "--client-ssl-cert", "--client-ssl-ca" -> values.put(flag, value);
                case "--timeout" -> millis(flag, value).ifPresent(proxy::timeout);
                case "--proxy-timeout" -> millis(flag, value).ifPresent(proxy::proxyTimeout);
                default -> millis(flag, value).ifPresent(proxy::keepAliveTimeout);
            }
        }
        for (String socketFlag : List.of("--socket", "--api-socket", "--metrics-socket")) {
            for (String other : SOCKET_CONFLICTS.get(socketFlag)) {
                if (given.contains(socketFlag) && given.contains(other)) {
                    // configurable-http-proxy's (commander's) words
                    throw new UsageException("error: option '" + socketFlag + "' cannot be used with option '"
                            + other + "'");
                }
            }
        }
        Path socket = sockets.get("--socket");
        proxy.port(port);
        proxy.unixSocket(socket);
        if (sockets.containsKey("--api-socket")) {
            chp.apiSocket(sockets.get("--api-socket"));
        } else {
            // with --socket, configurable-http-proxy's API defaults to 8001
            chp.apiPort(apiPort != null ? apiPort : socket != null ? 8001 : (port == 0 ? 0 : port + 1));
        }
        if (autoRewrite) {
            proxy.autoRewrite(true);
            notes.add("AutoRewrite of Location headers enabled.");
        }
        if (protocolRewrite != null) {
            proxy.protocolRewrite(protocolRewrite);
            notes.add("ProtocolRewrite enabled. Rewriting to " + protocolRewrite);
        }
        Tls tls = new Tls(values, switches, warnings);
        if (sslKey != null || sslCert != null) {
            if (sslKey == null || sslCert == null) {
                throw new UsageException("error: --ssl-key and --ssl-cert go together (got only "
                        + (sslKey == null ? "--ssl-cert" : "--ssl-key") + ")");
            }
            proxy.tls(tls.listener(sslCert, sslKey, env.get("CONFIGPROXY_SSL_KEY_PASSPHRASE"), "--ssl-"));
        } else if (Set.of("--ssl-ca", "--ssl-request-cert", "--ssl-reject-unauthorized").stream()
                .anyMatch(f -> values.containsKey(f) || switches.contains(f))) {
            warnings.add("--ssl-ca, --ssl-request-cert and --ssl-reject-unauthorized have no effect without --ssl-key"
                    + " and --ssl-cert");
        }
        String apiKey = values.get("--api-ssl-key");
        String apiCert = values.get("--api-ssl-cert");
        if (apiKey != null || apiCert != null) {
            if (apiKey == null || apiCert == null) {
                throw new UsageException("error: --api-ssl-key and --api-ssl-cert go together (got only "
                        + (apiKey == null ? "--api-ssl-cert" : "--api-ssl-key") + ")");
            }
            chp.apiTls(tls.listener(apiCert, apiKey, env.get("CONFIGPROXY_API_SSL_KEY_PASSPHRASE"), "--api-ssl-"));
        }
        proxy.targetTls(tls.target());
        if (redirectPort != null && redirectPort > 0) {
            if (sslKey == null) {
                throw new UsageException("HTTPS redirection specified but certificates not provided.");
            }
            if (socket != null) {
                warnings.add("--redirect-port is ignored with --socket (no port to redirect to), as configurable-http-proxy"
                        + " ignores it");
            } else if (port != 80) {
                chp.redirect(redirectPort, redirectTo != null && redirectTo > 0 ? redirectTo : -1);
            }
        }
        if (errorTarget != null && errorPath != null) {
            throw new UsageException("Cannot specify both error-target and error-path. Pick one.");
        }
        if (errorTarget != null) {
            try {
                proxy.errorTarget(new URI(errorTarget));
            } catch (URISyntaxException e) {
                throw new UsageException("error: option '--error-target' is not a URL: " + e.getMessage());
            }
        }
        if (errorPath != null) {
            proxy.errorPath(Path.of(errorPath));
        }
        if (sockets.containsKey("--metrics-socket")) {
            chp.metricsSocket(sockets.get("--metrics-socket"));
        } else if (metricsPort != null) {
            chp.metrics(metricsIp, metricsPort); // 0: any free port (configurable-http-proxy: none)
        }
        chp.authToken(env.get("CONFIGPROXY_AUTH_TOKEN"));
        return new CommandLine(Action.RUN, chp, logLevel, pidFile, warnings, notes);
    }

    /** The {@code --ssl-*}, {@code --api-ssl-*}, {@code --client-ssl-*} and {@code --insecure} flags. */
    private static final class Tls {
        private final Map<String, String> values;
        private final Set<String> switches;
        private final List<String> protocols;
        private final List<String> ciphers;

        Tls(Map<String, String> values, Set<String> switches, List<String> warnings) throws UsageException {
            this.values = values;
            this.switches = switches;
            String protocol = values.get("--ssl-protocol");
            try {
                protocols = protocol == null ? List.of() : TlsNames.protocols(protocol);
            } catch (IllegalArgumentException e) {
                throw new UsageException("error: option '--ssl-protocol' value '" + protocol + "' " + e.getMessage());
            }
            String cipherList = values.get("--ssl-ciphers");
            List<String> skipped = new ArrayList<>();
            try {
                ciphers = cipherList == null ? List.of() : TlsNames.cipherSuites(cipherList, skipped);
            } catch (IllegalArgumentException e) {
                throw new UsageException("error: option '--ssl-ciphers' value '" + cipherList + "': " + e.getMessage());
            }
            if (!skipped.isEmpty()) {
                warnings.add("--ssl-ciphers: skipping " + String.join(", ", skipped)
                        + ", which this Java runtime does not support");
            }
            if (switches.contains("--ssl-allow-rc4")) {
                warnings.add("--ssl-allow-rc4 has no effect: the Java runtime has no RC4 cipher suites");
            }
            String dhparam = values.get("--ssl-dhparam");
            if (dhparam != null) {
                if (!Files.isReadable(Path.of(dhparam)) || Files.isDirectory(Path.of(dhparam))) {
                    throw new UsageException("error: option '--ssl-dhparam' cannot read '" + dhparam + "'");
                }
                warnings.add("--ssl-dhparam " + dhparam + " is not used: the Java runtime chooses its own"
                        + " (EC)DHE groups (RFC 7919 FFDHE)");
            }
            for (String f : new String[] {"--ssl-ca", "--api-ssl-ca", "--client-ssl-ca"}) {
                String file = values.get(f);
                if (file != null && !Files.isReadable(Path.of(file))) {
                    throw new UsageException("error: option '" + f + "' cannot read '" + file + "'");
                }
            }
        }

        /** A listener's TLS; {@code prefix} is {@code --ssl-} or {@code --api-ssl-}. */
        ListenerTls listener(String cert, String key, String passphrase, String prefix) {
            // Node.js servers reject unauthorized clients unless told not to (rejectUnauthorized
            // defaults to true, and configurable-http-proxy passes undefined without the flag)
            boolean request = switches.contains(prefix + "request-cert");
            String ca = values.get(prefix + "ca");
            return ListenerTls.builder(Path.of(cert), Path.of(key))
                    .keyPassword(passphrase)
                    .clientAuth(request ? ListenerTls.ClientAuth.REQUIRE : ListenerTls.ClientAuth.NONE)
                    .clientCa(ca == null ? null : Path.of(ca))
                    .protocols(protocols)
                    .cipherSuites(ciphers)
                    .build();
        }

        /** Towards https targets: configurable-http-proxy uses only the client key, cert and CA. */
        TargetTls target() throws UsageException {
            String key = values.get("--client-ssl-key");
            String cert = values.get("--client-ssl-cert");
            String ca = values.get("--client-ssl-ca");
            TargetTls.Builder b = TargetTls.builder().insecure(switches.contains("--insecure"))
                    .trustedCertificates(ca == null ? null : Path.of(ca));
            if (key != null || cert != null) {
                if (key == null || cert == null) {
                    throw new UsageException("error: --client-ssl-key and --client-ssl-cert go together (got only "
                            + (key == null ? "--client-ssl-cert" : "--client-ssl-key") + ")");
                }
                b.clientCertificate(Path.of(cert), Path.of(key), null);
            }
            return b.build();
        }
    }

    private static int port(String flag, String value) throws UsageException {
        try {
            int p = Integer.parseInt(value.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException("error: option '" + flag + "' argument '" + value + "' is not a port number");
    }

    /** A duration in milliseconds; 0 means none, as configurable-http-proxy treats it. */
    private static java.util.Optional<Duration> millis(String flag, String value) throws UsageException {
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 0) {
                return ms == 0 ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofMillis(ms));
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException("error: option '" + flag + "' argument '" + value + "' is not a number of milliseconds");
    }
}
