package dev.memfilestore.bench.e2e;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.memfilestore.tomcat.MemFileManager;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.session.jdbc.config.annotation.web.http.EnableJdbcHttpSession;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The end-to-end benchmark's application: the demo's page logic (a visit counter in the session,
 * Spring Security's form login and its CSRF token in the session, an HTML page of about 2 KB) with
 * one of five session set-ups chosen at start by {@code --e2e.sessions}:
 *
 * <ul>
 *   <li>{@code memfilestore}: the MemFileStore starter, JOURNAL durability, max 10k (as the demo);
 *   <li>{@code tomcat}: no Spring Session at all: Tomcat's in-memory sessions, Boot's default;
 *   <li>{@code tomcat-memfilestore}: no Spring Session either; Boot's embedded Tomcat keeps its
 *       sessions in memfilestore-tomcat's {@code MemFileManager} (JOURNAL, max 10k, the file {@code
 *       sessions.jsonl} in {@code --e2e.dir}), installed by a {@code TomcatContextCustomizer} as
 *       the README shows;
 *   <li>{@code spring-map}: Spring Session with its in-memory {@code MapSessionRepository}: the
 *       cost of Spring Session's filter without a store that serializes or persists;
 *   <li>{@code jdbc}: Spring Session JDBC on an H2 file database through a HikariCP pool, set up
 *       with {@code @EnableJdbcHttpSession} and spring-session-jdbc's {@code schema-h2.sql}.
 * </ul>
 *
 * <p>It leaves out the demo's store statistics (only one of the set-ups has them).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class E2eApplication {
  private static final String MEMFILESTORE_AUTO_CONFIGURATION =
      "dev.memfilestore.spring.boot.MemFileSessionAutoConfiguration";

  /**
   * Starts the application.
   *
   * @param args {@code --e2e.sessions=memfilestore|tomcat|tomcat-memfilestore|spring-map|jdbc},
   *     {@code --e2e.dir=...}, and any Spring Boot argument, e.g. {@code --server.port=18080}
   */
  public static void main(String[] args) {
    String mode = "memfilestore";
    String dir = "target/e2e";
    for (String a : args) {
      if (a.startsWith("--e2e.sessions=")) {
        mode = a.substring("--e2e.sessions=".length());
      } else if (a.startsWith("--e2e.dir=")) {
        dir = a.substring("--e2e.dir=".length());
      }
    }
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--spring.main.banner-mode=off");
    all.add("--spring.session.timeout=30m");
    all.add("--server.servlet.session.timeout=30m");
    switch (mode) {
      case "memfilestore" -> {
        all.add("--memfilestore.save-file=" + Path.of(dir, "sessions.json"));
        all.add("--memfilestore.max=10000");
        all.add("--memfilestore.save-period=1m");
        all.add("--memfilestore.check-period=30s");
        all.add("--memfilestore.durability=journal");
      }
      case "tomcat", "tomcat-memfilestore", "jdbc", "spring-map" ->
          all.add("--spring.autoconfigure.exclude=" + MEMFILESTORE_AUTO_CONFIGURATION);
      default -> throw new IllegalArgumentException("--e2e.sessions: " + mode);
    }
    SpringApplication.run(E2eApplication.class, all.toArray(String[]::new));
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .formLogin(form -> form.loginPage("/").loginProcessingUrl("/login").permitAll());
    return http.build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("demo").password("{noop}demo").roles("USER").build());
  }

  @EventListener
  void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("READY port=" + port);
    System.out.flush();
  }

  /** Spring Session over a {@code ConcurrentHashMap}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "e2e.sessions", havingValue = "spring-map")
  @EnableSpringHttpSession
  static class MapSessions {
    @Bean
    MapSessionRepository sessionRepository() {
      MapSessionRepository repository = new MapSessionRepository(new ConcurrentHashMap<>());
      repository.setDefaultMaxInactiveInterval(Duration.ofMinutes(30));
      return repository;
    }
  }

  /** Tomcat's own sessions (no Spring Session) kept by {@code MemFileManager}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "e2e.sessions", havingValue = "tomcat-memfilestore")
  static class TomcatMemFileSessions {
    @Bean
    TomcatContextCustomizer memFileSessions(org.springframework.core.env.Environment env) {
      String file =
          Path.of(env.getProperty("e2e.dir", "target/e2e"), "sessions.jsonl")
              .toAbsolutePath()
              .toString();
      return context -> {
        MemFileManager manager = new MemFileManager();
        manager.setSaveFile(file);
        manager.setMax(10_000);
        manager.setDurability("JOURNAL");
        // the CSRF token Spring Security keeps in the session is read back after a restart
        manager.setAllowedTypes("org.springframework.security.web.csrf.*");
        context.setManager(manager);
      };
    }
  }

  /** Spring Session JDBC on an H2 file database, the usual way to persist sessions. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "e2e.sessions", havingValue = "jdbc")
  @EnableJdbcHttpSession
  static class JdbcSessions {
    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(org.springframework.core.env.Environment env) {
      HikariConfig config = new HikariConfig();
      String dir = env.getProperty("e2e.dir", "target/e2e");
      config.setJdbcUrl("jdbc:h2:file:" + Path.of(dir, "sessions").toAbsolutePath());
      config.setUsername("sa");
      config.setPassword("");
      HikariDataSource dataSource = new HikariDataSource(config);
      new ResourceDatabasePopulator(
              new ClassPathResource("org/springframework/session/jdbc/schema-h2.sql"))
          .execute(dataSource);
      return dataSource;
    }

    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }

  /** The page: count the visit, show the session and the sign-in form with its CSRF token. */
  @RestController
  static class Page {
    @GetMapping(value = "/", produces = MediaType.TEXT_HTML_VALUE)
    String page(HttpServletRequest request, HttpSession session, Principal principal) {
      Long visits = (Long) session.getAttribute("visits");
      visits = visits == null ? 1L : visits + 1;
      session.setAttribute("visits", visits);
      CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
      Instant created = Instant.ofEpochMilli(session.getCreationTime());
      Instant expires =
          Instant.ofEpochMilli(session.getLastAccessedTime())
              .plusSeconds(session.getMaxInactiveInterval());
      StringBuilder html = new StringBuilder(2048);
      html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
          .append("<title>MemFileStore e2e</title><style>body{font:16px system-ui;margin:2em}")
          .append("section{border:1px solid #ddd;border-radius:8px;padding:1em;margin:1em 0}")
          .append(".big{font-size:48px;font-weight:700;color:#2f6fde}</style></head><body>")
          .append("<h1>MemFileStore end-to-end benchmark</h1><section><h2>Your session</h2>")
          .append("<div class=\"big\">")
          .append(visits)
          .append("</div><dl><dt>Started</dt><dd>")
          .append(created)
          .append("</dd><dt>Expires</dt><dd>")
          .append(expires)
          .append("</dd></dl></section><section><h2>Account</h2>");
      if (principal != null) {
        html.append("<p>Signed in as ").append(HtmlUtils.htmlEscape(principal.getName()));
      } else {
        html.append("<form method=\"post\" action=\"login\"><input type=\"hidden\" name=\"")
            .append(HtmlUtils.htmlEscape(csrf.getParameterName()))
            .append("\" value=\"")
            .append(HtmlUtils.htmlEscape(csrf.getToken()))
            .append("\"><label>User <input name=\"username\"></label><label>Password")
            .append(" <input name=\"password\" type=\"password\"></label>")
            .append("<button type=\"submit\">Sign in</button></form>");
      }
      html.append("</section></body></html>");
      return html.toString();
    }
  }
}
