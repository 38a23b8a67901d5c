package dev.memfilestore.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The MemFileStore demo: a Spring Boot application whose only session set-up is the starter on its
 * classpath. One page counts your visits, lets you sign in as the demo user and shows the store's
 * live statistics; stop it and start it again, and you are still signed in.
 */
@SpringBootApplication
public class DemoApplication {
  static final String DEMO_USER = "demo";
  static final String DEMO_PASSWORD = "demo";

  /**
   * Starts the demo.
   *
   * @param args Spring Boot arguments, e.g. {@code --server.port=9090}
   */
  public static void main(String[] args) {
    SpringApplication.run(DemoApplication.class, args);
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .formLogin(
            form ->
                form.loginPage("/")
                    .loginProcessingUrl("/login")
                    .defaultSuccessUrl("/", true)
                    .failureUrl("/?error")
                    .permitAll())
        .logout(logout -> logout.logoutSuccessUrl("/"))
        .headers(Customizer.withDefaults());
    return http.build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(
        User.withUsername(DEMO_USER).password("{noop}" + DEMO_PASSWORD).roles("USER").build());
  }

  /** Says where to look, and gives tests a line to wait for. */
  @EventListener
  void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("READY port=" + port + " (open http://localhost:" + port + "/)");
    System.out.flush();
  }
}
