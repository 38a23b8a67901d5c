package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.Durability;
import dev.memfilestore.StoreStats;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.SessionRepository;

/** When the memfilestore health indicator is configured, and what it reports. */
class MemFileStoreHealthAutoConfigurationTest {
  @TempDir Path dir;

  private WebApplicationContextRunner runner() {
    return new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MemFileSessionAutoConfiguration.class, MemFileStoreHealthAutoConfiguration.class))
        .withPropertyValues("memfilestore.save-file=" + dir.resolve("sessions.json"));
  }

  @Test
  void theIndicatorReportsTheRunningStore() {
    runner()
        .run(
            context -> {
              HealthIndicator indicator =
                  context.getBean("memfilestoreHealthIndicator", HealthIndicator.class);
              Health health = indicator.health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails())
                  .containsEntry("sessions", 0L)
                  .containsEntry("max", 100_000L)
                  .containsEntry("durability", "JOURNAL")
                  .doesNotContainKey("reason");
            });
  }

  @Test
  void itCanBeTurnedOff() {
    runner()
        .withPropertyValues("management.health.memfilestore.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("memfilestoreHealthIndicator"));
  }

  @Test
  void itStandsBackWithoutTheStore() {
    runner()
        .withUserConfiguration(OwnRepository.class)
        .run(context -> assertThat(context).doesNotHaveBean("memfilestoreHealthIndicator"));
  }

  @Test
  void aPersistenceProblemIsDownWithTheReason() {
    Instant snapshot = Instant.parse("2026-11-30T10:15:30Z");
    StoreStats failing =
        new StoreStats(
            3,
            3,
            Long.MAX_VALUE,
            0,
            0,
            Durability.JOURNAL,
            snapshot,
            120,
            2,
            40,
            "cannot write the journal /srv/s.json.journal.4: No space left on device");
    Health health = MemFileStoreHealthAutoConfiguration.health(failing);
    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
    assertThat(health.getDetails())
        .containsEntry(
            "reason", "cannot write the journal /srv/s.json.journal.4: No space left on device")
        .containsEntry("sessions", 3L)
        .containsEntry("max", "unbounded")
        .containsEntry("lastSnapshot", "2026-11-30T10:15:30Z")
        .containsEntry("lastSnapshotSessions", 2L);
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRepository {
    @Bean
    SessionRepository<?> sessionRepository() {
      return new MapSessionRepository(new HashMap<>());
    }
  }
}
