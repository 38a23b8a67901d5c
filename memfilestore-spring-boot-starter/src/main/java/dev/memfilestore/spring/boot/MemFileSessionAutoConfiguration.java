package dev.memfilestore.spring.boot;

import dev.memfilestore.SessionSerializer;
import dev.memfilestore.StoreStats;
import dev.memfilestore.spring.MemFileSessionRepository;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.config.annotation.web.http.SpringHttpSessionConfiguration;
import org.springframework.util.ClassUtils;

/**
 * Makes MemFileStore the Spring Session store of a servlet web application, unless the application
 * defines its own {@link SessionRepository}. Configured by {@link MemFileStoreProperties}; every
 * {@link SessionRepositoryCustomizer} bean of {@link MemFileSessionRepository} is applied before
 * the store opens. With Micrometer present it publishes the store's gauges and counters under
 * {@code memfilestore.*}. It stands aside while {@code memfilestore.migration.enabled} moves the
 * sessions to another store ({@link MemFileStoreMigrationAutoConfiguration}).
 */
@AutoConfiguration(
    beforeName = {
      "org.springframework.boot.session.autoconfigure.SessionAutoConfiguration",
      "org.springframework.boot.autoconfigure.session.SessionAutoConfiguration"
    })
@ConditionalOnClass({MemFileSessionRepository.class, SpringHttpSessionConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnMissingBean(SessionRepository.class)
@ConditionalOnProperty(
    name = "memfilestore.migration.enabled",
    havingValue = "false",
    matchIfMissing = true)
@EnableConfigurationProperties(MemFileStoreProperties.class)
@Import(SpringHttpSessionConfiguration.class)
public class MemFileSessionAutoConfiguration {
  private static final Logger log = LoggerFactory.getLogger(MemFileSessionAutoConfiguration.class);
  private static final String SECURITY_CONTEXT =
      "org.springframework.security.core.context.SecurityContext";

  /** Created by Spring Boot. */
  public MemFileSessionAutoConfiguration() {}

  /**
   * The session repository, built from the properties and Boot's session timeout.
   *
   * @param properties the {@code memfilestore.*} properties
   * @param environment for {@code spring.session.timeout} and {@code
   *     server.servlet.session.timeout}
   * @param customizers applied in order before the store opens
   * @return the repository; Spring opens it and closes it with the context
   */
  @Bean
  public MemFileSessionRepository sessionRepository(
      MemFileStoreProperties properties,
      Environment environment,
      ObjectProvider<SessionRepositoryCustomizer<MemFileSessionRepository>> customizers) {
    properties.validate();
    MemFileSessionRepository repository = new MemFileSessionRepository();
    if (properties.persistent()) {
      repository.setSaveFile(properties.getSaveFile());
      repository.setSavePeriod(properties.getSavePeriod());
      repository.setDurability(properties.getDurability());
      if (properties.getLoadBudget() != null) {
        repository.setLoadBudget(properties.getLoadBudget().toBytes());
      }
    }
    repository.setCheckPeriod(properties.getCheckPeriod());
    repository.setMax(properties.getMax());
    repository.setSerializer(serializer(properties, environment));
    if (properties.getEncryptionKey() != null && !properties.getEncryptionKey().isBlank()) {
      repository.setEncryptionKey(aesKey(properties.getEncryptionKey()));
      repository.setEncryptExistingPlainFiles(properties.isEncryptExistingPlainFiles());
    }
    repository.setFlushMode(properties.getFlushMode());
    repository.setSaveMode(properties.getSaveMode());
    repository.setDefaultMaxInactiveInterval(timeout(environment));
    customizers.orderedStream().forEach(c -> c.customize(repository));
    return repository;
  }

  /** Spring Session's timeout, else the servlet container's, else 30 minutes, like Boot. */
  static Duration timeout(Environment environment) {
    Binder binder = Binder.get(environment);
    return binder
        .bind("spring.session.timeout", Duration.class)
        .orElseGet(
            () ->
                binder
                    .bind("server.servlet.session.timeout", Duration.class)
                    .orElse(Duration.ofMinutes(30)));
  }

  static SessionSerializer serializer(MemFileStoreProperties properties, Environment environment) {
    List<String> allowed = new ArrayList<>(properties.getAllowedTypes());
    boolean security = ClassUtils.isPresent(SECURITY_CONTEXT, null);
    if (properties.getSerializer() == MemFileStoreProperties.Serializer.JSON) {
      if (security) {
        log.warn(
            "memfilestore.serializer=json with Spring Security present: its login state (the"
                + " SecurityContext) cannot be stored as JSON, so logins will fail. Use"
                + " memfilestore.serializer=java (the default)");
      }
      return SessionSerializer.json(allowed.toArray(String[]::new));
    }
    if (security) {
      allowed.add("org.springframework.security.**");
    }
    return SessionSerializer.java(allowed.toArray(String[]::new));
  }

  private static final String NEW_KEY =
      "Set memfilestore.encryption-key to the base64 of a 16, 24 or 32-byte key, e.g. from"
          + " `head -c 32 /dev/urandom | base64`; a file written with another key needs that key";

  static SecretKeySpec aesKey(String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new InvalidMemFileStorePropertyException(
          "memfilestore.encryption-key",
          "memfilestore.encryption-key is not base64 (" + e.getMessage() + ")",
          NEW_KEY,
          e);
    }
    if (key.length != 16 && key.length != 24 && key.length != 32) {
      throw new InvalidMemFileStorePropertyException(
          "memfilestore.encryption-key",
          "memfilestore.encryption-key decodes to "
              + key.length
              + " bytes, but an AES key has 16, 24 or 32",
          NEW_KEY,
          null);
    }
    return new SecretKeySpec(key, "AES");
  }

  /** The store's statistics as Micrometer meters, when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static class Metrics {
    @Bean
    MeterBinder memFileStoreMetrics(MemFileSessionRepository repository) {
      return registry -> {
        gauge(
            registry, "memfilestore.sessions", "sessions in memory", repository, s -> s.sessions());
        gauge(
            registry,
            "memfilestore.sessions.max",
            "the bound on sessions (0: none)",
            repository,
            s -> s.max() == Long.MAX_VALUE ? 0 : s.max());
        FunctionCounter.builder(
                "memfilestore.sessions.evicted", repository, r -> r.stats().evictions())
            .description("sessions evicted by the bound")
            .register(registry);
        FunctionCounter.builder(
                "memfilestore.sessions.expired", repository, r -> r.stats().expirations())
            .description("sessions removed because they expired")
            .register(registry);
        gauge(
            registry,
            "memfilestore.snapshot.bytes",
            "size of the last snapshot",
            repository,
            s -> s.lastSnapshotBytes());
        gauge(
            registry,
            "memfilestore.snapshot.age",
            "seconds since the last snapshot (-1: none)",
            repository,
            MemFileSessionAutoConfiguration::snapshotAge);
        gauge(
            registry,
            "memfilestore.journal.bytes",
            "size of the current journal",
            repository,
            s -> s.journalBytes());
        gauge(
            registry,
            "memfilestore.healthy",
            "1 while persistence works as configured",
            repository,
            s -> s.healthy() ? 1 : 0);
      };
    }

    private static void gauge(
        io.micrometer.core.instrument.MeterRegistry registry,
        String name,
        String description,
        MemFileSessionRepository repository,
        java.util.function.ToDoubleFunction<StoreStats> value) {
      Gauge.builder(name, repository, r -> value.applyAsDouble(r.stats()))
          .description(description)
          .register(registry);
    }
  }

  private static double snapshotAge(StoreStats s) {
    Instant last = s.lastSnapshot();
    return last == null ? -1 : Duration.between(last, Instant.now()).toMillis() / 1000.0;
  }
}
