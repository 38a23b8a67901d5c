package dev.memfilestore.jetty;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a server off MemFileStore: every context uses the target store (e.g. Jetty's {@code
 * JDBCSessionDataStoreFactory}), and when a context starts, each of its live sessions in the
 * MemFileStore save file is copied into the target (same id, times, expiry, attributes) and then
 * removed from the save file. Sessions already in the target are not overwritten, so a move cut
 * short by a crash finishes at the next start; a session that cannot be read or written is logged
 * and stays in the file. Before the first move a copy of the save file and its journals is kept as
 * {@code <save-file>.migrated-<time>}.
 *
 * <pre>{@code
 * JDBCSessionDataStoreFactory jdbc = new JDBCSessionDataStoreFactory();
 * jdbc.setDatabaseAdaptor(adaptor);
 * server.addBean(new MigratingSessionDataStoreFactory(memFileFactory, jdbc));
 * }</pre>
 */
public class MigratingSessionDataStoreFactory extends AbstractSessionDataStoreFactory {
  private static final Logger log = LoggerFactory.getLogger(MigratingSessionDataStoreFactory.class);
  private final MemFileSessionDataStoreFactory from;
  private final SessionDataStoreFactory to;
  private boolean backedUp;

  /**
   * A factory that moves sessions from one store to another.
   *
   * @param from the factory the sessions are in now, configured as before (save file, allowed
   *     types, key file)
   * @param to the factory of the store they move to
   */
  public MigratingSessionDataStoreFactory(
      MemFileSessionDataStoreFactory from, SessionDataStoreFactory to) {
    this.from = Objects.requireNonNull(from, "from");
    this.to = Objects.requireNonNull(to, "to");
  }

  @Override
  public SessionDataStore getSessionDataStore(SessionManager manager) throws Exception {
    return new MigratingStore(
        (MemFileSessionDataStore) from.getSessionDataStore(manager),
        to.getSessionDataStore(manager));
  }

  /** Keeps a copy of the files before the first session leaves them. */
  private synchronized void backUpOnce() throws IOException {
    if (backedUp || from.getSaveFile() == null) {
      return;
    }
    backedUp = true;
    Path saveFile = Path.of(from.getSaveFile()).toAbsolutePath();
    String name = saveFile.getFileName().toString();
    if (!Files.isDirectory(saveFile.getParent())) {
      return;
    }
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path dir = saveFile.getParent();
    List<Path> files;
    try (Stream<Path> siblings = Files.list(dir)) {
      files =
          siblings
              .filter(
                  p -> {
                    String n = p.getFileName().toString();
                    return n.equals(name) || n.startsWith(name + ".journal.");
                  })
              .toList();
    }
    // Two starts within one second (a quick restart) must not collide: number the second copy.
    String kept = name + ".migrated-" + stamp;
    for (int n = 2; taken(dir, kept); n++) {
      kept = name + ".migrated-" + stamp + "-" + n;
    }
    for (Path p : files) {
      String suffix = p.getFileName().toString().substring(name.length());
      copyOwnerOnly(p, saveFile.resolveSibling(kept + suffix));
    }
  }

  private static boolean taken(Path dir, String base) throws IOException {
    try (Stream<Path> siblings = Files.list(dir)) {
      return siblings.anyMatch(p -> p.getFileName().toString().startsWith(base));
    }
  }

  /** Session data: the copy is created readable by its owner only, before any byte is in it. */
  private static void copyOwnerOnly(Path from, Path to) throws IOException {
    try {
      Files.createFile(
          to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(to); // not a POSIX file system
    }
    try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE)) {
      Files.copy(from, out);
    }
  }

  /** The target, filled from the MemFileStore when it starts. */
  private final class MigratingStore extends ContainerLifeCycle implements SessionDataStore {
    private final MemFileSessionDataStore source;
    private final SessionDataStore target;
    private SessionContext context;

    MigratingStore(MemFileSessionDataStore source, SessionDataStore target) {
      this.source = source;
      this.target = target;
      addBean(target, true);
    }

    @Override
    public void initialize(SessionContext context) throws Exception {
      this.context = context;
      target.initialize(context);
      source.initialize(context);
    }

    @Override
    protected void doStart() throws Exception {
      super.doStart(); // the target
      backUpOnce();
      source.start();
      try {
        move();
      } finally {
        source.stop();
      }
    }

    private void move() {
      int moved = 0;
      int skipped = 0;
      int failed = 0;
      Set<String> ids = source.liveIds();
      for (String id : ids) {
        String shortId = SessionRecords.abbreviate(id);
        SessionData data;
        try {
          data = source.load(id);
          if (data == null) {
            continue; // expired meanwhile
          }
          if (target.exists(id)) {
            skipped++;
          } else {
            data.setLastSaved(0); // a first store for the target: it inserts
            target.store(id, data);
            moved++;
          }
          source.delete(id);
        } catch (Exception e) {
          failed++;
          log.warn(
              "memfilestore migration of {}: session {} not moved ({}: {}); it stays in the save"
                  + " file",
              context.getCanonicalContextPath(),
              shortId,
              e.getClass().getSimpleName(),
              e.getMessage());
        }
      }
      log.info(
          "memfilestore migration of {} into {}: {} moved, {} skipped (already there), {} failed",
          context.getCanonicalContextPath(),
          target.getClass().getSimpleName(),
          moved,
          skipped,
          failed);
    }

    @Override
    public SessionData newSessionData(
        String id, long created, long accessed, long lastAccessed, long maxInactiveMs) {
      return target.newSessionData(id, created, accessed, lastAccessed, maxInactiveMs);
    }

    @Override
    public boolean isPassivating() {
      return target.isPassivating();
    }

    @Override
    public boolean exists(String id) throws Exception {
      return target.exists(id);
    }

    @Override
    public Set<String> getExpired(Set<String> candidates) {
      return target.getExpired(candidates);
    }

    @Override
    public SessionData load(String id) throws Exception {
      return target.load(id);
    }

    @Override
    public void store(String id, SessionData data) throws Exception {
      target.store(id, data);
    }

    @Override
    public boolean delete(String id) throws Exception {
      return target.delete(id);
    }
  }
}
