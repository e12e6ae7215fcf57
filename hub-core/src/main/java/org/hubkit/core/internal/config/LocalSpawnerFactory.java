package org.hubkit.core.internal.config;

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

/**
 * {@code spawner.type: local}: {@link LocalProcessSpawner}, each server's log under
 * {@code logs/} of the hub's data directory. Keys: {@code cmd}, {@code args}, {@code environment},
 * {@code isolation}, {@code systemUserTemplate}, {@code createSystemUsers} (hub-core's README).
 */
public final class LocalSpawnerFactory implements SpawnerFactory {
    private static final List<String> ISOLATIONS = Arrays.stream(Isolation.values()).map(LocalSpawnerFactory::isolationKey).toList();

    @Override
    public String type() {
        return "local";
    }

    @Override
    public Configured<Spawner> configure(ConfigNode node, ConfigContext context) {
        List<String> cmd = node.command("cmd", List.of("jupyterhub-singleuser"));
        List<String> args = node.strings("args");
        Map<String, String> environment = node.stringMap("environment");
        Isolation isolation = Isolation.values()[ISOLATIONS.indexOf(node.oneOf("isolation", "auto", ISOLATIONS))];
        String template = node.string("systemUserTemplate", "jupyter-{username}");
        boolean createSystemUsers = node.bool("createSystemUsers", true);
        for (String name : environment.keySet()) {
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                node.problem("environment", "'" + name + "' is not a valid variable name");
            }
        }
        // --allow-root for servers that run as root is the spawner's own business (LocalProcessSpawner adds it).
        return () -> {
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
}
