/**
 * Contract tests for implementations of Hubkit's SPIs: {@link org.hubkit.testkit.SpawnerContract},
 * {@link org.hubkit.testkit.AuthenticatorContract} and {@link org.hubkit.testkit.ProxyContract}.
 * Each is an abstract JUnit 5 class; an implementation's test sources extend it in a few
 * lines and inherit every test. Add {@code org.hubkit:hub-testkit} with test scope; it brings
 * JUnit Jupiter's API and AssertJ. Add {@code junit-jupiter} (the engine) too, versions from
 * {@code org.hubkit:bom}.
 *
 * <p><b>Surefire 3 is required.</b> The contracts are JUnit 5 tests, found only by a Surefire
 * that runs the JUnit Platform. Maven 3.8 and older bind Surefire 2.12.4 by default, which runs
 * none of them and still reports success: declare {@code maven-surefire-plugin} 3.x (Hubkit uses
 * 3.5.2; {@code maven-failsafe-plugin} likewise for {@code *IT}) and set
 * {@code <failIfNoTests>true</failIfNoTests>}, which makes even the old default fail loudly.
 *
 * <p>The contracts send traffic only to loopback and to the URLs the implementation under
 * test returns, and clean up after themselves (servers stopped, routes deleted) also when a
 * test fails.
 *
 * @since 0.1
 */
package org.hubkit.testkit;
