package org.hubkit.testkit;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for the stages an SPI returns, turning every way they can go wrong into a readable failure. */
final class Stages {
    private Stages() {
    }

    /**
     * @param stage what an SPI method returned
     * @param timeout how long to wait
     * @param what the call, for the failure message, e.g. {@code "start(alice)"}
     * @param <T> the result type
     * @return the stage's value
     * @throws AssertionError if the stage is null, completes exceptionally or not in time
     * @throws InterruptedException if the test is interrupted
     */
    static <T> T await(CompletionStage<T> stage, Duration timeout, String what) throws InterruptedException {
        if (stage == null) {
            throw new AssertionError(what + " returned null instead of a CompletionStage");
        }
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " completed exceptionally: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + timeout);
        }
    }
}
