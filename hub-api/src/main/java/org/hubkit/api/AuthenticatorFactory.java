package org.hubkit.api;

/**
 * The configuration binding of a {@link Authenticator} type: {@code authenticator.type: ldap} selects the factory
 * whose {@link #type()} is {@code ldap}, and the rest of the {@code authenticator:} section is its to read.
 * List an implementation in {@code META-INF/services/org.hubkit.api.AuthenticatorFactory}. The contract is
 * {@link ComponentFactory}'s.
 *
 * @since 0.2
 */
public interface AuthenticatorFactory extends ComponentFactory<Authenticator> {
}
