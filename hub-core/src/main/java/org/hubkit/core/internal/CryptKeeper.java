package org.hubkit.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.hubkit.api.ConfigException;

/**
 * Encrypts values at rest (users' auth state) with AES-256-GCM, as JupyterHub's
 * {@code CryptKeeper} does with {@code JUPYTERHUB_CRYPT_KEY}: one or more 32-byte keys, the first
 * encrypts, every one decrypts, so a key can be rotated by putting the new one first.
 *
 * <p>A sealed value is {@code hk1:<key id>:<base64url(nonce | ciphertext | tag)>}: a random
 * 12-byte nonce per value, a 128-bit tag. The key id is 4 bytes of a SHA-256 over the key (it
 * names which key wrote a value without revealing the key). The version, the key id and a
 * caller-given context (the user name) are authenticated as associated data, so a value moved to
 * another user's row, or edited in any byte, is refused.
 *
 * <p>Immutable and thread-safe. Keys never appear in {@link #toString()} or in any message.
 */
public final class CryptKeeper {
    /** The environment variable keys are read from, {@code ;}-separated. */
    public static final String KEY_ENV = "HUBKIT_CRYPT_KEY";
    static final String VERSION = "hk1";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final CryptKeeper NONE = new CryptKeeper(List.of());

    private final List<Key> keys;

    private record Key(String id, SecretKeySpec spec) {
        @Override
        public String toString() {
            return "Key[" + id + "]";
        }
    }

    private CryptKeeper(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** @return a keeper without keys: {@link #enabled()} is false and nothing can be sealed */
    public static CryptKeeper none() {
        return NONE;
    }

    /**
     * @param keys raw keys, 32 bytes each, the one that encrypts first; copied
     * @return a keeper using them (none when the list is empty)
     * @throws IllegalArgumentException if a key is not 32 bytes (the message gives its index only)
     */
    public static CryptKeeper of(List<byte[]> keys) {
        List<Key> parsed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = keys.get(i);
            if (k == null || k.length != KEY_BYTES) {
                throw new IllegalArgumentException("key " + (i + 1) + " of " + keys.size() + " is "
                        + (k == null ? "null" : k.length + " bytes") + "; each key must be 32 bytes");
            }
            parsed.add(new Key(keyId(k), new SecretKeySpec(k, "AES")));
        }
        return parsed.isEmpty() ? NONE : new CryptKeeper(parsed);
    }

    /**
     * Where the hub's keys come from: the builder's when it was given any list (even an empty
     * one, which turns encryption off), else {@value #KEY_ENV}.
     *
     * @param fromBuilder keys given to {@code Hub.Builder.cryptKeys}, or {@code null}
     * @param getenv reads an environment variable ({@code System::getenv})
     * @param problems where a bad key is reported (each entry named by its position, never shown)
     * @return the keeper; {@link #none()} when there are no keys or a problem was added
     */
    public static CryptKeeper resolve(List<byte[]> fromBuilder, UnaryOperator<String> getenv, List<String> problems) {
        if (fromBuilder != null) {
            try {
                return of(fromBuilder);
            } catch (IllegalArgumentException e) {
                problems.add("cryptKeys: " + e.getMessage());
                return NONE;
            }
        }
        try {
            return of(parseKeys(getenv.apply(KEY_ENV)));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return NONE;
        }
    }

    /**
     * Parses {@value #KEY_ENV}: {@code ;}-separated keys, each 32 bytes as hex (64 characters) or
     * base64 (standard or URL-safe, padded or not); blank entries are skipped, as in JupyterHub.
     *
     * @param value the variable's value, or {@code null}
     * @return the raw keys in order (empty when the value is null or blank)
     * @throws ConfigException naming {@value #KEY_ENV} and each bad entry's position, never its text
     */
    public static List<byte[]> parseKeys(String value) {
        List<byte[]> keys = new ArrayList<>();
        if (value == null) {
            return keys;
        }
        String[] entries = value.split(";", -1);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                continue;
            }
            boolean hex = isHex(entry);
            byte[] key = hex ? HEX.parseHex(entry) : base64(entry);
            String which = KEY_ENV + ": entry " + (i + 1) + " of " + entries.length;
            if (key == null) {
                problems.add(which + " is neither hex nor base64");
            } else if (key.length != KEY_BYTES) {
                problems.add(which + " is " + key.length + " bytes (read as " + (hex ? "hex" : "base64") + "); each key must be "
                        + "32 bytes: 64 hex characters or 44 base64 characters (openssl rand -hex 32)");
            } else {
                keys.add(key);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return keys;
    }

    /** Even-length and hex digits only: never true of a 32-byte key in base64 (43 characters, or 44 ending in '='). */
    private static boolean isHex(String text) {
        return text.length() % 2 == 0
                && text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    }

    private static byte[] base64(String text) {
        try {
            // One decoder for both alphabets; padding is optional.
            return Base64.getDecoder().decode(text.replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private static String keyId(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("hubkit key id\0".getBytes(StandardCharsets.US_ASCII));
            return HEX.formatHex(Arrays.copyOf(sha.digest(key), 4));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether there is a key, so values can be sealed */
    public boolean enabled() {
        return !keys.isEmpty();
    }

    /**
     * @param plaintext the value
     * @param context what the value belongs to (the user name); needed again to open it
     * @return the sealed value, under the first key
     * @throws IllegalStateException when there is no key
     */
    public String seal(String plaintext, String context) {
        if (keys.isEmpty()) {
            throw new IllegalStateException("no encryption key");
        }
        Key key = keys.get(0);
        String header = VERSION + ":" + key.id() + ":";
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(header, context));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return header + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable: " + e.getMessage(), e);
        }
    }

    /**
     * @param sealed a value from {@link #seal}
     * @param context the context it was sealed with
     * @return the plaintext
     * @throws UnreadableException if no configured key wrote it, or it was altered, or it is not a sealed value
     */
    public String open(String sealed, String context) throws UnreadableException {
        String[] parts = sealed.split(":", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            throw new UnreadableException("not a sealed value of a known version");
        }
        byte[] data;
        try {
            data = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new UnreadableException("corrupt (not base64)");
        }
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new UnreadableException("corrupt (too short)");
        }
        byte[] aad = aad(parts[0] + ":" + parts[1] + ":", context);
        boolean known = false;
        for (Key key : keys) {
            if (!key.id().equals(parts[1])) {
                continue;
            }
            known = true;
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.DECRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
                cipher.updateAAD(aad);
                return new String(cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES), StandardCharsets.UTF_8);
            } catch (AEADBadTagException e) {
                // another key with the same id, however unlikely, may still open it
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is unavailable: " + e.getMessage(), e);
            }
        }
        throw new UnreadableException(known ? "altered, or sealed for another user (authentication failed)"
                : "written with key id " + parts[1] + ", which is not among the configured keys");
    }

    /** @return whether the value was sealed with the first key (otherwise it should be sealed again) */
    public boolean sealedWithCurrentKey(String sealed) {
        return !keys.isEmpty() && sealed.startsWith(VERSION + ":" + keys.get(0).id() + ":");
    }

    private static byte[] aad(String header, String context) {
        return (header + context).getBytes(StandardCharsets.UTF_8);
    }

    /** @return the number of keys and their ids, never the keys */
    @Override
    public String toString() {
        return "CryptKeeper" + keys.stream().map(Key::id).toList();
    }

    /** A sealed value that cannot be opened: its key is gone, or it was altered. */
    public static final class UnreadableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableException(String message) {
            super(message);
        }
    }
}
