/**
 * The service provider interfaces a hub is assembled from ({@link org.hubkit.api.Spawner},
 * {@link org.hubkit.api.Authenticator}, {@link org.hubkit.api.Proxy},
 * {@link org.hubkit.api.VolumePolicy}) and the immutable model types they exchange with the hub.
 *
 * <p>Slow operations return {@link java.util.concurrent.CompletionStage}. The hub never calls an
 * SPI method from an I/O event loop thread, and implementations must not assume which thread
 * completes their stages; the hub does not block on a stage from a thread it needs to finish it.
 *
 * @since 0.1
 */
package org.hubkit.api;
