package dev.memfilestore.spring.boot;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;
import org.springframework.session.UuidSessionIdGenerator;

/**
 * With {@code memfilestore.migration.enabled=true}, moves every live session of the save file into
 * the application's Spring Session repository (Redis, JDBC) once, at start-up, before the server
 * takes requests: same ids (so cookies stay valid), remaining lifetimes, attributes and therefore
 * the principal index. Sessions already in the target are left alone; the save file and its
 * journals are then renamed to {@code <save-file>.migrated-<time>} (kept), so the copy runs once.
 * The counts go to the log and, with Micrometer, to the counter {@code memfilestore.migration}
 * (tags {@code outcome} and {@code reason}).
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration",
      "org.springframework.boot.session.jdbc.autoconfigure.JdbcSessionAutoConfiguration",
      "org.springframework.boot.session.autoconfigure.SessionAutoConfiguration",
      "org.springframework.boot.autoconfigure.session.SessionAutoConfiguration"
    })
@ConditionalOnClass({SessionRepository.class, SessionIdGenerator.class})
@ConditionalOnProperty(name = "memfilestore.migration.enabled", havingValue = "true")
@EnableConfigurationProperties({
  MemFileStoreProperties.class,
  MemFileStoreMigrationProperties.class
})
public class MemFileStoreMigrationAutoConfiguration {
  private static final Logger log =
      LoggerFactory.getLogger(MemFileStoreMigrationAutoConfiguration.class);

  /** Created by Spring Boot. */
  public MemFileStoreMigrationAutoConfiguration() {}

  /**
   * The copy, run once every singleton exists (the target's schema is in place) and before the web
   * server starts.
   *
   * @param properties where the save file is and how it was written
   * @param migration whether the application starts when the target is down
   * @param environment for the session timeout of sessions that name none
   * @param targets the application's session repository
   * @param ids the application's session id generator, if it has one
   * @return the runner
   */
  @Bean
  MemFileStoreMigration memFileStoreMigration(
      MemFileStoreProperties properties,
      MemFileStoreMigrationProperties migration,
      Environment environment,
      ObjectProvider<SessionRepository<? extends Session>> targets,
      ObjectProvider<SessionIdGenerator> ids) {
    if (!properties.persistent()) {
      throw new InvalidMemFileStorePropertyException(
          "memfilestore.save-file",
          "memfilestore.migration.enabled is true but memfilestore.save-file is empty",
          "Set memfilestore.save-file to the save file whose sessions should move",
          null);
    }
    SessionMigration copy =
        new SessionMigration(
            Path.of(properties.getSaveFile()),
            properties.getEncryptionKey() == null || properties.getEncryptionKey().isBlank()
                ? null
                : MemFileSessionAutoConfiguration.aesKey(properties.getEncryptionKey()),
            properties.getAllowedTypes(),
            MemFileSessionAutoConfiguration.timeout(environment),
            Clock.systemUTC());
    return new MemFileStoreMigration(copy, migration.getIfTargetDown(), targets, ids);
  }

  /** Runs the copy at start-up; package-private: its counts are read by the metrics. */
  static final class MemFileStoreMigration implements SmartInitializingSingleton {
    final SessionMigration copy;
    private final MemFileStoreMigrationProperties.IfTargetDown ifTargetDown;
    private final ObjectProvider<SessionRepository<? extends Session>> targets;
    private final ObjectProvider<SessionIdGenerator> ids;

    MemFileStoreMigration(
        SessionMigration copy,
        MemFileStoreMigrationProperties.IfTargetDown ifTargetDown,
        ObjectProvider<SessionRepository<? extends Session>> targets,
        ObjectProvider<SessionIdGenerator> ids) {
      this.copy = copy;
      this.ifTargetDown = ifTargetDown;
      this.targets = targets;
      this.ids = ids;
    }

    @Override
    public void afterSingletonsInstantiated() {
      SessionRepository<? extends Session> target = targets.getIfUnique();
      if (target == null) {
        throw new IllegalStateException(
            "memfilestore.migration.enabled is true but the application has no single Spring"
                + " Session repository to move the sessions to: add spring-session-data-redis or"
                + " spring-session-jdbc (with its connection settings), or remove the property");
      }
      Path kept;
      try {
        kept = copy.run(target, () -> ids.getIfAvailable(UuidSessionIdGenerator::getInstance));
      } catch (SessionMigration.TargetUnavailableException e) {
        if (ifTargetDown == MemFileStoreMigrationProperties.IfTargetDown.START) {
          log.error(
              "{} (starting anyway: memfilestore.migration.if-target-down=start)", e.getMessage());
          return;
        }
        throw e;
      } catch (IOException e) {
        throw new UncheckedIOException("memfilestore migration: " + e.getMessage(), e);
      }
      if (kept == null) {
        return;
      }
      log.info(
          "memfilestore migration into {}: {} moved, {} skipped (already there: {}, expired: {}),"
              + " {} failed (unreadable: {}, refused by the target: {}); the save file is kept as"
              + " {}",
          target.getClass().getSimpleName(),
          copy.count(SessionMigration.Reason.MOVED),
          copy.count(SessionMigration.Reason.ALREADY_IN_TARGET)
              + copy.count(SessionMigration.Reason.EXPIRED),
          copy.count(SessionMigration.Reason.ALREADY_IN_TARGET),
          copy.count(SessionMigration.Reason.EXPIRED),
          copy.count(SessionMigration.Reason.UNREADABLE)
              + copy.count(SessionMigration.Reason.TARGET_REFUSED),
          copy.count(SessionMigration.Reason.UNREADABLE),
          copy.count(SessionMigration.Reason.TARGET_REFUSED),
          kept);
    }
  }

  /** The counts as the Micrometer counter {@code memfilestore.migration}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static class Metrics {
    @Bean
    MeterBinder memFileStoreMigrationMetrics(MemFileStoreMigration migration) {
      return registry -> {
        for (Map.Entry<SessionMigration.Reason, AtomicLong> e : migration.copy.counts.entrySet()) {
          FunctionCounter.builder("memfilestore.migration", e.getValue(), AtomicLong::get)
              .description("sessions of the save file moved, skipped or failed at start-up")
              .tag("outcome", e.getKey().outcome)
              .tag("reason", e.getKey().tag)
              .register(registry);
        }
      };
    }
  }
}
