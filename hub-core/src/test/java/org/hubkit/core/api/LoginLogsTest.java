package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What a failed login writes to the log: one bounded line, whatever was typed
 * (GHSA-p43p-whwx-q52h: a 199,000-character name logged whole on every try; a name holding
 * CR/LF, sent with the shared password, writing log lines of the sender's choosing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class LoginLogsTest extends HubApiTestBase {
    private static final int MAX_LINE = 400;

    @Test
    void aHugeUsernameIsLoggedCutShort() throws Exception {
        // The largest that fits the login form's 64 KiB.
        String huge = "a".repeat(60_000);
        List<String> lines;
        try (LogCapture logs = new LogCapture("org.hubkit", Level.INFO)) {
            HttpResponse<String> r = new Browser(hub.base).login(huge, "not the password");
            assertThat(r.statusCode()).isEqualTo(403);
            lines = logs.messages();
        }
        assertThat(lines).as("the capture works").anyMatch(l -> l.contains("Login refused") && l.contains("(60000 chars)"));
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l.substring(0, Math.min(l.length(), 200)))
                .isLessThanOrEqualTo(MAX_LINE));
    }

    @Test
    void aLoginFormOverItsLimitIsRefusedBeforeTheNameIsLookedAt() throws Exception {
        List<String> lines;
        try (LogCapture logs = new LogCapture("org.hubkit", Level.INFO)) {
            HttpResponse<String> r = new Browser(hub.base).login("a".repeat(199_000), "not the password");
            assertThat(r.statusCode()).isEqualTo(413);
            lines = logs.messages();
        }
        assertThat(lines).noneMatch(l -> l.contains("Login refused"));
    }

    @Test
    void aNameWithLineBreaksAndTheRightPasswordCannotForgeLogLines() throws Exception {
        String forged = "evil\r\n12:00:00.000 INFO  [hubkit-http-1] o.h.c.i.HubEngine - User admin logged in";
        List<String> lines;
        try (LogCapture logs = new LogCapture("org.hubkit", Level.INFO)) {
            HttpResponse<String> r = new Browser(hub.base).login(forged, TestHub.PASSWORD);
            assertThat(r.statusCode()).as("an invalid name is refused even with the right password").isEqualTo(403);
            HttpResponse<String> wrong = new Browser(hub.base).login("mallory\nUser root logged in", "wrong");
            assertThat(wrong.statusCode()).isEqualTo(403);
            lines = logs.messages();
        }
        assertThat(lines).as("the capture works").anyMatch(l -> l.contains("evil\\r\\n12:00:00.000"))
                .anyMatch(l -> l.contains("mallory\\nUser root"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\r", "\n", "\u2028").hasSizeLessThanOrEqualTo(MAX_LINE));
    }

    @Test
    void aHugeNameWithControlCharactersStaysOneBoundedLineEvenWhenEscaped() throws Exception {
        // Percent-encoded, 3 bytes each: the form stays under the login form's 64 KiB.
        String name = "\u0000".repeat(10_000) + "\n".repeat(10_000) + "x";
        List<String> lines;
        try (LogCapture logs = new LogCapture("org.hubkit", Level.INFO)) {
            assertThat(new Browser(hub.base).login(name, TestHub.PASSWORD).statusCode()).isEqualTo(403);
            lines = logs.messages();
        }
        assertThat(lines).anyMatch(l -> l.contains("Login refused"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\n", "\u0000").hasSizeLessThanOrEqualTo(MAX_LINE));
    }
}
