package org.hubkit.core.internal.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hubkit.api.ConfigContext;
import org.hubkit.api.ConfigNode;
import org.hubkit.api.Spawner;
import org.hubkit.api.SpawnerFactory;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.LocalProcessSpawner.Isolation;
import org.hubkit.core.internal.SystemUsers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spawner.type: local}: {@link LocalProcessSpawner}, each server's log under
 * {@code logs/} of the hub's data directory. Keys: {@code cmd}, {@code args}, {@code environment},
 * {@code isolation}, {@code systemUserTemplate}, {@code createSystemUsers} (hub-core's README).
 */
public final class LocalSpawnerFactory implements SpawnerFactory {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSpawnerFactory.class);
    private static final String ALLOW_ROOT = "--allow-root";
    private static final List<String> ISOLATIONS = Arrays.stream(Isolation.values()).map(LocalSpawnerFactory::isolationKey).toList();

    @Override
    public String type() {
        return "local";
    }

    @Override
    public Configured<Spawner> configure(ConfigNode node, ConfigContext context) {
        List<String> cmd = node.command("cmd", List.of("jupyterhub-singleuser"));
        List<String> args = new ArrayList<>(node.strings("args"));
        Map<String, String> environment = node.stringMap("environment");
        Isolation isolation = Isolation.values()[ISOLATIONS.indexOf(node.oneOf("isolation", "auto", ISOLATIONS))];
        String template = node.string("systemUserTemplate", "jupyter-{username}");
        boolean createSystemUsers = node.bool("createSystemUsers", true);
        for (String name : environment.keySet()) {
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                node.problem("environment", "'" + name + "' is not a valid variable name");
            }
        }
        // The notebook server refuses to run as root without it: servers run as root only with isolation none.
        boolean addAllowRoot = isolation == Isolation.NONE && SystemUsers.currentUid() == 0 && isJupyter(cmd.get(0))
                && !cmd.contains(ALLOW_ROOT) && !args.contains(ALLOW_ROOT);
        if (addAllowRoot) {
            args.add(ALLOW_ROOT);
        }
        return () -> {
            if (addAllowRoot) {
                LOG.info("Servers run as root (isolation none): added {} to the single-user command, as the notebook"
                        + " server refuses root without it", ALLOW_ROOT);
            }
            LocalProcessSpawner.Builder b = LocalProcessSpawner.builder().cmd(cmd).args(args)
                    .logDirectory(context.dataDirectory().resolve("logs")).isolation(isolation)
                    .systemUserTemplate(template).createSystemUsers(createSystemUsers);
            environment.forEach(b::environment);
            return b.build();
        };
    }

    /** {@code auto}, {@code system-users}, {@code none}: how a file names each isolation. */
    static String isolationKey(Isolation isolation) {
        return isolation.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static boolean isJupyter(String command) {
        String name = command.substring(command.lastIndexOf('/') + 1);
        return name.toLowerCase(Locale.ROOT).startsWith("jupyter");
    }
}
