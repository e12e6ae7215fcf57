package org.hubkit.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real browser logs in: Debian's headless Chromium (driven through Debian's chromedriver, never
 * one Selenium Manager would fetch) opens the hub's login page behind the Netty proxy, clicks the
 * OpenID Connect button, signs in on mock-oauth2-server's own login page (its
 * {@code interactiveLogin} form: a subject and the claims as JSON), comes back through the
 * callback to the hub's home page as that user, with the provider's groups, and logs out. Only
 * loopback names resolve in the browser. Screenshots go to {@code target/screenshots/}.
 */
class OidcBrowserLoginIT {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @Test
    void aPersonSignsInOnTheProvidersPageAndLandsOnTheHub(@TempDir Path dir) throws Exception {
        Path chromium = RealComponents.chromium();
        Path chromedriver = RealComponents.chromedriver();
        Files.createDirectories(SCREENSHOTS);
        try (OidcHub oidc = OidcHub.startInteractive(dir, a -> a.allowedGroups(Set.of("staff")).manageGroups(true))) {
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                    .usingAnyFreePort().withLogFile(SCREENSHOTS.resolve("chromedriver-oidc.log").toFile()).build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.toFile());
            options.addArguments(RealComponents.chromiumArguments(Files.createDirectories(dir.resolve("chromium-profile"))));
            ChromeDriver driver = new ChromeDriver(service, options);
            try {
                driver.get(oidc.base.resolve("/hub/login").toString());
                driver.findElement(By.id("login-oidc")).click();

                until(driver, "the provider's login page", () -> driver.getCurrentUrl().contains("/default/authorize"));
                shot(driver, "oidc-1-provider-login");
                driver.findElement(By.name("username")).sendKeys("browser-sub");
                driver.findElement(By.name("claims")).sendKeys("{\"preferred_username\": \"Browser.User\", \"groups\": [\"staff\"]}");
                driver.findElement(By.cssSelector("input[type=submit]")).click();

                until(driver, "the hub's home page", () -> driver.getCurrentUrl().startsWith(oidc.base.resolve("/hub/home").toString()));
                shot(driver, "oidc-2-hub-home");
                assertThat(driver.findElement(By.id("username")).getText()).isEqualTo("browser.user");
                assertThat(oidc.user("browser.user").get("groups")).isEqualTo(List.of("staff"));

                driver.get(oidc.base.resolve("/hub/logout").toString());
                driver.get(oidc.base.resolve("/hub/home").toString());
                until(driver, "the login page", () -> driver.getCurrentUrl().contains("/hub/login"));
                shot(driver, "oidc-3-logged-out");
            } finally {
                driver.quit();
                service.stop();
            }
        }
    }

    static void until(ChromeDriver driver, String what, java.util.function.BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                shot(driver, "oidc-timeout");
                throw new AssertionError("not at " + what + " within 30 s; at " + driver.getCurrentUrl());
            }
            Thread.sleep(100);
        }
    }

    static void shot(ChromeDriver driver, String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
