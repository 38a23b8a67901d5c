package dev.memfilestore.spring.boot.app;

import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.security.SpringSessionBackedSessionRegistry;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Spring Boot application with form login and nothing about sessions but the starter on its
 * classpath, run as a child process by the tests. Prints {@code READY port=N} once it serves.
 */
@SpringBootApplication
@RestController
public class LoginApp {

  public static void main(String[] args) {
    SpringApplication.run(LoginApp.class, args);
  }

  @Bean
  SecurityFilterChain security(
      HttpSecurity http, FindByIndexNameSessionRepository<? extends Session> sessions)
      throws Exception {
    http.authorizeHttpRequests(
            a -> a.requestMatchers("/actuator/**").permitAll().anyRequest().authenticated())
        .formLogin(Customizer.withDefaults())
        // one session per user: a new login expires the older one, through the principal index
        .sessionManagement(
            s ->
                s.maximumSessions(1)
                    .sessionRegistry(new SpringSessionBackedSessionRegistry<>(sessions)));
    return http.build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("ada").password("{noop}lovelace").roles("USER").build());
  }

  /** Counts this session's visits; only a logged-in user gets here. */
  @GetMapping("/visits")
  String visits(HttpSession session, Principal principal) {
    Long visits = (Long) session.getAttribute("visits");
    visits = visits == null ? 1L : visits + 1;
    session.setAttribute("visits", visits);
    return principal.getName() + " " + visits;
  }

  @EventListener
  void ready(ApplicationReadyEvent event) {
    Environment env = event.getApplicationContext().getEnvironment();
    System.out.println("READY port=" + env.getProperty("local.server.port"));
    System.out.flush();
  }
}
