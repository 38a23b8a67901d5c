package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpSession;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Spring Boot's embedded Tomcat (Boot 4.0.7, no Spring Session) with the manager installed by a
 * {@code TomcatContextCustomizer} bean, as the README shows: a browser's session survives the
 * application being closed and started again on the same file.
 */
class SpringBootCustomizerTest {
  @TempDir Path dir;

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @RestController
  static class App {
    @Bean
    TomcatContextCustomizer memFileSessions(@Value("${test.save-file}") String saveFile) {
      return context -> {
        MemFileManager manager = new MemFileManager();
        manager.setSaveFile(saveFile);
        manager.setMax(10_000);
        context.setManager(manager);
      };
    }

    @GetMapping("/count")
    String count(HttpSession session) {
      Integer visits = (Integer) session.getAttribute("visits");
      int next = visits == null ? 1 : visits + 1;
      session.setAttribute("visits", next);
      return "visits=" + next;
    }
  }

  private ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(App.class)
        .properties(
            "server.port=0",
            "spring.main.banner-mode=off",
            "test.save-file=" + dir.resolve("sessions.json"))
        .run();
  }

  private static String url(ConfigurableApplicationContext app) {
    return "http://localhost:" + app.getEnvironment().getProperty("local.server.port") + "/count";
  }

  @Test
  void aBootApplicationsSessionsSurviveARestart() {
    Browser browser = new Browser();
    try (ConfigurableApplicationContext app = start()) {
      assertThat(browser.body(url(app))).isEqualTo("visits=1");
      assertThat(browser.body(url(app))).isEqualTo("visits=2");
    }
    assertThat(dir.resolve("sessions.json")).exists();
    try (ConfigurableApplicationContext app = start()) {
      assertThat(browser.body(url(app))).isEqualTo("visits=3");
    }
  }
}
