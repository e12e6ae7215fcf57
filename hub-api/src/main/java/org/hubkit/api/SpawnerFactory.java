package org.hubkit.api;

/**
 * The configuration binding of a {@link Spawner} type: {@code spawner.type: docker} selects the factory
 * whose {@link #type()} is {@code docker}, and the rest of the {@code spawner:} section is its to read.
 * List an implementation in {@code META-INF/services/org.hubkit.api.SpawnerFactory}. The contract is
 * {@link ComponentFactory}'s.
 *
 * @since 0.2
 */
public interface SpawnerFactory extends ComponentFactory<Spawner> {
}
