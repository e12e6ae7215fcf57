package org.hubkit.examples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "a hub in a few lines of Java" program, taken from README.md as printed (so the two
 * cannot drift apart), compiled against this project's class path (Hubkit's installed artifacts,
 * versions from the BOM) and run as its own JVM, as a developer who copied it would. A user then
 * logs in through the running hub's proxy the way a browser does, and SIGTERM stops it.
 */
class ReadmeProgramTest {
    /** The comment in README.md right before the program's code block. */
    static final String MARKER = "<!-- examples/sdk-consumer compiles and runs this program as printed -->";
    static final String PASSWORD = "a long shared password";

    @TempDir
    Path work;

    static Path readme() {
        return Path.of(System.getProperty("basedir", ".")).resolve("../../README.md").normalize();
    }

    /** The first code block after {@code marker}, whose fence opens with {@code fence}. */
    static String codeBlockAfter(String marker, String fence) throws IOException {
        String text = Files.readString(readme());
        int at = text.indexOf(marker);
        assertTrue(at >= 0, "README.md holds the marker " + marker);
        int start = text.indexOf("\n" + fence + "\n", at);
        assertTrue(start >= 0, "a " + fence + " block follows the marker");
        start += fence.length() + 2;
        int end = text.indexOf("\n```", start);
        return text.substring(start, end + 1);
    }

    @Test
    void theReadmeProgramCompilesAsPrintedRunsUntilStoppedAndLogsAUserIn() throws Exception {
        String program = codeBlockAfter(MARKER, "```java");
        Matcher name = Pattern.compile("^public class (\\w+)", Pattern.MULTILINE).matcher(program);
        assertTrue(name.find(), "the README's program is a public class:\n" + program);
        Path classes = compile(name.group(1), program);

        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        Path cwd = Files.createDirectories(work.resolve("cwd"));
        Path dataDir = work.resolve("hub-data");
        Path output = work.resolve("program.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"), name.group(1))
                .directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("HUB_PASSWORD", PASSWORD);
        pb.environment().put("HUB_PORT", Integer.toString(proxyPort));
        pb.environment().put("HUB_DATA", dataDir.toString());
        Process hub = pb.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + proxyPort);
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> form = awaitLoginPage(http, base, hub, output);

            // The form's _xsrf token is bound to the browser id cookie set with it: both go back, as a browser's would.
            String xsrf = cookie(form, "_xsrf").orElseThrow(() -> new AssertionError("no _xsrf cookie: " + form.headers()));
            String browser = cookie(form, "hubkit-browser")
                    .orElseThrow(() -> new AssertionError("no hubkit-browser cookie: " + form.headers()));
            assertTrue(form.body().contains("name=\"_xsrf\""), form.body());
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(base.resolve("/hub/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Cookie", "_xsrf=" + xsrf + "; hubkit-browser=" + browser)
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("_xsrf=" + enc(xsrf) + "&username=alice&password=" + enc(PASSWORD)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(302, login.statusCode(), () -> login.headers() + "\n" + login.body());
            String session = cookie(login, "jupyterhub-hub-login")
                    .orElseThrow(() -> new AssertionError("no login cookie: " + login.headers()));

            HttpResponse<String> home = http.send(HttpRequest.newBuilder(base.resolve("/hub/home"))
                    .header("Cookie", "jupyterhub-hub-login=" + session).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, home.statusCode(), () -> "logged in, the home page shows: " + home.headers());
            assertTrue(home.body().contains("alice"), home.body());

            assertTrue(hub.isAlive(), "main keeps the JVM alive (awaitShutdown)");
            assertTrue(Files.exists(dataDir.resolve("hubkit.mv.db")), "the database is in HUB_DATA");
            assertFalse(Files.exists(cwd.resolve("hubkit-data")), "nothing is written to ./hubkit-data");
        } finally {
            hub.destroy(); // SIGTERM: the program's shutdown hook closes the hub
            if (!hub.waitFor(60, TimeUnit.SECONDS)) {
                hub.destroyForcibly();
                fail("the program did not exit within 60 s of SIGTERM:\n" + Files.readString(output));
            }
        }
        String log = Files.readString(output);
        assertTrue(log.contains("Hub stopping"), "the shutdown hook closed the hub:\n" + log);
        assertFalse(log.contains("SLF4J(W)") || log.contains("No SLF4J providers"), "an SLF4J provider is found:\n" + log);
        assertTrue(log.contains(" INFO org.flywaydb."), "Flyway logs through SLF4J:\n" + log);
        assertFalse(Pattern.compile("(?m)^(INFO|WARNING|SEVERE): ").matcher(log).find(),
                "nothing logs through java.util.logging's console format:\n" + log);
    }

    /** Compiles the program with the class path this project resolved (the BOM's versions, nothing else). */
    private Path compile(String className, String program) throws IOException {
        Path src = Files.createDirectories(work.resolve("src"));
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path file = Files.writeString(src.resolve(className + ".java"), program);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "-Xlint:all", "-classpath", System.getProperty("java.class.path"),
                    "-d", classes.toString());
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(file)).call();
            List<String> problems = new ArrayList<>();
            diagnostics.getDiagnostics().forEach(d -> problems.add(d.getKind() + " line " + d.getLineNumber() + ": "
                    + d.getMessage(null)));
            assertTrue(ok && problems.isEmpty(), "the README's program compiles without a warning:\n" + String.join("\n", problems)
                    + "\n---\n" + program);
        }
        return classes;
    }

    private static HttpResponse<String> awaitLoginPage(HttpClient http, URI base, Process hub, Path output) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            if (!hub.isAlive()) {
                fail("the program exited with " + hub.exitValue() + " before serving the login page:\n" + Files.readString(output));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/hub/login"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r;
                }
            } catch (ConnectException notYet) {
                // the proxy is not listening yet
            }
            Thread.sleep(200);
        }
        return fail("no login page on " + base + " within 90 s:\n" + Files.readString(output));
    }

    private static Optional<String> cookie(HttpResponse<?> r, String name) {
        for (String header : r.headers().allValues("set-cookie")) {
            String pair = header.split(";", 2)[0].strip();
            if (pair.startsWith(name + "=")) {
                return Optional.of(pair.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
