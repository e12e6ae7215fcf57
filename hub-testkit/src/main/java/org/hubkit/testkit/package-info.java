/**
 * Contract tests for implementations of Hubkit's SPIs: {@link org.hubkit.testkit.SpawnerContract},
 * {@link org.hubkit.testkit.AuthenticatorContract} and {@link org.hubkit.testkit.ProxyContract}.
 * Each is an abstract JUnit 5 class; an implementation's test sources extend it in a few
 * lines and inherit every test. Add {@code org.hubkit:hub-testkit} with test scope; it brings
 * JUnit Jupiter's API and AssertJ.
 *
 * <p>The contracts send traffic only to loopback and to the URLs the implementation under
 * test returns, and clean up after themselves (servers stopped, routes deleted) also when a
 * test fails.
 *
 * @since 0.1
 */
package org.hubkit.testkit;
