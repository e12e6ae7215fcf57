/**
 * The Hubkit reference server: a ready-to-run hub configured by one YAML file.
 * {@link org.hubkit.server.ReferenceServer} is the entry point ({@code java -jar hubkit-server.jar})
 * and builds a hub from a {@link org.hubkit.server.ServerConfig}. Classes under {@code internal}
 * are not API.
 *
 * @since 0.1
 */
package org.hubkit.server;
