package org.hubkit.api;

/**
 * The configuration binding a module brings for one of its types: the name a configuration file
 * selects it by ({@code spawner.type: docker}) and how to read that section. Found with
 * {@link java.util.ServiceLoader} through {@link SpawnerFactory}, {@link AuthenticatorFactory}
 * or {@link ProxyFactory}, so that a type works as soon as its module is on the class path. It
 * is a thin layer over the type's builder: a program that embeds the hub uses the builder itself.
 *
 * <p>Reading and building are two steps. {@link #configure} reads every key, without side
 * effects, so a configuration can be checked (and every problem in it reported, unknown keys
 * too) without creating anything; {@link Configured#build()} then creates the component once,
 * when the hub is assembled.
 *
 * <p><b>What the hub guarantees.</b> It calls {@link #configure} with the section of the file
 * that selected this type (including its {@code type} key, already read) and may call it more
 * than once with the same section, or with another section to learn which keys the type reads;
 * it calls {@code build()} of a result at most once, only when no key of the file had a problem,
 * and closes what it built.
 *
 * <p><b>What the hub expects.</b> A public class with a public no-argument constructor, listed in
 * {@code META-INF/services/} under the name of its kind's interface. {@link #type()} is a short
 * lower-case name, unique on the class path. {@code configure} follows the rules of
 * {@link ConfigNode} (every key read on every call, problems recorded, not thrown), touches
 * neither disk nor network, and is thread-safe. {@code build()} throws a {@link ConfigException}
 * whose problem keys are keys of the section ({@code cmd}, not {@code spawner.cmd}) for what only
 * the builder can check. Each module lists its keys in its README.
 *
 * @param <T> what it builds
 * @since 0.2
 */
public interface ComponentFactory<T> {
    /** @return the value of the section's {@code type} key that selects this factory, such as {@code local} */
    String type();

    /**
     * Reads a section of the configuration.
     *
     * @param node the section
     * @param context the rest of the hub's configuration
     * @return how to build the component from what was read
     */
    Configured<T> configure(ConfigNode node, ConfigContext context);

    /**
     * A component read from configuration and not built yet; usually a builder's {@code build}
     * method ({@code return builder::build;}).
     *
     * @param <T> what it builds
     * @since 0.2
     */
    @FunctionalInterface
    interface Configured<T> {
        /**
         * @return the component, new on each call
         * @throws ConfigException naming, by their keys in the section, the values the builder refused
         */
        T build();
    }
}
