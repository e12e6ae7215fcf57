package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.hubkit.api.ConfigException;
import org.junit.jupiter.api.Test;

/** AES-256-GCM sealing of auth state, key rotation, and the parsing of {@code HUBKIT_CRYPT_KEY}. */
class CryptKeeperTest {
    static final byte[] KEY_A = filled(0x0a);
    static final byte[] KEY_B = filled(0x0b);
    static final String SECRET = "{\"access_token\":\"gho_s3cr3t-value\"}";

    static byte[] filled(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    static String hex(byte[] k) {
        return HexFormat.of().formatHex(k);
    }

    @Test
    void aSealedValueOpensToTheSameText() throws Exception {
        CryptKeeper keeper = CryptKeeper.of(List.of(KEY_A));

        String sealed = keeper.seal(SECRET, "alice");

        assertThat(sealed).startsWith("hk1:").doesNotContain("gho_s3cr3t").doesNotContain("access_token");
        assertThat(keeper.open(sealed, "alice")).isEqualTo(SECRET);
        assertThat(keeper.sealedWithCurrentKey(sealed)).isTrue();
    }

    @Test
    void everySealUsesAFreshNonce() {
        CryptKeeper keeper = CryptKeeper.of(List.of(KEY_A));

        assertThat(keeper.seal(SECRET, "alice")).isNotEqualTo(keeper.seal(SECRET, "alice"));
    }

    @Test
    void aTamperedValueIsRefused() {
        CryptKeeper keeper = CryptKeeper.of(List.of(KEY_A));
        String sealed = keeper.seal(SECRET, "alice");
        int body = sealed.lastIndexOf(':') + 1;

        List<String> tampered = new ArrayList<>();
        for (int i = body; i < sealed.length(); i += 7) {
            char c = sealed.charAt(i);
            tampered.add(sealed.substring(0, i) + (c == 'A' ? 'B' : 'A') + sealed.substring(i + 1));
        }
        tampered.add(sealed.substring(0, sealed.length() - 4));
        tampered.add(sealed.replace("hk1:", "hk2:"));

        for (String t : tampered) {
            assertThatThrownBy(() -> keeper.open(t, "alice")).as(t).isInstanceOf(CryptKeeper.UnreadableException.class);
        }
    }

    @Test
    void aValueMovedToAnotherUserIsRefused() {
        CryptKeeper keeper = CryptKeeper.of(List.of(KEY_A));
        String sealed = keeper.seal(SECRET, "alice");

        assertThatThrownBy(() -> keeper.open(sealed, "mallory")).isInstanceOf(CryptKeeper.UnreadableException.class)
                .hasMessageContaining("authentication failed");
    }

    @Test
    void theFirstKeyEncryptsAndEveryKeyDecrypts() throws Exception {
        String underA = CryptKeeper.of(List.of(KEY_A)).seal(SECRET, "alice");
        CryptKeeper rotated = CryptKeeper.of(List.of(KEY_B, KEY_A));

        assertThat(rotated.open(underA, "alice")).isEqualTo(SECRET);
        assertThat(rotated.sealedWithCurrentKey(underA)).as("written with the old key: seal it again").isFalse();
        String underB = rotated.seal(SECRET, "alice");
        assertThat(rotated.sealedWithCurrentKey(underB)).isTrue();
        assertThat(CryptKeeper.of(List.of(KEY_B)).open(underB, "alice")).isEqualTo(SECRET);
    }

    @Test
    void aValueWhoseKeyWasRemovedCannotBeOpened() {
        String underA = CryptKeeper.of(List.of(KEY_A)).seal(SECRET, "alice");

        assertThatThrownBy(() -> CryptKeeper.of(List.of(KEY_B)).open(underA, "alice"))
                .isInstanceOf(CryptKeeper.UnreadableException.class).hasMessageContaining("not among the configured keys");
    }

    @Test
    void keysAreReadAsHexOrBase64InEitherAlphabetAndBlankEntriesAreSkipped() {
        byte[] urlUnsafe = new byte[32];
        Arrays.fill(urlUnsafe, (byte) 0xfb); // encodes to '+' and '/' in standard base64, '-' and '_' URL-safe
        String value = hex(KEY_A) + " ; " + Base64.getEncoder().encodeToString(KEY_B) + ";;"
                + Base64.getEncoder().encodeToString(urlUnsafe) + ";" + Base64.getUrlEncoder().withoutPadding().encodeToString(urlUnsafe)
                + ";";

        List<byte[]> keys = CryptKeeper.parseKeys(value);

        assertThat(keys).containsExactly(KEY_A, KEY_B, urlUnsafe, urlUnsafe);
        assertThat(CryptKeeper.parseKeys(hex(KEY_A).toUpperCase())).containsExactly(KEY_A);
        assertThat(CryptKeeper.parseKeys(null)).isEmpty();
        assertThat(CryptKeeper.parseKeys(" ; ")).isEmpty();
    }

    @Test
    void aBadKeyIsNamedByItsPositionAndNeverShown() {
        String shortKey = hex(new byte[16]);
        byte[] thirtyFive = new byte[35];
        Arrays.fill(thirtyFive, (byte) 0xff);
        String longKey = Base64.getEncoder().encodeToString(thirtyFive);
        String notAKey = "\u0661".repeat(64); // Arabic-Indic digits: not hex, not base64

        assertThatThrownBy(() -> CryptKeeper.parseKeys(hex(KEY_A) + ";" + shortKey + ";" + longKey + ";" + notAKey))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).hasSize(3);
                    assertThat(e.problems().get(0)).startsWith("HUBKIT_CRYPT_KEY: entry 2 of 4 is 16 bytes (read as hex)");
                    assertThat(e.problems().get(1)).startsWith("HUBKIT_CRYPT_KEY: entry 3 of 4 is 35 bytes (read as base64)");
                    assertThat(e.problems().get(2)).startsWith("HUBKIT_CRYPT_KEY: entry 4 of 4").contains("neither hex nor base64");
                    assertThat(e.getMessage()).doesNotContain(shortKey).doesNotContain(longKey).doesNotContain(notAKey)
                            .doesNotContain(hex(KEY_A));
                });
    }

    @Test
    void builderKeysWinOverTheEnvironmentEvenWhenEmpty() throws Exception {
        Map<String, String> env = Map.of("HUBKIT_CRYPT_KEY", hex(KEY_A));
        List<String> problems = new ArrayList<>();

        CryptKeeper fromBuilder = CryptKeeper.resolve(List.of(KEY_B), env::get, problems);
        CryptKeeper emptyBuilder = CryptKeeper.resolve(List.of(), env::get, problems);
        CryptKeeper fromEnv = CryptKeeper.resolve(null, env::get, problems);

        assertThat(problems).isEmpty();
        assertThat(CryptKeeper.of(List.of(KEY_B)).open(fromBuilder.seal(SECRET, "u"), "u")).isEqualTo(SECRET);
        assertThat(emptyBuilder.enabled()).isFalse();
        assertThat(CryptKeeper.of(List.of(KEY_A)).open(fromEnv.seal(SECRET, "u"), "u")).isEqualTo(SECRET);
        assertThat(CryptKeeper.resolve(null, name -> null, problems).enabled()).isFalse();
    }

    @Test
    void badKeysAreReportedAsConfigurationProblems() {
        List<String> problems = new ArrayList<>();
        String bad = hex(new byte[31]);

        CryptKeeper.resolve(null, Map.of("HUBKIT_CRYPT_KEY", bad)::get, problems);
        CryptKeeper.resolve(List.of(KEY_A, new byte[16]), name -> null, problems);

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("HUBKIT_CRYPT_KEY: entry 1 of 1").doesNotContain(bad);
        assertThat(problems.get(1)).startsWith("cryptKeys: key 2 of 2 is 16 bytes");
    }

    @Test
    void keysNeverAppearInToString() {
        CryptKeeper keeper = CryptKeeper.of(List.of(KEY_A, KEY_B));
        String text = keeper.toString();
        Settings settings = new Settings(java.net.URI.create("http://127.0.0.1:8000"), "127.0.0.1", 0, null,
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(1), 0, 0, java.time.Duration.ofSeconds(1), List.of(), Map.of(), true, false, false, keeper,
                Settings.DEFAULT_PURGE_INTERVAL);

        for (byte[] key : List.of(KEY_A, KEY_B)) {
            for (String form : List.of(hex(key), Base64.getEncoder().encodeToString(key), Arrays.toString(key))) {
                assertThat(text).doesNotContain(form);
                assertThat(settings.toString()).doesNotContain(form);
            }
        }
        assertThat(text).startsWith("CryptKeeper[");
    }
}
