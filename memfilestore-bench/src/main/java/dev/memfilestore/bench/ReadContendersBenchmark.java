package dev.memfilestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.springframework.session.MapSession;
import org.springframework.session.MapSessionRepository;

/**
 * The alternatives on the same workload as {@link DurabilityBenchmark}: Spring Session's {@link
 * MapSessionRepository} over a {@link ConcurrentHashMap} ({@code findById}, and {@code findById}
 * then {@code save} as a request that changed its session does), and, as a floor, a plain Caffeine
 * cache of Jackson-serialized {@code byte[]} (no expiry, no type tags: a {@code Long} comes back as
 * an {@code Integer}, an {@code Instant} as a String).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ReadContendersBenchmark {

  /** A session as the Caffeine floor stores it: plain Jackson, no type information. */
  public static final class PlainSession {
    public Instant created;
    public Instant accessed;
    public Duration maxInactive;
    public Map<String, Object> attributes;
  }

  /** Both contenders, preloaded with {@link Workload#SESSIONS}. */
  @State(Scope.Benchmark)
  public static class Contenders {
    @Param({Workload.IMMUTABLE, Workload.MUTABLE_LIST})
    public String shape;

    MapSessionRepository spring;
    Cache<String, byte[]> caffeine;
    ObjectReader reader;
    ObjectWriter writer;

    /** Fills both contenders with the workload's sessions. */
    @Setup(Level.Trial)
    public void setUp() {
      spring = new MapSessionRepository(new ConcurrentHashMap<>());
      ObjectMapper mapper =
          new ObjectMapper()
              .registerModule(new JavaTimeModule())
              .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
              .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
      reader = mapper.readerFor(PlainSession.class);
      writer = mapper.writerFor(PlainSession.class);
      caffeine = Caffeine.newBuilder().build();
      Instant now = Instant.now();
      for (int i = 0; i < Workload.SESSIONS; i++) {
        Map<String, Object> attributes = Workload.attributes(shape, i);
        MapSession session = new MapSession(Workload.IDS[i]);
        session.setMaxInactiveInterval(Workload.MAX_INACTIVE);
        attributes.forEach(session::setAttribute);
        spring.save(session);

        PlainSession plain = new PlainSession();
        plain.created = now;
        plain.accessed = now;
        plain.maxInactive = Workload.MAX_INACTIVE;
        plain.attributes = attributes;
        caffeine.put(Workload.IDS[i], write(plain));
      }
    }

    PlainSession read(byte[] bytes) {
      try {
        return reader.readValue(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    byte[] write(PlainSession session) {
      try {
        return writer.writeValueAsBytes(session);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Spring Session: a request that only reads its session. */
  @Benchmark
  public MapSession springFindById(Contenders c, Request r) {
    return c.spring.findById(Workload.IDS[r.next()]);
  }

  /** Spring Session: a request that changed its session. */
  @Benchmark
  public MapSession springFindAndSave(Contenders c, Request r) {
    MapSession session = c.spring.findById(Workload.IDS[r.next()]);
    session.setAttribute("counter", r.counter++);
    session.setLastAccessedTime(Instant.now());
    c.spring.save(session);
    return session;
  }

  /** Floor, Caffeine of JSON bytes: a request that only reads its session. */
  @Benchmark
  public PlainSession caffeineJsonGet(Contenders c, Request r) {
    return c.read(c.caffeine.getIfPresent(Workload.IDS[r.next()]));
  }

  /** Floor, Caffeine of JSON bytes: a request that changed its session. */
  @Benchmark
  public PlainSession caffeineJsonGetAndSet(Contenders c, Request r) {
    String id = Workload.IDS[r.next()];
    PlainSession session = c.read(c.caffeine.getIfPresent(id));
    session.attributes.put("counter", r.counter++);
    session.accessed = Instant.now();
    c.caffeine.put(id, c.write(session));
    return session;
  }
}
