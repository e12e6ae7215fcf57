package org.hubkit.core.internal;

import java.util.concurrent.CompletableFuture;

/**
 * One spawn in progress: whether it was cancelled (timeout, stop request) and a future that
 * completes once the spawn has fully ended, cleanup included. Thread-safe.
 */
final class SpawnAttempt {
    private final CompletableFuture<String> cancelled = new CompletableFuture<>();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    /** Whether its place under the concurrent spawn limit was given back. */
    final java.util.concurrent.atomic.AtomicBoolean slotReleased = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set (under this object's monitor) once the spawner's saveState may no longer write to the store. */
    boolean stateClosed;
    private final long startedNanos = System.nanoTime();

    /** @return how long since the start was requested */
    java.time.Duration elapsed() {
        return java.time.Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Cancels the spawn; the first reason wins. */
    void cancel(String reason) {
        cancelled.complete(reason);
    }

    boolean isCancelled() {
        return cancelled.isDone();
    }

    String reason() {
        return cancelled.getNow(null);
    }

    /** Completes when the spawn is cancelled, with the reason. */
    CompletableFuture<String> onCancel() {
        return cancelled;
    }
}
