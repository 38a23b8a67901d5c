package dev.memfilestore.spring.boot;

import dev.memfilestore.StoreStats;
import dev.memfilestore.spring.MemFileSessionRepository;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code memfilestore} health indicator when Spring Boot's health support (Actuator) is
 * present: {@code UP} while the store persists as configured, {@code DOWN} with the reason when it
 * cannot write its journal or a snapshot (the sessions stay in memory and the store retries), with
 * the store's size, bound and last snapshot as details. Turned off with {@code
 * management.health.memfilestore.enabled=false}. Spring Boot 4 only (Boot 3.5 has its health API
 * elsewhere).
 */
@AutoConfiguration(
    after = MemFileSessionAutoConfiguration.class,
    beforeName =
        "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({HealthIndicator.class, MemFileSessionRepository.class})
@ConditionalOnBean(MemFileSessionRepository.class)
@ConditionalOnEnabledHealthIndicator("memfilestore")
public class MemFileStoreHealthAutoConfiguration {

  /** Created by Spring Boot. */
  public MemFileStoreHealthAutoConfiguration() {}

  /**
   * The indicator; its bean name makes it {@code memfilestore} in {@code /actuator/health}.
   *
   * @param repository the store's repository
   * @return the health indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "memfilestoreHealthIndicator")
  public HealthIndicator memfilestoreHealthIndicator(MemFileSessionRepository repository) {
    return () -> health(repository.stats());
  }

  static Health health(StoreStats stats) {
    Health.Builder health = stats.healthy() ? Health.up() : Health.down();
    if (!stats.healthy()) {
      health.withDetail("reason", stats.problem());
    }
    return health
        .withDetail("sessions", stats.sessions())
        .withDetail("max", stats.max() == Long.MAX_VALUE ? "unbounded" : stats.max())
        .withDetail("durability", stats.durability().name())
        .withDetail(
            "lastSnapshot", stats.lastSnapshot() == null ? "none" : stats.lastSnapshot().toString())
        .withDetail("lastSnapshotSessions", stats.lastSnapshotSessions())
        .build();
  }
}
