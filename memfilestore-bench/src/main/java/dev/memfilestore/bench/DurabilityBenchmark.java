package dev.memfilestore.bench;

import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * MemFileStore's {@code get}, {@code set}, {@code touch} and a request that changed its session
 * ({@code get} then {@code set}) in each durability mode, against the same store without a file.
 *
 * <p>{@code mode}: {@code NONE} is a store without a save file (memory only); {@code SNAPSHOT} has
 * a save file and a 5 s save period; {@code JOURNAL} and {@code JOURNAL_SYNC} journal every change
 * (the latter forces it to disk before returning). {@code shape}: see {@link Workload}. {@code
 * encrypted}: {@code true} configures an AES-256 {@code encryptionKey} (records sealed in save file
 * and journal); only {@code false} runs by default, {@code -p encrypted=false,true} compares them.
 * Threads: run with {@code -t 1} and {@code -t 2}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class DurabilityBenchmark {

  /** The store, shared by all benchmark threads, preloaded with {@link Workload#SESSIONS}. */
  @State(Scope.Benchmark)
  public static class Store {
    @Param({"NONE", "SNAPSHOT", "JOURNAL", "JOURNAL_SYNC"})
    public String mode;

    @Param({Workload.IMMUTABLE, Workload.MUTABLE_LIST})
    public String shape;

    @Param({"false"})
    public boolean encrypted;

    MemFileStore store;
    private Path dir;

    /** Builds the store in a fresh temporary directory and preloads it. */
    @Setup(Level.Trial)
    public void setUp() {
      MemFileStore.Builder builder = MemFileStore.builder();
      if (!mode.equals("NONE")) {
        dir = BenchFiles.tempDir();
        Durability durability = Durability.valueOf(mode);
        builder.saveFile(dir.resolve("sessions.json")).durability(durability);
        if (durability == Durability.SNAPSHOT) {
          builder.savePeriod(Duration.ofSeconds(5));
        }
        if (encrypted) {
          byte[] key = new byte[32];
          new java.security.SecureRandom().nextBytes(key);
          builder.encryptionKey(new javax.crypto.spec.SecretKeySpec(key, "AES"));
        }
      }
      store = builder.build();
      for (int i = 0; i < Workload.SESSIONS; i++) {
        store.set(Workload.IDS[i], Workload.session(shape, i));
      }
    }

    /** Closes the store (which saves) and deletes its files. */
    @TearDown(Level.Trial)
    public void tearDown() {
      try {
        store.close();
      } finally {
        BenchFiles.deleteRecursively(dir);
      }
    }
  }

  /** One thread's own session object, changed and stored by each request. */
  @State(Scope.Thread)
  public static class Client {
    SessionData session;

    /**
     * Makes this thread's session in the store's shape.
     *
     * @param store the benchmark's store
     * @param threads the benchmark's threads
     */
    @Setup(Level.Trial)
    public void setUp(Store store, ThreadParams threads) {
      session = Workload.session(store.shape, threads.getThreadIndex());
    }
  }

  /** A request that only reads its session. */
  @Benchmark
  public Optional<SessionData> get(Store s, Request r) {
    return s.store.get(Workload.IDS[r.next()]);
  }

  /** Storing a changed session (one attribute changed). */
  @Benchmark
  public void set(Store s, Request r, Client c) {
    c.session.setAttribute("counter", r.counter++);
    s.store.set(Workload.IDS[r.next()], c.session);
  }

  /** What a framework calls after a request that changed nothing: refresh the expiry. */
  @Benchmark
  public void touch(Store s, Request r, Client c) {
    c.session.setLastAccessedTime(Instant.now());
    s.store.touch(Workload.IDS[r.next()], c.session);
  }

  /** A request that changed its session: get it, change an attribute and the access time, set. */
  @Benchmark
  public SessionData getAndSet(Store s, Request r) {
    String id = Workload.IDS[r.next()];
    SessionData session = s.store.get(id).orElseThrow();
    session.setAttribute("counter", r.counter++);
    session.setLastAccessedTime(Instant.now());
    s.store.set(id, session);
    return session;
  }
}
