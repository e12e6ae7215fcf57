package org.hubkit.server.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The reference server's command line: {@code [--config FILE] [--help]}.
 *
 * @param config the configuration file, or {@code null} for the embedded default
 * @param help whether usage was asked for
 */
public record Arguments(Path config, boolean help) {
    /** What {@code --help} prints. */
    public static final String USAGE = String.join("\n",
            "Usage: java -jar hubkit-server.jar [--config FILE] [--help]",
            "",
            "Runs a JupyterHub-compatible hub with its proxy in one process.",
            "",
            "  --config FILE  read the configuration from this YAML file (keys: examples/reference-server/README.md).",
            "                 Without it: H2 in ./hubkit-data, local jupyterhub-singleuser processes, a shared",
            "                 password for every user name (generated and printed once unless HUBKIT_PASSWORD",
            "                 is set), the proxy on http://127.0.0.1:8000 and the hub API on 127.0.0.1:8081.",
            "  --help         print this help and exit.",
            "",
            "Environment: HUBKIT_PASSWORD sets the shared password when the configuration does not.",
            "Exit codes: 0 after POST /hub/api/shutdown, 1 if the hub cannot start, 2 for bad arguments or configuration.");

    /**
     * @param args the arguments given to {@code main}
     * @return them, read
     * @throws IllegalArgumentException naming the argument that is wrong
     */
    public static Arguments parse(String[] args) {
        Path config = null;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String file = null;
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            } else if (a.equals("--config") || a.equals("-f")) {
                if (i + 1 >= args.length || args[i + 1].isEmpty()) {
                    throw new IllegalArgumentException(a + " needs a file name");
                }
                file = args[++i];
            } else if (a.startsWith("--config=")) {
                file = a.substring("--config=".length());
                if (file.isEmpty()) {
                    throw new IllegalArgumentException("--config= needs a file name");
                }
            } else {
                throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
            if (config != null) {
                throw new IllegalArgumentException("--config given twice");
            }
            try {
                config = Path.of(file);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("--config: not a valid path (" + e.getReason() + ")");
            }
        }
        return new Arguments(config, help);
    }
}
