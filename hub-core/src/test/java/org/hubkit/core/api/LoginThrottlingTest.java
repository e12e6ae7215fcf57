package org.hubkit.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Repeated failed logins through the real login form and the real proxy: the form answers 429
 * with {@code Retry-After} without checking the password, for the address that failed, while
 * someone else from another address signs in as usual. The rule itself (waits, caps, forgetting,
 * memory) is {@code LoginThrottleTest}'s, on a clock it controls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class LoginThrottlingTest extends HubApiTestBase {

    @Test
    void repeatedFailuresFromOneAddressAnswer429WithRetryAfterAndSkipThePasswordCheck() throws Exception {
        Browser attacker = new Browser(hub.base);
        for (int i = 1; i <= 6; i++) {
            HttpResponse<String> r = attacker.login("victim", "guess-" + i);
            assertThat(r.statusCode()).as("failure %d is an ordinary refusal", i).isEqualTo(403);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
        }
        // The next attempts come at once (the first wait is 1 s), straight to the form's POST.
        String xsrf = attacker.cookie("_xsrf").orElseThrow();
        HttpResponse<String> throttled = attacker.postForm("/hub/login", "_xsrf=" + xsrf + "&username=victim&password=guess-7");
        HttpResponse<String> right = attacker.postForm("/hub/login", "_xsrf=" + xsrf + "&username=victim&password="
                + TestHub.enc(TestHub.PASSWORD));
        // A forged X-Forwarded-For does not help: the proxy appends the address it saw, and that is the one counted.
        HttpResponse<String> forged = attacker.send(HttpRequest.newBuilder(hub.base.resolve("/hub/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-Forwarded-For", "198.51.100.77")
                .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + xsrf + "&username=other&password=x")));

        assertThat(throttled.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 2L);
        assertThat(throttled.body()).contains("Too many failed sign-in attempts").contains("name=\"username\"")
                .as("the form is shown again to try later").contains("name=\"_xsrf\"");

        assertThat(right.statusCode()).as("while throttled even the right password is not checked").isEqualTo(429);
        assertThat(attacker.cookie("jupyterhub-hub-login")).isEmpty();
        assertThat(hub.admin("GET", "/users/victim", null).statusCode()).as("no user was created").isEqualTo(404);
        assertThat(forged.statusCode()).as("another name, a forged X-Forwarded-For, the same address").isEqualTo(429);

        // Another name from another address (127.0.0.2, through the same proxy) is not affected.
        RawResponse other = loginFrom("127.0.0.2", "bystander", TestHub.PASSWORD);
        assertThat(other.status).as(other.body).isEqualTo(302);
        assertThat(other.headers.get("set-cookie")).contains("jupyterhub-hub-login=");
        assertThat(hub.admin("GET", "/users/bystander", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aSuccessfulLoginClearsItsAddressCounter() throws Exception {
        // Its own address, so the other test's failures do not count here.
        String address = "127.0.0.3";
        for (int i = 1; i <= 5; i++) {
            assertThat(loginFrom(address, "forgetful", "typo-" + i).status).isEqualTo(403);
        }
        assertThat(loginFrom(address, "forgetful", TestHub.PASSWORD).status).as("the sixth, right, attempt").isEqualTo(302);
        for (int i = 1; i <= 6; i++) {
            assertThat(loginFrom(address, "forgetful", "typo-again-" + i).status).as("free again: %d", i).isEqualTo(403);
        }
        assertThat(loginFrom(address, "forgetful", "typo-7").status).isEqualTo(429);
    }

    // ------------------------------------------------------------------ a client bound to another loopback address

    record RawResponse(int status, Map<String, String> headers, String body) {
    }

    /** Fetches the login form and posts it from a socket bound to {@code localAddress}, through the hub's proxy. */
    private RawResponse loginFrom(String localAddress, String user, String password) throws IOException {
        RawResponse form = exchange(localAddress, "GET /hub/login HTTP/1.1\r\n", null, "");
        String setCookie = form.headers.getOrDefault("set-cookie", "");
        // The form's token is bound to the browser id cookie set with it: both go back, as a browser's would.
        Matcher m = Pattern.compile("_xsrf=([^;\\s]+)").matcher(setCookie);
        assertThat(m.find()).as("an _xsrf cookie from the login form: " + form.headers).isTrue();
        String xsrf = m.group(1);
        Matcher browser = Pattern.compile("hubkit-browser=([^;\\s]+)").matcher(setCookie);
        assertThat(browser.find()).as("a browser id cookie from the login form: " + form.headers).isTrue();
        String body = "_xsrf=" + TestHub.enc(xsrf) + "&username=" + TestHub.enc(user) + "&password=" + TestHub.enc(password);
        return exchange(localAddress, "POST /hub/login HTTP/1.1\r\n", "hubkit-browser=" + browser.group(1) + "; _xsrf=" + xsrf,
                body);
    }

    private RawResponse exchange(String localAddress, String requestLine, String cookie, String body) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(localAddress, 0));
            s.connect(new InetSocketAddress(hub.base.getHost(), hub.base.getPort()), 5_000);
            s.setSoTimeout(30_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(requestLine)
                    .append("Host: ").append(hub.base.getHost()).append(':').append(hub.base.getPort()).append("\r\n")
                    .append("Connection: close\r\n");
            if (cookie != null) {
                head.append("Cookie: ").append(cookie).append("\r\n");
            }
            if (content.length > 0) {
                head.append("Content-Type: application/x-www-form-urlencoded\r\n")
                        .append("Content-Length: ").append(content.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return parse(s.getInputStream());
        }
    }

    private static RawResponse parse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip(),
                    (a, b) -> a + "\n" + b);
        }
        return new RawResponse(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
    }
}
