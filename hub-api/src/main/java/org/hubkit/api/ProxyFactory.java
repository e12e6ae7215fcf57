package org.hubkit.api;

/**
 * The configuration binding of a {@link Proxy} type: {@code proxy.type: chp} selects the factory
 * whose {@link #type()} is {@code chp}, and the rest of the {@code proxy:} section is its to read.
 * List an implementation in {@code META-INF/services/org.hubkit.api.ProxyFactory}. The contract is
 * {@link ComponentFactory}'s.
 *
 * @since 0.2
 */
public interface ProxyFactory extends ComponentFactory<Proxy> {
}
