package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.memfilestore.Durability;
import dev.memfilestore.spring.MemFileSessionRepository;
import dev.memfilestore.spring.MemFileSessionRepository.MemFileSession;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.FlushMode;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.web.http.SessionRepositoryFilter;

/** What the starter configures from properties, and when it stands back. */
class MemFileSessionAutoConfigurationTest {
  @TempDir Path dir;

  private WebApplicationContextRunner runner() {
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MemFileSessionAutoConfiguration.class))
        .withPropertyValues("memfilestore.save-file=" + dir.resolve("sessions.json"));
  }

  @Test
  void aServletAppGetsThePersistentRepositoryAndTheSessionFilter() {
    runner()
        .run(
            context -> {
              assertThat(context).hasSingleBean(MemFileSessionRepository.class);
              assertThat(context).hasSingleBean(SessionRepositoryFilter.class);
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              assertThat(repository.stats().durability()).isEqualTo(Durability.JOURNAL);
              assertThat(repository.stats().max()).isEqualTo(100_000);
              MemFileSession session = repository.createSession();
              assertThat(session.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
              repository.save(session);
            });
    assertThat(dir.resolve("sessions.json")).exists(); // the context's close saved
  }

  @Test
  void propertiesConfigureTheStore() {
    runner()
        .withPropertyValues(
            "memfilestore.max=5",
            "memfilestore.durability=snapshot",
            "memfilestore.flush-mode=immediate")
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              assertThat(repository.stats().max()).isEqualTo(5);
              assertThat(repository.stats().durability()).isEqualTo(Durability.SNAPSHOT);
              MemFileSession session = repository.createSession(); // saved at once
              assertThat(repository.findById(session.getId())).isNotNull();
            });
  }

  @Test
  void anEmptySaveFileKeepsSessionsInMemoryOnly() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MemFileSessionAutoConfiguration.class))
        .withPropertyValues("memfilestore.save-file=")
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              assertThat(repository.stats().durability()).isEqualTo(Durability.SNAPSHOT);
              assertThat(repository.stats().lastSnapshot()).isNull();
            });
  }

  @Test
  void theSessionTimeoutComesFromSpringSessionElseTheServletContainer() {
    runner()
        .withPropertyValues("server.servlet.session.timeout=9m")
        .run(context -> assertThat(timeout(context)).isEqualTo(Duration.ofMinutes(9)));
    runner()
        .withPropertyValues("server.servlet.session.timeout=9m", "spring.session.timeout=7m")
        .run(context -> assertThat(timeout(context)).isEqualTo(Duration.ofMinutes(7)));
  }

  private static Duration timeout(
      org.springframework.boot.test.context.assertj.AssertableWebApplicationContext context) {
    return context.getBean(MemFileSessionRepository.class).createSession().getMaxInactiveInterval();
  }

  @Test
  void theAppsOwnRepositoryWins() {
    runner()
        .withUserConfiguration(OwnRepository.class)
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(MemFileSessionRepository.class);
              assertThat(context).hasSingleBean(SessionRepository.class);
            });
  }

  @Test
  void notAWebAppNoRepository() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MemFileSessionAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(MemFileSessionRepository.class));
  }

  @Test
  void customizersRunBeforeTheStoreOpens() {
    runner()
        .withUserConfiguration(ImmediateFlush.class)
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              MemFileSession session = repository.createSession();
              assertThat(repository.findById(session.getId())).isNotNull();
            });
  }

  @Test
  void springSecuritysLoginStateIsStoredByTheDefaultSerializer() {
    runner()
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              MemFileSession session = repository.createSession();
              session.setAttribute(
                  "SPRING_SECURITY_CONTEXT",
                  new SecurityContextImpl(
                      UsernamePasswordAuthenticationToken.authenticated(
                          "ada", null, AuthorityUtils.createAuthorityList("ROLE_USER"))));
              repository.save(session);
              assertThat(repository.findByPrincipalName("ada")).containsKey(session.getId());
            });
  }

  @Test
  void badSettingsStopStartUpWithAMessageNamingTheProperty() {
    runner()
        .withPropertyValues("memfilestore.encryption-key=not base64!")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("memfilestore.encryption-key is not base64"));
    runner()
        .withPropertyValues(
            "memfilestore.encryption-key=" + Base64.getEncoder().encodeToString(new byte[10]))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("an AES key has 16, 24 or 32"));
    runner()
        .withPropertyValues("memfilestore.max=-1")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("memfilestore.max"));
    runner()
        .withPropertyValues("memfilestore.check-period=0s")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("memfilestore.check-period"));
  }

  @Test
  void anEncryptionKeyEncryptsTheSaveFile() throws Exception {
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    runner()
        .withPropertyValues("memfilestore.encryption-key=" + key)
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              MemFileSession session = repository.createSession();
              session.setAttribute("secret", "plain-text-marker");
              repository.save(session);
            });
    String file = Files.readString(dir.resolve("sessions.json"));
    assertThat(file).contains("AES-GCM").doesNotContain("plain-text-marker");
  }

  @Test
  void metersReportTheStore() {
    runner()
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              context
                  .getBean(io.micrometer.core.instrument.binder.MeterBinder.class)
                  .bindTo(registry);
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              repository.save(repository.createSession());
              repository.save(repository.createSession());
              assertThat(registry.get("memfilestore.sessions").gauge().value()).isEqualTo(2.0);
              assertThat(registry.get("memfilestore.sessions.max").gauge().value())
                  .isEqualTo(100_000.0);
              assertThat(registry.get("memfilestore.journal.bytes").gauge().value()).isPositive();
              assertThat(registry.get("memfilestore.healthy").gauge().value()).isEqualTo(1.0);
              assertThat(registry.get("memfilestore.sessions.evicted").functionCounter().count())
                  .isZero();
            });
  }

  @Test
  void httpSessionListenersHearOfCreatedDeletedAndExpiredSessions() {
    runner()
        .withPropertyValues("memfilestore.check-period=50ms")
        .withUserConfiguration(Listener.class)
        .run(
            context -> {
              MemFileSessionRepository repository = context.getBean(MemFileSessionRepository.class);
              List<String> heard = context.getBean(Listener.class).heard;
              MemFileSession deleted = repository.createSession();
              repository.save(deleted);
              repository.deleteById(deleted.getId());
              MemFileSession expiring = repository.createSession();
              expiring.setMaxInactiveInterval(Duration.ofMillis(100));
              repository.save(expiring);

              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> heard.contains("destroyed " + expiring.getId()));
              assertThat(heard)
                  .containsExactly(
                      "created " + deleted.getId(),
                      "destroyed " + deleted.getId(),
                      "created " + expiring.getId(),
                      "destroyed " + expiring.getId());
            });
  }

  /** An application's HttpSessionListener, reached through Spring Session's event bridge. */
  @Configuration(proxyBeanMethods = false)
  static class Listener implements HttpSessionListener {
    final List<String> heard = new CopyOnWriteArrayList<>();

    @Override
    public void sessionCreated(HttpSessionEvent event) {
      heard.add("created " + event.getSession().getId());
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
      heard.add("destroyed " + event.getSession().getId());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRepository {
    @Bean
    MapSessionRepository sessionRepository() {
      return new MapSessionRepository(new java.util.concurrent.ConcurrentHashMap<>());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class ImmediateFlush {
    @Bean
    SessionRepositoryCustomizer<MemFileSessionRepository> immediate() {
      return r -> r.setFlushMode(FlushMode.IMMEDIATE);
    }
  }
}
