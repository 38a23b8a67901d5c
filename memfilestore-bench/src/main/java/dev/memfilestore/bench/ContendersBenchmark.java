package dev.memfilestore.bench;

import java.nio.file.Path;
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

/**
 * Every contender of issue 7 in one JMH run, on the {@link Workload}: 10k preloaded sessions of
 * about 500 bytes with typed attributes, ids drawn with a Zipf skew. See {@link Contender} for what
 * each operation does in each store.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ContendersBenchmark {

  /** The contender, shared by all benchmark threads, preloaded with {@link Workload#SESSIONS}. */
  @State(Scope.Benchmark)
  public static class Store {
    @Param({
      Contender.MFS_NONE,
      Contender.MFS_SNAPSHOT,
      Contender.MFS_JOURNAL,
      Contender.MFS_JOURNAL_SYNC,
      Contender.MFS_SPRING,
      Contender.SPRING_MAP,
      Contender.SPRING_JDBC,
      Contender.JETTY_FILE,
      Contender.TOMCAT_STANDARD,
      Contender.TOMCAT_FILE,
      Contender.CAFFEINE
    })
    public String contender;

    Contender store;
    private Path dir;

    /**
     * Builds the contender in a fresh temporary directory and preloads it.
     *
     * @throws Exception if the contender cannot start
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
      dir = BenchFiles.tempDir();
      store = Contender.create(contender, dir);
      store.preload();
    }

    /**
     * Closes the contender and deletes its files.
     *
     * @throws Exception if closing fails
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      try {
        store.close();
      } finally {
        BenchFiles.deleteRecursively(dir);
      }
    }
  }

  /** Looking a session up. */
  @Benchmark
  public Object find(Store s, Request r) throws Exception {
    return s.store.find(r.next());
  }

  /** A request that changed its session: find, change an attribute and the access time, save. */
  @Benchmark
  public Object findAndSave(Store s, Request r) throws Exception {
    return s.store.findAndSave(r.next(), r.counter++);
  }

  /** A request that changed nothing: find, then record the access. */
  @Benchmark
  public Object touch(Store s, Request r) throws Exception {
    return s.store.touch(r.next());
  }

  /** Log out and a new visitor: delete the session, create and save another. */
  @Benchmark
  public void deleteAndCreate(Store s, Request r) throws Exception {
    s.store.deleteAndCreate(r.next());
  }
}
