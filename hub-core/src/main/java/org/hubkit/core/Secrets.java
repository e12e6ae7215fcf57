package org.hubkit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Secrets for hub code and for modules: random tokens, their hashes (the hub stores tokens only
 * as {@link #hash}), and a comparison that takes the same time wherever two values differ, for
 * checking a password or a token without telling an attacker how much of it was right.
 * Thread-safe.
 *
 * @since 0.2
 */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Secrets() {
    }

    /** @return 32 random bytes as 64 lowercase hex characters */
    public static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    /** @return the SHA-256 of the text, hex */
    public static String hash(String secret) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compares without leaking the position of the first difference. */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
