package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client's listener that collects the whole text messages it receives, in order. */
final class TextMessages implements WebSocket.Listener {
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            queue.add(partial.toString());
            partial.setLength(0);
        }
        ws.request(1);
        return CompletableFuture.completedFuture(null);
    }

    /** @return the next message, or {@code null} if none comes within the timeout */
    String poll(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    /** @return the next message, failing the test if none comes within 10 s */
    String next() throws InterruptedException {
        String m = poll(10, TimeUnit.SECONDS);
        assertThat(m).as("a message within 10 s").isNotNull();
        return m;
    }
}
