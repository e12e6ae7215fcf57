package org.hubkit.proxy.netty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A deterministic byte sequence of any length, generated on the fly: a pseudo-random block whose
 * length is prime, repeated, so that lost, doubled or reordered data changes the CRC. Cheap
 * enough (array copies) for gigabytes.
 */
final class PatternBytes {
    private static final byte[] BLOCK = new byte[1_048_573];
    static final int BUFFER = 64 * 1024;

    static {
        new Random(20_240_501L).nextBytes(BLOCK);
    }

    private PatternBytes() {
    }

    /** Fills {@code b[off, off + len)} with the bytes at {@code position} onwards. */
    static void fill(long position, byte[] b, int off, int len) {
        while (len > 0) {
            int at = (int) (position % BLOCK.length);
            int n = Math.min(len, BLOCK.length - at);
            System.arraycopy(BLOCK, at, b, off, n);
            position += n;
            off += n;
            len -= n;
        }
    }

    /** @return the CRC-32 of the first {@code size} bytes */
    static long crc(long size) {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[BUFFER];
        for (long i = 0; i < size; ) {
            int n = (int) Math.min(buf.length, size - i);
            fill(i, buf, 0, n);
            crc.update(buf, 0, n);
            i += n;
        }
        return crc.getValue();
    }

    /**
     * Writes the first {@code size} bytes.
     *
     * @param written counts what has been written so far, as it goes
     */
    static void write(OutputStream out, long size, AtomicLong written) throws IOException {
        byte[] buf = new byte[BUFFER];
        for (long i = 0; i < size; ) {
            int n = (int) Math.min(buf.length, size - i);
            fill(i, buf, 0, n);
            out.write(buf, 0, n);
            i += n;
            written.addAndGet(n);
        }
        out.flush();
    }

    /**
     * Reads up to {@code max} bytes (fewer if the stream ends), counting as it goes.
     *
     * @param crc updated with the bytes read
     * @param read counts what has been read so far
     * @return how many bytes were read
     */
    static long read(InputStream in, long max, CRC32 crc, AtomicLong read) throws IOException {
        byte[] buf = new byte[BUFFER];
        long count = 0;
        while (count < max) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, max - count));
            if (n < 0) {
                break;
            }
            crc.update(buf, 0, n);
            count += n;
            read.addAndGet(n);
        }
        return count;
    }
}
