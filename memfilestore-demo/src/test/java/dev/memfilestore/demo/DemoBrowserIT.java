package dev.memfilestore.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.memfilestore.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>Without chromium the test is skipped with a line that says so, so that {@code mvn verify}
 * passes on a machine with only Java and Maven; {@code -Dmemfilestore.requireBrowser=true} (which
 * {@code .ci/run} sets) makes a missing browser a failure. {@code -Dmemfilestore.chromium=PATH} and
 * {@code -Dmemfilestore.chromedriver=PATH} point at other binaries.
 */
class DemoBrowserIT {
  private static final Path CHROMIUM =
      Path.of(System.getProperty("memfilestore.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER =
      Path.of(System.getProperty("memfilestore.chromedriver", "/usr/bin/chromedriver"));

  @TempDir Path workDir;

  /** Skips (or with -Dmemfilestore.requireBrowser=true fails) when chromium is missing. */
  private static void needsChromium() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM.toString());
    }
    if (!Files.isExecutable(CHROMEDRIVER)) {
      missing.add(CHROMEDRIVER.toString());
    }
    String why =
        "DemoBrowserIT needs chromium and chromium-driver, and "
            + String.join(" and ", missing)
            + (missing.size() == 1 ? " is" : " are")
            + " missing: apt-get install chromium chromium-driver to run it (.ci/run does)";
    if (Boolean.getBoolean("memfilestore.requireBrowser")) {
      assertThat(missing).as(why + "; -Dmemfilestore.requireBrowser=true requires it").isEmpty();
    }
    if (!missing.isEmpty()) {
      // Surefire's summary counts a skip but does not say why: this line does (see the pom)
      System.out.println("[WARNING] Skipped: " + why);
    }
    assumeTrue(missing.isEmpty(), why);
  }

  @Test
  void signInReloadRestartReload() throws Exception {
    needsChromium();
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
      // a short save period, so that the screenshot shows this run's own snapshot
      try (ChildJvm demo =
          DemoRestartIT.startDemo(workDir, "demo-browser-2", "--memfilestore.save-period=2s")) {
        int newPort = DemoRestartIT.port(demo);
        browser.get("http://127.0.0.1:" + newPort + "/");
        assertThat(browser.findElement(By.id("signed-in")).getText())
            .isEqualTo("Signed in as demo");
        assertThat(browser.findElement(By.id("visit-count")).getText()).isEqualTo("4");
        // the statistics refresh on their own every two seconds
        wait.until(b -> !b.findElement(By.id("stat-lastSnapshot")).getText().equals("not yet"));
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
