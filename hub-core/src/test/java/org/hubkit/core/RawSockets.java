package org.hubkit.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Locale;

/** For tests that talk HTTP over a raw socket: reading a response head without reading on. */
public final class RawSockets {
    private RawSockets() {
    }

    /** @return the response head (status line and headers, lower-cased), read without consuming any of the body */
    public static String head(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        while (b.indexOf("\r\n\r\n") < 0) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
