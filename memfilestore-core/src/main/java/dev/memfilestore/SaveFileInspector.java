package dev.memfilestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.crypto.SecretKey;

/**
 * Reads, checks and rewrites a store's save file and its journals while no store has them open: the
 * offline side of {@link MemFileStore}, for tools such as the {@code memfilestore} command.
 *
 * <p>It works on the records as they are stored and never deserializes a session: it needs none of
 * the application's classes and instantiates nothing a planted file could name. What it shows of a
 * session (times, attribute names, type names, and the text of simple values) is read from the
 * bytes without loading a class: every attribute's name and type, and the value's text for JSON
 * values (the {@code json} serializer) or strings and boxed primitives (the {@code java}
 * serializer). Of a custom serializer's sessions only ids, expiry and sizes are known.
 *
 * <p>{@link #forEachSession} sees what {@link MemFileStore.Builder#build()} would load: the
 * snapshot, then the journals replayed in order (the last record of an id wins, a delete removes
 * it, a journal is replayed up to its first bad line and a damaged journal stops the replay of
 * later ones). Unlike the store it also shows sessions that have expired, so a tool can count them.
 *
 * <p>Reading takes no lock: reading a file a running store writes gives a consistent picture of
 * each file, not of the set. {@link #rewrite} takes the save file's lock and refuses while an
 * application holds it.
 *
 * <pre>{@code
 * SaveFileInspector files = SaveFileInspector.open(Path.of("data/sessions.json"));
 * SaveFileInspector.Verification v = files.verify();
 * files.rewrite(s -> s.isExpired(Instant.now()), List.of()); // drop expired sessions
 * }</pre>
 */
public final class SaveFileInspector {
  /**
   * The attribute under which an application may name a session's user for Spring Session's indexed
   * repositories (the value of Spring's {@code
   * FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME}).
   */
  public static final String PRINCIPAL_ATTRIBUTE =
      "org.springframework.session.FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME";

  /**
   * The attribute under which the memfilestore Spring adapter keeps the principal name it resolved
   * (from Spring Security's context or {@link #PRINCIPAL_ATTRIBUTE}), as a plain string.
   */
  public static final String RESOLVED_PRINCIPAL_ATTRIBUTE = "dev.memfilestore.spring.principal";

  /**
   * What the save file's header says (or, when it has none, the first journal's).
   *
   * @param version the format version
   * @param serializer the name of the serializer that wrote the sessions ({@code json}, {@code
   *     java}, a class name), or null if no header survives to say it
   * @param encoding {@code json} (sessions embedded as JSON) or {@code base64}, or null if unknown
   * @param encrypted whether records are encrypted
   * @param generation the first journal generation the snapshot does not hold (0 without one)
   * @param written when the snapshot was taken, or null if unknown
   */
  public record Header(
      long version,
      String serializer,
      String encoding,
      boolean encrypted,
      long generation,
      Instant written) {}

  /**
   * One attribute of a session, as read from its bytes.
   *
   * @param name the attribute's name
   * @param type the value's Java class name, or null for a null value or one stored untyped
   * @param value the value's text: the characters of a string, the digits of a number, the JSON of
   *     a structured value; null for null, or when it cannot be read without the application's
   *     classes
   */
  public record Attribute(String name, String type, String value) {}

  /**
   * A session as stored.
   *
   * @param id the session id (a secret: show it only when asked)
   * @param expires when it expires, or null if it never expires by time
   * @param created when it was created (null for a custom serializer's session, whose bytes only it
   *     can read; so too {@code accessed})
   * @param accessed when it was last accessed
   * @param maxInactive its own inactivity limit, or null if it leaves that to the store
   * @param size the size of its serialized form in bytes
   * @param attributes its attributes, or null for a custom serializer's session
   * @param data the session as the file holds it: its JSON (encoding {@code json}) or the base64 of
   *     its bytes (encoding {@code base64}); what {@link #decode} takes back
   * @param file the file its record was read from, or null for one made by {@link #decode}
   * @param line the line of that record (1-based), or 0
   */
  public record Session(
      String id,
      Instant expires,
      Instant created,
      Instant accessed,
      Duration maxInactive,
      long size,
      List<Attribute> attributes,
      String data,
      Path file,
      long line) {
    /**
     * Whether the session has expired.
     *
     * @param now the current time
     * @return true if it expires by time and that time is not after {@code now}
     */
    public boolean isExpired(Instant now) {
      return expires != null && !expires.isAfter(now);
    }

    /**
     * The name of the logged-in user, from {@link #RESOLVED_PRINCIPAL_ATTRIBUTE}, else {@link
     * #PRINCIPAL_ATTRIBUTE}.
     *
     * @return the name, or null if the session has none (or its attributes cannot be read)
     */
    public String principal() {
      if (attributes == null) {
        return null;
      }
      String named = null;
      for (Attribute a : attributes) {
        if (!"java.lang.String".equals(a.type())) {
          continue;
        }
        if (RESOLVED_PRINCIPAL_ATTRIBUTE.equals(a.name())) {
          return a.value();
        }
        if (PRINCIPAL_ATTRIBUTE.equals(a.name())) {
          named = a.value();
        }
      }
      return named;
    }
  }

  /**
   * One thing wrong with a file.
   *
   * @param file the file
   * @param line the line (1-based) where it is; one past the last line for a missing trailer
   * @param offset the byte offset where that line starts
   * @param kind a short code: {@code checksum}, {@code truncated}, {@code too-long}, {@code
   *     malformed}, {@code decrypt}, {@code session}, {@code header}, {@code after-trailer}, {@code
   *     no-trailer}, {@code count}, {@code torn-tail} (the end of a journal cut short by a crash,
   *     which the store cuts off), {@code not-replayed}
   * @param message what is wrong, in words, with the line number
   */
  public record Problem(Path file, long line, long offset, String kind, String message) {}

  /**
   * What {@link #verify()} found.
   *
   * @param files the files checked, the save file first
   * @param lines the lines read
   * @param records the intact records among them
   * @param problems everything wrong, in file order; empty if all is well
   */
  public record Verification(List<Path> files, long lines, long records, List<Problem> problems) {
    /**
     * Whether nothing is wrong.
     *
     * @return true if there are no problems
     */
    public boolean intact() {
      return problems.isEmpty();
    }
  }

  /**
   * What {@link #rewrite} did.
   *
   * @param kept sessions carried over unchanged
   * @param removed sessions the predicate removed
   * @param added sessions added (including those that replaced one)
   * @param bytes the size of the new save file
   * @param deletedJournals the journals folded into it and deleted
   */
  public record Rewritten(
      long kept, long removed, long added, long bytes, List<Path> deletedJournals) {}

  /** Thrown by {@link #rewrite} while a running store holds the save file. */
  public static final class FileInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    FileInUseException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path saveFile;
  private final SecretKey key;
  private final Header header;
  private final AtomicLong bytesRead = new AtomicLong();

  private SaveFileInspector(Path saveFile, SecretKey key, Header header) {
    this.saveFile = saveFile;
    this.key = key;
    this.header = header;
  }

  /**
   * Opens a plain (unencrypted) save file for reading; see {@link #open(Path, SecretKey)}.
   *
   * @param saveFile the store's {@code saveFile}
   * @return an inspector of that file and its journals
   * @throws NoSuchFileException if neither the file nor a journal of it exists
   * @throws IllegalArgumentException if it is not a save file, is empty, is of another format
   *     version, or is encrypted
   * @throws IOException if it cannot be read
   */
  public static SaveFileInspector open(Path saveFile) throws IOException {
    return open(saveFile, null);
  }

  /**
   * Opens a save file for reading: reads and checks its header, nothing more.
   *
   * @param saveFile the store's {@code saveFile}
   * @param key the store's {@code encryptionKey}, or null if the file is not encrypted
   * @return an inspector of that file and its journals
   * @throws NoSuchFileException if neither the file nor a journal of it exists
   * @throws IllegalArgumentException if it is not a save file, is empty, is of another format
   *     version, is encrypted and no key or another key is given, or is plain and a key is given
   * @throws IOException if it cannot be read
   */
  public static SaveFileInspector open(Path saveFile, SecretKey key) throws IOException {
    Objects.requireNonNull(saveFile, "saveFile");
    if (key != null) {
      RecordCipher.validate(key);
    }
    Path file = saveFile.toAbsolutePath().normalize();
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + " is a directory, not a save file");
    }
    List<Long> journals = Journal.generations(file);
    if (!Files.exists(file) && journals.isEmpty()) {
      throw new NoSuchFileException(
          file.toString(), null, "no such save file, and no journal of one beside it");
    }
    Header header = null;
    if (Files.exists(file)) {
      SaveFileScanner.HeaderLine h = SaveFileScanner.header(file, SnapshotWriter.FORMAT);
      switch (h.status()) {
        case EMPTY ->
            throw new IllegalArgumentException(
                file + " is empty: not a MemFileStore save file (a store never writes one empty)");
        case FOREIGN ->
            throw new IllegalArgumentException(
                file
                    + " is not a MemFileStore save file: its first line is not a"
                    + " memfilestore-sessions header");
        case OK -> header = checkHeader(file, h, key);
        case DAMAGED -> header = null; // verify() reports it; the journals may still say
      }
    }
    long snapshotGeneration = header == null ? 0 : header.generation();
    if (header == null) {
      for (long g : journals) {
        SaveFileScanner.HeaderLine h =
            SaveFileScanner.header(Journal.path(file, g), Journal.FORMAT);
        if (h.status() == SaveFileScanner.HeaderLine.Status.OK) {
          Header j = checkHeader(Journal.path(file, g), h, key);
          header = new Header(j.version(), j.serializer(), j.encoding(), j.encrypted(), 0, null);
          break;
        }
      }
    }
    if (header == null) {
      header =
          new Header(SnapshotWriter.VERSION, null, null, key != null, snapshotGeneration, null);
    }
    return new SaveFileInspector(file, key, header);
  }

  private static Header checkHeader(Path file, SaveFileScanner.HeaderLine h, SecretKey key) {
    RecordDecoder.Header raw = h.header();
    if (raw.version() != SnapshotWriter.VERSION) {
      throw new IllegalArgumentException(
          file
              + " is in format version "
              + raw.version()
              + " but this memfilestore reads version "
              + SnapshotWriter.VERSION);
    }
    if (raw.cipher() != null && key == null) {
      throw new IllegalArgumentException(
          file + " is encrypted: open it with the encryptionKey that wrote it");
    }
    if (raw.cipher() != null
        && (!RecordCipher.NAME.equals(raw.cipher())
            || !new RecordCipher(key).matches(raw.keyCheck()))) {
      throw new IllegalArgumentException(
          file + " was encrypted with another key: open it with the encryptionKey that wrote it");
    }
    if (raw.cipher() == null && key != null) {
      throw new IllegalArgumentException(file + " is not encrypted: open it without a key");
    }
    return new Header(
        raw.version(),
        raw.serializer(),
        raw.encoding(),
        raw.cipher() != null,
        raw.generation(),
        h.written());
  }

  /**
   * The save file.
   *
   * @return its absolute path
   */
  public Path saveFile() {
    return saveFile;
  }

  /**
   * What the file's header says.
   *
   * @return the header
   */
  public Header header() {
    return header;
  }

  /**
   * The journals beside the save file that {@link #forEachSession} replays, in replay order.
   *
   * @return their paths; empty if there are none
   * @throws IOException if the directory cannot be listed
   */
  public List<Path> journals() throws IOException {
    List<Path> paths = new ArrayList<>();
    for (long g : Journal.generations(saveFile)) {
      if (g >= header.generation()) {
        paths.add(Journal.path(saveFile, g));
      }
    }
    return paths;
  }

  /**
   * The bytes {@link #forEachSession} and {@link #verify} read: the save file and its journals.
   *
   * @return their total size now
   * @throws IOException if a size cannot be read
   */
  public long totalBytes() throws IOException {
    long total = Files.exists(saveFile) ? Files.size(saveFile) : 0;
    for (Path j : journals()) {
      total += Files.size(j);
    }
    return total;
  }

  /**
   * Bytes read so far by the running (or last) {@link #forEachSession}, {@link #verify} or {@link
   * #rewrite}; safe to call from another thread, e.g. to draw a progress bar.
   *
   * @return the bytes read
   */
  public long bytesRead() {
    return bytesRead.get();
  }

  /**
   * Hands each session the store would load to an action, expired ones included; sessions whose
   * bytes do not decode are skipped, as the store skips them. Holds only the journals' sessions in
   * memory, never the snapshot's.
   *
   * @param action receives each session once, snapshot sessions first
   * @throws IOException if a file cannot be read
   * @throws IllegalStateException if a journal was written by another serializer or key
   */
  public void forEachSession(Consumer<? super Session> action) throws IOException {
    Objects.requireNonNull(action, "action");
    bytesRead.set(0);
    // Journals first: their sessions override the snapshot's, and they are small.
    Map<String, Session> latest = new LinkedHashMap<>(); // a null value: deleted
    for (Path journal : journals()) {
      String problem = journalHeaderProblem(journal);
      if (problem != null) {
        throw new IllegalStateException(problem);
      }
      SaveFileScanner.Result r =
          SaveFileScanner.journal(
              journal,
              decryptor(),
              bytesRead,
              new SaveFileScanner.Visitor() {
                @Override
                public void record(RecordDecoder.Entry e, long line, long offset) {
                  latest.remove(e.id()); // keep the order of the last change
                  latest.put(e.id(), toSession(e, journal, line));
                }

                @Override
                public void problem(String kind, long line, long offset, String message) {}
              });
      if (r.damaged()) {
        break; // as the store does: a change after a missing one could be wrong
      }
    }
    if (Files.exists(saveFile)) {
      SaveFileScanner.snapshot(
          saveFile,
          decryptor(),
          bytesRead,
          new SaveFileScanner.Visitor() {
            @Override
            public void record(RecordDecoder.Entry e, long line, long offset) {
              if (!latest.containsKey(e.id())) {
                Session s = toSession(e, saveFile, line);
                if (s != null) {
                  action.accept(s);
                }
              }
            }

            @Override
            public void problem(String kind, long line, long offset, String message) {}
          });
    }
    for (Session s : latest.values()) {
      if (s != null) {
        action.accept(s);
      }
    }
  }

  /**
   * Checks every line of the save file and of the journals it needs: checksums, structure,
   * decryption, that each session decodes, the trailer and its count. Changes nothing.
   *
   * @return what was found
   * @throws IOException if a file cannot be read
   */
  public Verification verify() throws IOException {
    bytesRead.set(0);
    List<Path> files = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    long[] counts = new long[2]; // lines, records
    if (Files.exists(saveFile)) {
      files.add(saveFile);
      SaveFileScanner.Result r =
          SaveFileScanner.snapshot(saveFile, decryptor(), bytesRead, checker(saveFile, problems));
      counts[0] += r.lines();
      counts[1] += r.records();
    }
    boolean stopped = false;
    for (Path journal : journals()) {
      files.add(journal);
      if (stopped) {
        problems.add(
            new Problem(
                journal,
                1,
                0,
                "not-replayed",
                "not replayed at all: an earlier journal is damaged (the application keeps it"
                    + " aside)"));
        continue;
      }
      String problem = journalHeaderProblem(journal);
      if (problem != null) {
        problems.add(new Problem(journal, 1, 0, "header", problem));
        stopped = true;
        continue;
      }
      SaveFileScanner.Result r =
          SaveFileScanner.journal(journal, decryptor(), bytesRead, checker(journal, problems));
      counts[0] += r.lines();
      counts[1] += r.records();
      stopped = r.damaged();
    }
    return new Verification(
        List.copyOf(files), counts[0], counts[1], Collections.unmodifiableList(problems));
  }

  /** A visitor that records problems, and checks that each record's session decodes. */
  private SaveFileScanner.Visitor checker(Path file, List<Problem> problems) {
    return new SaveFileScanner.Visitor() {
      @Override
      public void record(RecordDecoder.Entry e, long line, long offset) {
        if (!e.isDelete() && toSession(e, file, line) == null) {
          problems.add(
              new Problem(
                  file,
                  line,
                  offset,
                  "session",
                  "line "
                      + line
                      + " is an intact record, but its session is not in the form the '"
                      + header.serializer()
                      + "' serializer writes (the store skips it)"));
        }
      }

      @Override
      public void problem(String kind, long line, long offset, String message) {
        problems.add(new Problem(file, line, offset, kind, message));
      }
    };
  }

  /**
   * Decodes a session in the form {@link Session#data()} gives, e.g. to import it: checks that it
   * is a session of this file's serializer, without deserializing it.
   *
   * @param id the session id
   * @param expires when it expires, or null if never by time
   * @param data the session's JSON (encoding {@code json}) or base64 (encoding {@code base64})
   * @return the session, ready for {@link #rewrite}
   * @throws IllegalArgumentException if the data is not a session of this file's encoding
   */
  public Session decode(String id, Instant expires, String data) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a session id must not be empty");
    }
    Objects.requireNonNull(data, "data");
    byte[] bytes;
    boolean json = isJson(null);
    try {
      bytes = json ? data.getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("session " + abbreviate(id) + " is not base64", e);
    }
    if (json && (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0)) {
      // A record is one line of the file.
      throw new IllegalArgumentException(
          "session " + abbreviate(id) + " spans lines: give its JSON on one line");
    }
    long expiresAt = expires == null ? StoredSession.NEVER : expires.toEpochMilli();
    Session s = toSession(new RecordDecoder.Entry("set", id, expiresAt, bytes), null, 0);
    if (s == null) {
      throw new IllegalArgumentException(
          "session "
              + abbreviate(id)
              + " is not in the form the '"
              + header.serializer()
              + "' serializer writes");
    }
    return s;
  }

  /**
   * Replaces the save file with a fresh snapshot of its sessions (those {@link #forEachSession}
   * sees), less those {@code remove} selects, plus {@code add} (which replace sessions of the same
   * id), and deletes the journals it folded in: what the store's own compaction does. The records
   * are copied byte for byte, never deserialized. It is written like every snapshot: to a temporary
   * file, forced, renamed over the save file, directory forced; a failure at any point leaves the
   * files as they were.
   *
   * <p>It holds the save file's lock throughout, so it refuses while an application has the file
   * open, and an application cannot open it meanwhile. It refuses damaged files (except a journal's
   * torn tail, which it drops as the store would): starting the application once keeps the damage
   * aside and recovers every intact record.
   *
   * @param remove selects sessions to leave out
   * @param add sessions to add, made by {@link #decode}
   * @return what it did
   * @throws FileInUseException if a running store holds the save file
   * @throws IllegalStateException if the files are damaged, or their serializer is unknown
   * @throws IOException if the files cannot be read or written; they are then as they were
   */
  public Rewritten rewrite(Predicate<? super Session> remove, Collection<Session> add)
      throws IOException {
    Objects.requireNonNull(remove, "remove");
    Objects.requireNonNull(add, "add");
    if (header.serializer() == null) {
      throw new IllegalStateException(
          saveFile + " has no intact header, so which serializer wrote it is unknown");
    }
    try (SaveFileLock lock = lock()) {
      Verification v = verify();
      List<Problem> damage =
          v.problems().stream().filter(p -> !"torn-tail".equals(p.kind())).toList();
      if (!damage.isEmpty()) {
        throw new IllegalStateException(
            saveFile
                + " is damaged ("
                + damage.size()
                + " problems; the first: "
                + damage.get(0).file().getFileName()
                + " "
                + damage.get(0).message()
                + "). Start the application once: it keeps the damaged files aside and recovers"
                + " every intact record");
      }
      Map<String, Session> added = new LinkedHashMap<>();
      for (Session s : add) {
        added.put(s.id(), s);
      }
      List<Long> generations = Journal.generations(saveFile);
      long next = header.generation();
      if (!generations.isEmpty()) {
        next = Math.max(next, generations.get(generations.size() - 1) + 1);
      }
      FileFormat format = new FileFormat(header.serializer(), isJson(null), key);
      long[] counts = new long[2]; // kept, removed
      long bytes;
      try (SnapshotWriter writer = new SnapshotWriter(saveFile, next, format, Instant.now())) {
        try {
          forEachSession(
              s -> {
                if (added.containsKey(s.id())) {
                  return;
                }
                if (remove.test(s)) {
                  counts[1]++;
                  return;
                }
                write(writer, s);
                counts[0]++;
              });
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        for (Session s : added.values()) {
          writer.write(s.id(), expiresAt(s), bytesOf(s));
        }
        bytes = writer.commit();
      }
      List<Path> deleted = new ArrayList<>();
      for (long g : generations) {
        if (g < next) {
          Path journal = Journal.path(saveFile, g);
          if (Files.deleteIfExists(journal)) {
            deleted.add(journal);
          }
        }
      }
      return new Rewritten(counts[0], counts[1], added.size(), bytes, List.copyOf(deleted));
    }
  }

  private SaveFileLock lock() throws IOException {
    try {
      return SaveFileLock.acquire(saveFile);
    } catch (IllegalStateException e) {
      throw new FileInUseException(
          saveFile + " is open in a running application: stop the application first", e);
    }
  }

  private void write(SnapshotWriter writer, Session s) {
    try {
      writer.write(s.id(), expiresAt(s), bytesOf(s));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long expiresAt(Session s) {
    return s.expires() == null ? StoredSession.NEVER : s.expires().toEpochMilli();
  }

  private byte[] bytesOf(Session s) {
    return isJson(null)
        ? s.data().getBytes(StandardCharsets.UTF_8)
        : Base64.getDecoder().decode(s.data());
  }

  /**
   * Whether sessions are embedded JSON: as the header says, or, when it is lost, as the bytes look.
   */
  private boolean isJson(byte[] bytes) {
    if (header.encoding() != null) {
      return "json".equals(header.encoding());
    }
    return bytes == null ? "json".equals(header.serializer()) : bytes.length > 0 && bytes[0] == '{';
  }

  /** A record's session, or null if its bytes are not a session of this file's encoding. */
  private Session toSession(RecordDecoder.Entry e, Path file, long line) {
    if (e.isDelete()) {
      return null;
    }
    byte[] bytes = e.session();
    boolean json = isJson(bytes);
    RawSession raw = RawSession.decode(bytes, json, header.serializer());
    if (raw == null) {
      return null;
    }
    return new Session(
        e.id(),
        e.expiresAtMillis() == StoredSession.NEVER
            ? null
            : Instant.ofEpochMilli(e.expiresAtMillis()),
        raw.created(),
        raw.accessed(),
        raw.maxInactive(),
        bytes.length,
        raw.attributes(),
        json
            ? new String(bytes, StandardCharsets.UTF_8)
            : Base64.getEncoder().encodeToString(bytes),
        file,
        line);
  }

  /** Why a journal cannot be replayed with the save file, or null if it can. */
  private String journalHeaderProblem(Path journal) throws IOException {
    SaveFileScanner.HeaderLine h = SaveFileScanner.header(journal, Journal.FORMAT);
    if (h.status() != SaveFileScanner.HeaderLine.Status.OK) {
      return null; // the scan reports a bad first line in detail
    }
    RecordDecoder.Header raw = h.header();
    if (raw.version() != Journal.VERSION) {
      return journal + " is in format version " + raw.version();
    }
    if (header.serializer() != null && !header.serializer().equals(raw.serializer())) {
      return journal
          + " was written by the '"
          + raw.serializer()
          + "' serializer, the save file by '"
          + header.serializer()
          + "'";
    }
    if (raw.cipher() != null && (key == null || !new RecordCipher(key).matches(raw.keyCheck()))) {
      return journal + " is encrypted with another key than the one given";
    }
    if (raw.cipher() == null && key != null) {
      return journal + " is not encrypted, but the save file is";
    }
    return null;
  }

  private RecordCipher decryptor() {
    return key == null ? null : new RecordCipher(key);
  }

  private static String abbreviate(String id) {
    return id.length() <= 6 ? id : id.substring(0, 6) + "…";
  }
}
