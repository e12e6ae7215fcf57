package org.hubkit.proxy.netty;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A socket-level backend on 127.0.0.1 for tests that script a target's misbehaviour byte by
 * byte: each accepted connection runs the conversation on its own thread, then is closed.
 */
final class RawBackend implements AutoCloseable {
    /** What the backend does on one connection. */
    interface Conversation {
        /**
         * @param socket the accepted connection, closed afterwards
         * @param index 0 for the first connection accepted, 1 for the next...
         */
        void run(Socket socket, int index) throws Exception;
    }

    /** What the backend does with one request, by its path (lower case), after reading its head. */
    interface ByPath {
        /**
         * @param path the request's path, lower case
         * @param head the request head, headers lower case
         * @param socket the connection, its body (if any) not yet read
         */
        void answer(String path, String head, Socket socket) throws Exception;
    }

    /** A backend that reads each connection's first request head and lets {@code routes} answer by path. */
    static RawBackend byPath(ByPath routes) throws IOException {
        return new RawBackend((s, i) -> {
            String head = readHead(s.getInputStream());
            if (head == null) {
                return;
            }
            routes.answer(head.substring(head.indexOf(' ') + 1, head.indexOf(" http/")), head, s);
        });
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger accepted = new AtomicInteger();
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    RawBackend(Conversation conversation) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                int index = accepted.getAndIncrement();
                open.add(s);
                threads.execute(() -> {
                    try (s) {
                        conversation.run(s, index);
                    } catch (Exception ignored) {
                        // the test's assertions say what went wrong
                    } finally {
                        open.remove(s);
                    }
                });
            }
        });
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** @return connections accepted so far */
    int connections() {
        return accepted.get();
    }

    /**
     * Reads a request head.
     *
     * @return the head's text, headers in lower case; {@code null} if the connection ended first
     */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.append((char) c);
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        return head.toString().toLowerCase(Locale.ROOT);
    }

    static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close(); // unblocks a conversation still reading
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
