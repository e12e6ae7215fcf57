/**
 * The hub engine. Start here: {@link org.hubkit.core.Hub#builder()} assembles a hub from a
 * {@link org.hubkit.api.Spawner}, an {@link org.hubkit.api.Authenticator}, a
 * {@link org.hubkit.api.Proxy} and a {@link org.hubkit.api.VolumePolicy}, a
 * {@link org.hubkit.core.Database} and the public URL. Classes under {@code internal} are not API.
 *
 * @since 0.1
 */
package org.hubkit.core;
