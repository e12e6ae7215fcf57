package org.hubkit.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.hubkit.api.AccessRules;
import org.hubkit.api.SpawnOptionsForm.Choice;
import org.hubkit.api.VolumePolicy;
import org.hubkit.core.Database;
import org.hubkit.core.Hub;
import org.hubkit.core.Service;
import org.hubkit.core.SharedPasswordAuthenticator;
import org.hubkit.proxy.netty.NettyProxy;
import org.hubkit.testkit.HubClient;
import org.hubkit.testkit.RealComponents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The Docker spawn form clicked through in a real headless Chromium: alice (in group staff) logs
 * in, Start My Server shows the spawner's choices with the staff-only image, she picks it and a
 * memory size, the progress page takes her to the real notebook in her container, and the engine
 * says the container runs that image with that limit. Bob, outside the group, is offered only the
 * standard image. Screenshots go to {@code target/screenshots/}.
 */
class SpawnFormBrowserIT {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String PASSWORD = "correct horse battery staple";
    private static final String ADMIN_TOKEN = "browser-admin-" + UUID.randomUUID();

    @Test
    void aliceChoosesTheStaffImageAndAMemorySizeOnTheFormAndLandsInHerNotebook(@TempDir Path dir) throws Exception {
        TestEngine.require();
        Path chromium = RealComponents.chromium();
        Path chromedriver = RealComponents.chromedriver();
        Files.createDirectories(SCREENSHOTS);
        String hubId = TestEngine.uniqueHubId();
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        DockerSpawner spawner = DockerSpawner.builder().image(TestEngine.IMAGE).hubId(hubId).nameTemplate(hubId + "-{username}")
                .pullPolicy(DockerSpawner.PullPolicy.NEVER).stopTimeout(Duration.ofSeconds(3)).remove(true)
                .volumes(DockerVolumes.builder().build())
                .imageChoice(new Choice("standard", "Standard <image>", "", Set.of()), TestEngine.IMAGE)
                .imageChoice(new Choice("alt", "Alternative image", "for staff", Set.of("staff")), TestEngine.ALT_IMAGE)
                .choice("memLimit", new Choice("256M", "256 MB", "", Set.of()))
                .choice("memLimit", new Choice("512M", "512 MB", "", Set.of()))
                .build();
        Hub hub = Hub.builder().spawner(spawner)
                .authenticator(SharedPasswordAuthenticator.builder().password(PASSWORD)
                        .accessRules(AccessRules.allow(Set.of("alice", "bob"))).build())
                .proxy(NettyProxy.builder().ip("127.0.0.1").port(proxyPort).build())
                .volumePolicy(VolumePolicy.none())
                .database(Database.h2(dir.resolve("db")))
                .port(0)
                .publicUrl(URI.create("http://127.0.0.1:" + proxyPort))
                .addService(new Service("browser-admin", ADMIN_TOKEN, true))
                .build().start();
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().withLogFile(SCREENSHOTS.resolve("chromedriver-spawn-form.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments(RealComponents.chromiumArguments(Files.createDirectories(dir.resolve("chromium-profile"))));
        ChromeDriver driver = new ChromeDriver(service, options);
        HubClient admin = new HubClient(hub.publicUrl());
        try {
            assertThat(admin.api("POST", "/users/alice", ADMIN_TOKEN, null).statusCode()).isEqualTo(201);
            assertThat(admin.api("PATCH", "/users/alice", ADMIN_TOKEN, Map.of("groups", List.of("staff"))).statusCode())
                    .isEqualTo(200);
            String base = hub.publicUrl().toString();

            login(driver, base, "alice");
            driver.findElement(By.id("start")).click();
            until(driver, "the spawn form", () -> driver.getCurrentUrl().equals(base + "/hub/spawn")
                    && !driver.findElements(By.id("option-image")).isEmpty());
            shot(driver, "docker-form-1-alice");
            assertThat(driver.findElements(By.cssSelector("#option-image option"))).extracting(WebElement::getText)
                    .containsExactly("Standard <image>", "Alternative image \u2014 for staff");
            driver.findElement(By.cssSelector("#option-image option[value=alt]")).click();
            driver.findElement(By.cssSelector("#option-memLimit option[value='512M']")).click();
            driver.findElement(By.id("start")).click();

            until(driver, "her notebook", () -> driver.getCurrentUrl().startsWith(base + "/user/alice/tree")
                    && !driver.findElements(By.id("notebook_list")).isEmpty());
            shot(driver, "docker-form-2-notebook");
            InspectContainerResponse c = TestEngine.require().inspectContainerCmd(hubId + "-alice").exec();
            assertThat(c.getConfig().getImage()).isEqualTo(TestEngine.ALT_IMAGE);
            assertThat(c.getHostConfig().getMemory()).isEqualTo(512L * 1024 * 1024);
            assertThat(c.getState().getRunning()).isTrue();

            driver.get(base + "/hub/logout");
            login(driver, base, "bob");
            driver.findElement(By.id("start")).click();
            until(driver, "bob's spawn form", () -> !driver.findElements(By.id("option-image")).isEmpty());
            shot(driver, "docker-form-3-bob");
            assertThat(driver.findElements(By.cssSelector("#option-image option"))).extracting(o -> o.getAttribute("value"))
                    .containsExactly("standard");
        } finally {
            driver.quit();
            service.stop();
            try {
                admin.api("DELETE", "/users/alice/server", ADMIN_TOKEN, null);
            } finally {
                hub.close();
                TestEngine.removeAll(hubId);
            }
        }
    }

    private static void login(ChromeDriver driver, String base, String user) throws Exception {
        driver.get(base + "/hub/home");
        until(driver, "the login form", () -> !driver.findElements(By.name("username")).isEmpty());
        driver.findElement(By.name("username")).sendKeys(user);
        driver.findElement(By.name("password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login_submit")).click();
        until(driver, user + "'s home page", () -> driver.getCurrentUrl().equals(base + "/hub/home")
                && !driver.findElements(By.id("start")).isEmpty());
    }

    private static void until(ChromeDriver driver, String what, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                shot(driver, "docker-form-timeout");
                throw new AssertionError("not at " + what + " within 60 s; at " + driver.getCurrentUrl());
            }
            Thread.sleep(100);
        }
    }

    private static void shot(ChromeDriver driver, String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
