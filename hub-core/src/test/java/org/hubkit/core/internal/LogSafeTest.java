package org.hubkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void plainValuesStayAsTheyAre() {
        assertThat(LogSafe.value("alice")).isEqualTo("alice");
        assertThat(LogSafe.value("Müller 李 émile \uD83D\uDE00")).as("letters of any script, emoji").isEqualTo("Müller 李 émile \uD83D\uDE00");
        assertThat(LogSafe.value(null)).isEqualTo("null");
        assertThat(LogSafe.value(42)).isEqualTo("42");
    }

    @Test
    void lineBreaksAndControlCharactersAreEscapedSoAValueIsAlwaysOneLine() {
        String forged = "bob\r\n12:00:00.000 INFO  [main] o.h.c.i.HubEngine - User admin logged in";
        String safe = LogSafe.value(forged, 1000);
        assertThat(safe).doesNotContain("\r", "\n").startsWith("bob\\r\\n12:00");
        assertThat(LogSafe.value("a\tb\u0000c\u001bd\u007fe")).isEqualTo("a\\tb\\x00c\\x1bd\\x7fe");
        assertThat(LogSafe.value("\u0085")).as("NEL, a C1 control").isEqualTo("\\x85");
    }

    @Test
    void separatorsFormatCharactersAndLoneSurrogatesAreEscapedToo() {
        assertThat(LogSafe.value("a\u2028b\u2029c")).isEqualTo("a\\u2028b\\u2029c");
        assertThat(LogSafe.value("evil\u202Egnp.exe")).as("right-to-left override").isEqualTo("evil\\u202egnp.exe");
        assertThat(LogSafe.value("zero\u200Bwidth\u00A0nbsp")).isEqualTo("zero\\u200bwidth\\xa0nbsp");
        assertThat(LogSafe.value("lone\uD800high")).isEqualTo("lone\\ud800high");
        assertThat(LogSafe.value("tag\uDB40\uDC01")).as("a supplementary format character").isEqualTo("tag\\U000e0001");
    }

    @Test
    void aBackslashIsEscapedSoAnEscapeInTheOutputAlwaysMeansOne() {
        assertThat(LogSafe.value("a\\nb")).isEqualTo("a\\\\nb");
        assertThat(LogSafe.value("a\nb")).isEqualTo("a\\nb").isNotEqualTo(LogSafe.value("a\\nb"));
    }

    @Test
    void longValuesAreCutWithTheOriginalLength() {
        String huge = "a".repeat(199_000);
        String safe = LogSafe.value(huge);
        assertThat(safe).isEqualTo("a".repeat(LogSafe.MAX_LENGTH) + "...(199000 chars)");
        assertThat(LogSafe.value("a".repeat(LogSafe.MAX_LENGTH))).as("exactly the limit is not cut").hasSize(LogSafe.MAX_LENGTH);
        assertThat(LogSafe.value("abcdef", 4)).isEqualTo("abcd...(6 chars)");
    }

    @Test
    void anEscapeIsNeverCutInHalf() {
        String safe = LogSafe.value("abc\n", 4);
        assertThat(safe).isEqualTo("abc...(4 chars)");
        String controls = LogSafe.value("\u0000".repeat(1000), 10);
        assertThat(controls).isEqualTo("\\x00\\x00...(1000 chars)");
    }

    @Test
    void throwableCopiesHaveEscapedMessagesAndTheOriginalStackTraces() {
        IllegalStateException cause = new IllegalStateException("inner\nforged line");
        RuntimeException e = new RuntimeException("outer " + "x".repeat(10_000), cause);
        Throwable copy = LogSafe.throwable(e);
        assertThat(copy.getMessage()).startsWith("java.lang.RuntimeException: outer xxx").endsWith("...(10006 chars)");
        assertThat(copy.getStackTrace()).isEqualTo(e.getStackTrace());
        assertThat(copy.getCause().getMessage()).isEqualTo("java.lang.IllegalStateException: inner\\nforged line");
        assertThat(copy.getCause().getStackTrace()).isEqualTo(cause.getStackTrace());
        assertThat(copy.getCause().getCause()).isNull();
        assertThat(copy.toString()).doesNotContain("\n");
    }
}
