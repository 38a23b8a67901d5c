package dev.memfilestore.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo in a real headless browser (Debian's chromium and chromium-driver; {@code .ci/run}
 * installs them): sign in, reload, restart the server, reload; the page still says who you are and
 * the count goes on. Leaves a screenshot in {@code target/demo.png} (the README's is a copy).
 */
class DemoBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path workDir;

  @Test
  void signInReloadRestartReload() throws Exception {
    assertThat(CHROMIUM)
        .as("chromium is needed: apt-get install chromium chromium-driver (.ci/run does)")
        .exists();
    assertThat(CHROMEDRIVER).as("chromedriver: apt-get install chromium-driver").exists();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,820");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    ChromeDriver browser = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
      int port;
      try (ChildJvm demo = DemoRestartIT.startDemo(workDir, "demo-browser-1")) {
        port = DemoRestartIT.port(demo);
        browser.get("http://127.0.0.1:" + port + "/");
        assertThat(browser.findElement(By.id("visit-count")).getText()).isEqualTo("1");
        browser.findElement(By.name("username")).sendKeys("demo");
        browser.findElement(By.name("password")).sendKeys("demo");
        browser.findElement(By.cssSelector("#login button")).click();
        wait.until(b -> !b.findElements(By.id("signed-in")).isEmpty());
        assertThat(browser.findElement(By.id("signed-in")).getText())
            .isEqualTo("Signed in as demo");
        browser.navigate().refresh();
        assertThat(browser.findElement(By.id("visit-count")).getText()).isEqualTo("3");
        demo.terminate();
        demo.awaitExit(Duration.ofSeconds(30));
      }
      try (ChildJvm demo = DemoRestartIT.startDemo(workDir, "demo-browser-2")) {
        int newPort = DemoRestartIT.port(demo);
        browser.get("http://127.0.0.1:" + newPort + "/");
        assertThat(browser.findElement(By.id("signed-in")).getText())
            .isEqualTo("Signed in as demo");
        assertThat(browser.findElement(By.id("visit-count")).getText()).isEqualTo("4");
        // the statistics refresh on their own every two seconds
        wait.until(b -> !b.findElement(By.id("stat-journalSize")).getText().equals("0 B"));
        assertThat(browser.findElement(By.tagName("body")).getText())
            .contains("Sessions in memory")
            .contains("JOURNAL")
            .contains("healthy");
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "demo.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      browser.quit();
    }
  }
}
