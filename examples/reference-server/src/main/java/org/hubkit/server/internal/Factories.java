package org.hubkit.server.internal;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.hubkit.api.ComponentFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The factories of one kind ({@code spawner}, {@code auth}, {@code proxy}) found with
 * {@link ServiceLoader} on a class loader, by type name. A provider that cannot be loaded is
 * logged and left out; two providers of the same type are kept both, so that choosing that type
 * can say which they are. Immutable.
 *
 * @param kind the section that selects among them ({@code spawner})
 * @param noun what they make, for messages ({@code spawner}, {@code authenticator})
 * @param byType every factory found, by type, sorted by type; each list in class path order
 */
public record Factories(String kind, String noun, Map<String, List<ComponentFactory<?>>> byType) {
    private static final Logger LOG = LoggerFactory.getLogger(Factories.class);

    /**
     * @param kind the section's key
     * @param noun what the factories make
     * @param service the factory interface
     * @param loader where to look
     * @return what was found
     */
    public static Factories load(String kind, String noun, Class<? extends ComponentFactory<?>> service, ClassLoader loader) {
        Map<String, List<ComponentFactory<?>>> byType = new TreeMap<>();
        for (var it = ServiceLoader.load(service, loader).iterator(); ; ) {
            ComponentFactory<?> factory;
            try {
                if (!it.hasNext()) {
                    break;
                }
                factory = it.next();
            } catch (ServiceConfigurationError e) {
                LOG.warn("A {} type on the class path cannot be loaded, left out: {}", noun, e.getMessage());
                continue;
            }
            byType.computeIfAbsent(factory.type(), t -> new ArrayList<>()).add(factory);
        }
        byType.replaceAll((t, l) -> List.copyOf(l));
        return new Factories(kind, noun, java.util.Collections.unmodifiableMap(byType));
    }

    /** @return every type found, sorted */
    public List<String> types() {
        return List.copyOf(byType.keySet());
    }

    /** @return one factory per type, sorted by type (the first on the class path for a duplicate) */
    public List<ComponentFactory<?>> each() {
        List<ComponentFactory<?>> each = new ArrayList<>();
        byType.values().forEach(l -> each.add(l.get(0)));
        each.sort(Comparator.comparing(f -> f.type()));
        return List.copyOf(each);
    }

    /**
     * @param factory a factory
     * @return its class and where it was loaded from (module, jar or directory), for logs and messages
     */
    public static String describe(ComponentFactory<?> factory) {
        Class<?> c = factory.getClass();
        if (c.getModule().isNamed()) {
            return c.getName() + " (module " + c.getModule().getName() + ")";
        }
        CodeSource source = c.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return c.getName();
        }
        try {
            return c.getName() + " (from " + Path.of(source.getLocation().toURI()) + ")";
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return c.getName() + " (from " + source.getLocation() + ")";
        }
    }
}
