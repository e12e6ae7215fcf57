package org.hubkit.core.browser;

import org.hubkit.testkit.RealComponents;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.hubkit.api.AccessRules;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.LocalProcessSpawner;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The hub's own pages in a real browser: Debian's headless Chromium, driven by Selenium
 * through Debian's chromedriver (never one Selenium Manager would download), against an
 * in-process hub that spawns the real {@code jupyterhub-singleuser} behind the Netty proxy.
 * Login form, a refused password, home, Start, the spawn-pending page's progress bar fed by
 * the progress event stream, the automatic redirect through the hub's OAuth into the real
 * notebook UI, logout. Screenshots go to {@code target/screenshots/}. Only 127.0.0.1 is
 * contacted; the test checks that from the browser's own network log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubPagesBrowserIT {
    static final String PASSWORD = "correct horse battery staple";
    static final String ADMIN_TOKEN = "browser-admin-token-" + UUID.randomUUID();
    static final Duration PAGE = Duration.ofSeconds(30);
    /** The real server's spawn: startTimeout (60 s) plus httpTimeout (30 s) at the most, with room to spare. */
    static final Duration SPAWN = Duration.ofSeconds(120);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    /**
     * Injected into the pending page: records every change of the bar's width and of the
     * message, with the event log, in sessionStorage, which outlives the page's own redirect
     * (same origin), so no step is lost between two polls.
     */
    static final String RECORDER = "if(!window.__hubkitRecorder){window.__hubkitRecorder=true;"
            + "var bar=document.getElementById('progress-bar'),msg=document.getElementById('progress-message'),"
            + "log=document.getElementById('progress-log');if(bar&&msg&&log){"
            + "var rec=function(src){var a=JSON.parse(sessionStorage.getItem('hubkit-progress')||'[]');"
            + "a.push({t:Date.now(),src:src,width:bar.style.width,message:msg.textContent,"
            + "log:Array.prototype.map.call(log.children,function(li){return li.textContent;})});"
            + "sessionStorage.setItem('hubkit-progress',JSON.stringify(a));};"
            + "rec('injected');"
            + "new MutationObserver(function(){rec('bar');}).observe(bar,{attributes:true,attributeFilter:['style']});"
            + "new MutationObserver(function(){rec('message');}).observe(msg,{childList:true,characterData:true,subtree:true});}}";

    static final String PROBE = "var bar=document.getElementById('progress-bar'),msg=document.getElementById('progress-message'),"
            + "log=document.getElementById('progress-log');"
            + "return {path:location.pathname,ready:document.readyState,width:bar?bar.style.width:null,"
            + "message:msg?msg.textContent:null,"
            + "log:log?Array.prototype.map.call(log.children,function(li){return li.textContent;}):[]};";

    @TempDir
    static Path dir;
    Hub hub;
    URI base;
    ChromeDriverService service;
    ChromeDriver driver;
    /** The first step that failed: later steps build on it, so they are skipped rather than failed again. */
    String failedStep;

    @RegisterExtension
    final TestWatcher watcher = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            String name = context.getRequiredTestMethod().getName();
            if (failedStep == null) {
                failedStep = name;
            }
            if (driver != null) {
                try {
                    saveScreenshot("failure-" + name);
                    Files.writeString(SCREENSHOTS.resolve("failure-" + name + ".html"),
                            driver.getCurrentUrl() + "\n\n" + driver.getPageSource(), StandardCharsets.UTF_8);
                } catch (Exception e) {
                    System.err.println("Could not save the failure's page: " + e);
                }
            }
        }
    };

    @BeforeAll
    void startHubAndBrowser() throws Exception {
        String singleuser = RealComponents.singleuserCommand();
        Path chromium = RealComponents.chromium();
        Path chromedriver = RealComponents.chromedriver();
        Files.createDirectories(SCREENSHOTS);

        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        base = URI.create("http://127.0.0.1:" + proxyPort);
        hub = Hub.builder()
                .spawner(LocalProcessSpawner.builder().cmd(List.of(singleuser)).args(RealComponents.singleuserArgs())
                        .logDirectory(dir.resolve("logs")).isolation(LocalProcessSpawner.Isolation.NONE).build())
                .authenticator(SharedPasswordAuthenticator.builder().password(PASSWORD)
                        .accessRules(AccessRules.allow(Set.of("alice"))).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .volumePolicy(VolumePolicy.perUserDirectory(dir.resolve("home"), "/home/jovyan"))
                .database(Database.h2(dir.resolve("db")))
                .port(0)
                .publicUrl(base)
                .pollInterval(Duration.ofSeconds(2))
                // So the start request answers "pending" and the browser really sees the progress page.
                .slowSpawnTimeout(Duration.ofMillis(200))
                .addService(new Service("browser-admin", ADMIN_TOKEN, true))
                .build()
                .start();

        // Debian's driver, named explicitly: Selenium Manager is never asked to find or download one.
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        options.addArguments(RealComponents.chromiumArguments(profile));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // Selenium warns that it has no CDP implementation for this Chromium: none is needed, the test
        // only uses WebDriver itself (and chromedriver's logs), never DevTools.
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    @AfterAll
    void stopEverything() {
        if (driver != null) {
            try {
                driver.quit();
            } catch (Exception e) {
                System.err.println("Closing the browser failed: " + e);
            }
        }
        if (service != null) {
            service.stop();
        }
        if (hub != null) {
            try {
                HttpResponse<String> stop = hubApi("DELETE", "/users/alice/server");
                System.out.println("Stopping alice's server: HTTP " + stop.statusCode());
                for (int i = 0; i < 300 && hasActiveServer(); i++) {
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                System.err.println("Stopping alice's server failed: " + e);
            } finally {
                hub.close();
            }
        }
    }

    @BeforeEach
    void skipAfterAFailedStep() {
        Assumptions.assumeTrue(failedStep == null, () -> "an earlier step failed: " + failedStep);
    }

    // ------------------------------------------------------------------ the steps

    @Test
    @Order(1)
    void theHubRootRedirectsToTheLoginForm() {
        driver.get(base.resolve("/hub/").toString());

        assertThat(path()).isEqualTo("/hub/login");
        assertThat(URI.create(driver.getCurrentUrl()).getRawQuery()).isEqualTo("next=%2Fhub%2F");
        assertThat(driver.getTitle()).isEqualTo("Sign in - Hubkit");
        assertThat(driver.findElement(By.name("username")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.name("password")).getDomAttribute("type")).isEqualTo("password");
        assertThat(driver.findElements(By.cssSelector(".error"))).isEmpty();
    }

    @Test
    @Order(2)
    void aWrongPasswordShowsAnErrorAndNoSession() {
        WebElement oldForm = driver.findElement(By.tagName("form"));
        submitLogin("alice", "not the password");
        waitFor("the login form to come back", PAGE, () -> isStale(oldForm) && !driver.findElements(By.name("username")).isEmpty());

        assertThat(path()).isEqualTo("/hub/login");
        assertThat(driver.findElement(By.cssSelector("p.error[role=alert]")).getText())
                .isEqualTo("Invalid username or password");
        assertThat(driver.manage().getCookieNamed("jupyterhub-hub-login")).as("no login cookie").isNull();
        assertThat(driver.findElement(By.name("password")).getDomProperty("value")).as("password not echoed").isEmpty();
    }

    @Test
    @Order(3)
    void aliceLogsInAndHerHomePageOffersToStartHerServer() {
        // /hub/ after login would go straight to /hub/spawn (JupyterHub's redirect_to_server), so come in through home.
        driver.get(base.resolve("/hub/home").toString());
        assertThat(path()).isEqualTo("/hub/login");
        assertThat(URI.create(driver.getCurrentUrl()).getRawQuery()).isEqualTo("next=%2Fhub%2Fhome");

        submitLogin("alice", PASSWORD);
        waitFor("the home page", PAGE, () -> path().equals("/hub/home"));

        assertThat(driver.getTitle()).isEqualTo("Home - Hubkit");
        assertThat(driver.findElement(By.id("username")).getText()).isEqualTo("alice");
        WebElement start = driver.findElement(By.id("start"));
        assertThat(start.getText()).isEqualTo("Start My Server");
        assertThat(start.isDisplayed()).isTrue();
        assertThat(driver.findElement(By.tagName("main")).getText()).contains("Your server is not running.");
        Cookie login = driver.manage().getCookieNamed("jupyterhub-hub-login");
        assertThat(login).as("login cookie").isNotNull();
        assertThat(login.isHttpOnly()).isTrue();
        assertThat(login.getPath()).isEqualTo("/hub/");
    }

    @Test
    @Order(4)
    void startShowsTheProgressPageThenRedirectsToTheRealNotebook() throws Exception {
        long t0 = System.nanoTime();
        driver.findElement(By.id("start")).click();
        waitFor("the spawn-pending page", PAGE, () -> path().equals("/hub/spawn-pending/alice")
                && "complete".equals(js("return document.readyState")));
        long pendingAt = millisSince(t0);
        assertThat(driver.getTitle()).isEqualTo("Server starting - Hubkit");
        js(RECORDER);
        saveScreenshot("spawn-pending-arrived");

        // Poll the page until it navigates away on its own, recording what it shows.
        List<String> timeline = new ArrayList<>();
        Set<String> widths = new LinkedHashSet<>();
        List<String> lastLog = List.of();
        boolean progressShot = false;
        long deadline = System.nanoTime() + SPAWN.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> probe;
            try {
                probe = jsMap(PROBE);
            } catch (WebDriverException navigating) {
                Thread.sleep(40);
                continue;
            }
            if (!"/hub/spawn-pending/alice".equals(probe.get("path"))) {
                break;
            }
            String width = (String) probe.get("width");
            String line = width + " \"" + probe.get("message") + "\"";
            if (timeline.isEmpty() || !timeline.get(timeline.size() - 1).endsWith(line)) {
                timeline.add(millisSince(t0) + " ms: " + line);
            }
            widths.add(width);
            @SuppressWarnings("unchecked")
            List<String> log = (List<String>) probe.get("log");
            lastLog = log;
            if (!progressShot && between0And100(width)) {
                // Open the event log for the picture; the page's own script keeps running.
                js("var d=document.querySelector('details');if(d){d.open=true;}");
                saveScreenshot("spawn-pending");
                progressShot = true;
            }
            Thread.sleep(40);
        }
        assertThat(path()).as("left the pending page within %s", SPAWN).isNotEqualTo("/hub/spawn-pending/alice");
        waitFor("the notebook UI", SPAWN, () -> path().startsWith("/user/alice/") && !path().endsWith("/oauth_callback")
                && "complete".equals(js("return document.readyState"))
                && !driver.findElements(By.id("notebook_list")).isEmpty());
        // The list of files is filled in by the page's scripts: wait for it before the picture.
        waitFor("the notebook list to render", PAGE, () -> Boolean.TRUE.equals(js(
                "var l=document.getElementById('notebook_list');"
                        + "return !!l && (l.querySelectorAll('.list_item').length>0 || /empty/i.test(l.textContent));")));
        long notebookAt = millisSince(t0);
        saveScreenshot("notebook");

        List<Map<String, Object>> recorded = recorded();
        List<String> recordedWidths = new ArrayList<>();
        for (Map<String, Object> r : recorded) {
            recordedWidths.add((String) r.get("width"));
            @SuppressWarnings("unchecked")
            List<String> log = (List<String>) r.get("log");
            if (log.size() > lastLog.size()) {
                lastLog = log;
            }
        }
        System.out.printf("Pending page after %d ms, notebook after %d ms%n", pendingAt, notebookAt);
        System.out.println("Polled: " + String.join(" | ", timeline));
        System.out.println("Recorded widths: " + recordedWidths);
        System.out.println("Event log: " + lastLog);

        widths.addAll(recordedWidths);
        boolean intermediate = widths.stream().anyMatch(HubPagesBrowserIT::between0And100);
        boolean severalMessages = lastLog.size() >= 3 && lastLog.contains("Server requested");
        assertThat(intermediate || severalMessages)
                .as("an intermediate width in %s, or several messages including 'Server requested' in %s", widths, lastLog)
                .isTrue();
        assertThat(lastLog).as("event log").contains("Server requested");
        assertThat(lastLog.get(lastLog.size() - 1)).as("last event").startsWith("Server ready at /user/alice/");
        assertThat(recordedWidths).as("the bar ends full").contains("100%");

        assertThat(path()).startsWith("/user/alice/");
        assertThat(driver.getTitle() + driver.findElement(By.tagName("body")).getText() + driver.getPageSource())
                .contains("Jupyter");
        assertThat(driver.findElement(By.id("notebook_list")).isDisplayed()).isTrue();

        List<String> requested = requestedUrls();
        System.out.println("Requests: " + requested.size() + "; answered with an error: " + failedResponses);
        List<String> paths = requested.stream().map(u -> URI.create(u).getRawPath()).toList();
        assertThat(paths).as("went through the hub's OAuth").contains("/hub/api/oauth2/authorize", "/user/alice/oauth_callback");
        assertThat(paths).as("the progress event stream").contains("/hub/api/users/alice/server/progress");

        Object logo = js("var i=document.querySelector('#ipython_notebook img');"
                + "return i?(i.getAttribute('src')+' naturalWidth='+i.naturalWidth):'no logo';");
        assertThat(String.valueOf(logo)).as("the single-user header shows the hub's logo")
                .startsWith("/hub/logo").doesNotContain("naturalWidth=0");
        List<String> scriptErrors = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            System.out.println("Console " + e.getLevel() + ": " + e.getMessage());
            if (e.getLevel().intValue() >= Level.SEVERE.intValue() && e.getMessage().startsWith(base + "/hub/")
                    && !e.getMessage().contains("Failed to load resource")) {
                scriptErrors.add(e.getMessage());
            }
        }
        assertThat(scriptErrors).as("script errors on the hub's pages").isEmpty();

        HttpResponse<String> model = hubApi("GET", "/users/alice");
        assertThat(model.statusCode()).isEqualTo(200);
        Map<?, ?> servers = (Map<?, ?>) JSON.readValue(model.body(), Map.class).get("servers");
        assertThat(((Map<?, ?>) servers.get("")).get("ready")).isEqualTo(true);
    }

    @Test
    @Order(5)
    void logoutReturnsToTheLoginFormAndHomeAsksToLogInAgain() {
        driver.get(base.resolve("/hub/home").toString());
        assertThat(path()).isEqualTo("/hub/home");
        assertThat(driver.findElement(By.id("start")).getText()).isEqualTo("My Server");

        driver.findElement(By.linkText("Logout")).click();
        waitFor("the login page after logout", PAGE, () -> path().equals("/hub/login")
                && !driver.findElements(By.name("username")).isEmpty());
        assertThat(driver.manage().getCookieNamed("jupyterhub-hub-login")).as("login cookie cleared").isNull();

        driver.get(base.resolve("/hub/logout").toString());
        assertThat(path()).as("/hub/logout when already logged out").isEqualTo("/hub/login");

        driver.get(base.resolve("/hub/home").toString());
        assertThat(path()).isEqualTo("/hub/login");
        assertThat(URI.create(driver.getCurrentUrl()).getRawQuery()).isEqualTo("next=%2Fhub%2Fhome");
        assertThat(driver.findElement(By.name("username")).isDisplayed()).isTrue();
    }

    @Test
    @Order(6)
    void stopMyServerStaysStoppedWhateverTheBrowserLoadsNext() throws Exception {
        driver.get(base.resolve("/hub/login?next=%2Fhub%2Fhome").toString());
        submitLogin("alice", PASSWORD);
        waitFor("home after logging in again", PAGE, () -> path().equals("/hub/home"));
        driver.findElement(By.id("stop")).click();
        waitFor("home saying the server is not running", SPAWN, () -> {
            driver.get(base.resolve("/hub/home").toString());
            return driver.findElement(By.tagName("main")).getText().contains("not running");
        });
        saveScreenshot("6-stopped");
        // What a browser loads on its own afterwards: the tab icon, the site's root, the hub's root, home again.
        for (String page : List.of("/favicon.ico", "/", "/hub/", "/hub/home", "/user/alice/tree")) {
            driver.get(base.resolve(page).toString());
            assertThat(path()).as("after loading " + page).doesNotStartWith("/hub/spawn").doesNotStartWith("/user/alice");
        }
        Thread.sleep(1000); // a spawn started by any of those would be pending by now
        HttpResponse<String> model = hubApi("GET", "/users/alice");
        Map<?, ?> user = JSON.readValue(model.body(), Map.class);
        assertThat(user.get("server")).as("no server started by viewing pages").isNull();
        assertThat(user.get("pending")).isNull();
        driver.get(base.resolve("/favicon.ico").toString());
        assertThat(driver.getPageSource()).as("the favicon is an image, not a redirect to a page").contains("svg");
    }

    @Test
    @Order(7)
    void theBrowserOnlyEverTalkedToTheLoopback() {
        // Everything requested since the browser started: what earlier steps read of its log, and the rest.
        requestedUrls();
        List<String> all = List.copyOf(allRequested);
        System.out.println("Requests in all: " + all.size());
        assertThat(all).isNotEmpty();
        assertThat(all).allSatisfy(u -> assertThat(URI.create(u).getHost()).as(u).isEqualTo("127.0.0.1"));
    }

    // ------------------------------------------------------------------ helpers

    private final List<String> allRequested = new ArrayList<>();
    /** Responses of 400 and up the browser got, e.g. a page's missing image: printed, for the reader. */
    private final List<String> failedResponses = new ArrayList<>();

    private void submitLogin(String user, String password) {
        WebElement name = driver.findElement(By.name("username"));
        name.clear();
        name.sendKeys(user);
        driver.findElement(By.name("password")).sendKeys(password);
        driver.findElement(By.id("login_submit")).click();
    }

    private String path() {
        return URI.create(driver.getCurrentUrl()).getRawPath();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> jsMap(String script) {
        return (Map<String, Object>) js(script);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> recorded() throws IOException {
        String raw = (String) js("return sessionStorage.getItem('hubkit-progress')");
        return raw == null ? List.of() : JSON.readValue(raw, List.class);
    }

    /** The http(s) and ws(s) URLs the browser requested since the last call, from its network log. */
    private List<String> requestedUrls() {
        List<String> urls = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.PERFORMANCE)) {
            try {
                Map<?, ?> message = (Map<?, ?>) JSON.readValue(e.getMessage(), Map.class).get("message");
                Object method = message.get("method");
                Map<?, ?> params = (Map<?, ?>) message.get("params");
                String url = null;
                if ("Network.requestWillBeSent".equals(method)) {
                    url = (String) ((Map<?, ?>) params.get("request")).get("url");
                } else if ("Network.webSocketCreated".equals(method)) {
                    url = (String) params.get("url");
                } else if ("Network.responseReceived".equals(method)) {
                    Map<?, ?> response = (Map<?, ?>) params.get("response");
                    if (((Number) response.get("status")).intValue() >= 400) {
                        failedResponses.add(response.get("status") + " " + response.get("url"));
                    }
                }
                if (url != null && url.matches("(?i)(https?|wss?)://.*")) {
                    urls.add(url);
                }
            } catch (IOException bad) {
                throw new AssertionError("unreadable performance log entry: " + e.getMessage(), bad);
            }
        }
        allRequested.addAll(urls);
        return urls;
    }

    private void saveScreenshot(String name) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path to = SCREENSHOTS.resolve(name + ".png");
        Files.copy(shot.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Screenshot: " + to.toAbsolutePath());
    }

    private static boolean between0And100(String width) {
        if (width == null || !width.endsWith("%")) {
            return false;
        }
        try {
            double w = Double.parseDouble(width.substring(0, width.length() - 1));
            return w > 0 && w < 100;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isStale(WebElement e) {
        try {
            e.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException gone) {
            return true;
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private void waitFor(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
            } catch (WebDriverException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + " (at "
                + Optional.ofNullable(driver.getCurrentUrl()).orElse("?") + ")", last);
    }

    private HttpResponse<String> hubApi(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/hub/api" + path))
                .header("Authorization", "token " + ADMIN_TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private boolean hasActiveServer() throws IOException, InterruptedException {
        HttpResponse<String> r = hubApi("GET", "/users?state=active");
        return r.statusCode() == 200 && !JSON.readValue(r.body(), List.class).isEmpty();
    }
}
