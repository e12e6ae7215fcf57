package org.hubkit.core.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An answer that waits for slow work (a spawn, a stop, a login) without holding the request
 * thread: the request goes asynchronous, and the answer is written when the work completes or
 * when {@code patience} has passed, whichever is first.
 */
final class Deferred {
    private static final Logger LOG = LoggerFactory.getLogger(Deferred.class);

    /** How the work stood when the answer was written. */
    interface Answer {
        /**
         * @param done whether the work completed (successfully or not) in time
         * @param failure its exception if it failed, else null
         */
        void write(boolean done, Throwable failure) throws Exception;
    }

    private Deferred() {
    }

    static void answer(HttpServletRequest req, CompletableFuture<?> work, Duration patience, Answer answer) {
        AsyncContext ctx = req.startAsync();
        ctx.setTimeout(0);
        CompletableFuture<Object[]> outcome = new CompletableFuture<>();
        work.whenComplete((v, e) -> outcome.complete(new Object[] {Boolean.TRUE, e}));
        CompletableFuture.delayedExecutor(patience.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> outcome.complete(new Object[] {Boolean.FALSE, null}));
        outcome.thenAccept(o -> {
            try {
                answer.write((Boolean) o[0], (Throwable) o[1]);
            } catch (Exception e) {
                LOG.debug("Could not answer {}: {}", LogSafe.value(req.getRequestURI()), LogSafe.value(e.toString()));
            } finally {
                ctx.complete();
            }
        });
    }
}
