package org.hubkit.proxy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain-socket HTTP/1.1 client, for tests that must see exactly what goes over one connection:
 * over TCP, or over a UNIX domain socket (Java 16+'s {@code SocketChannel}).
 */
final class RawHttp implements AutoCloseable {
    /** A response read off the socket. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** The TCP socket; {@code null} over a UNIX socket. */
    final Socket socket;
    private final java.nio.channels.SocketChannel unixChannel;
    private final String host;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** @param socket a connected socket, e.g. a TLS one */
    RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.unixChannel = null;
        this.host = "127.0.0.1:" + socket.getPort();
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /**
     * Connects to a UNIX domain socket; requests carry {@code Host: localhost}. Reads have no
     * timeout here: tests using it set one ({@code @Timeout}).
     *
     * @param unixSocket the socket file
     */
    RawHttp(java.nio.file.Path unixSocket) throws IOException {
        this.socket = null;
        this.unixChannel = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(unixSocket));
        this.host = "localhost";
        in = java.nio.channels.Channels.newInputStream(unixChannel);
        out = java.nio.channels.Channels.newOutputStream(unixChannel);
    }

    Response get(String path) throws IOException {
        return exchange("GET", path, "");
    }

    Response exchange(String method, String path, String extraHeaders) throws IOException {
        send(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "\r\n");
        return read(method.equals("HEAD"));
    }

    /**
     * As {@link #exchange}, but the request line goes first and the rest of the head 50 ms later,
     * so that the listener reads the first part on its own and a request timer that is already
     * due (one counted from an earlier request) fires in between.
     */
    Response exchangeInTwoParts(String method, String path, String extraHeaders) throws IOException {
        send(method + " " + path + " HTTP/1.1\r\n");
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        send("Host: " + host + "\r\n" + extraHeaders + "\r\n");
        return read(method.equals("HEAD"));
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * Returns once a connection opened now to {@code port} has had its unfinished head answered
     * with 408: at least the listener's headers timeout has passed since the call. Tests use it
     * instead of reading the clock.
     *
     * @param port a listener on 127.0.0.1 with a headers timeout
     */
    static void awaitOneHeadersTimeout(int port) throws IOException {
        try (RawHttp clock = new RawHttp(port)) {
            clock.send("GET /clock HTTP/1.1\r\n");
            assertThat(clock.read(false).status()).as("an unfinished head's answer").isEqualTo(408);
        }
    }

    /**
     * Writes {@code text} one byte every 50 ms on a thread of its own (a slowloris), until all is
     * written or the connection fails (the other side closed it).
     *
     * @return the writing thread, started
     */
    Thread trickle(String text) {
        Thread t = new Thread(() -> {
            try {
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                // closed by the other side: what the test waits for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "trickle");
        t.setDaemon(true);
        t.start();
        return t;
    }

    Response read(boolean head) throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.merge(l.substring(0, colon).trim(), l.substring(colon + 1).trim(), (a, b) -> a + "," + b);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head || status == 204 || status == 304 || status < 200) {
            return new Response(status, headers, "");
        }
        if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (headers.containsKey("Content-Length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    /** @return whether the other side closed the connection (end of stream within the timeout) */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        if (c == -1 && b.length() == 0) {
            throw new IOException("connection closed");
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            unixChannel.close();
        }
    }
}
