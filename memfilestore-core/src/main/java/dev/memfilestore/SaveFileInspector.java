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

  /** What is wrong with a line or a file; each kind has a short code, e.g. for JSON output. */
  public enum ProblemKind {
    /** A line fails its checksum. */
    CHECKSUM("checksum"),
    /** The last line is cut short (no newline). */
    TRUNCATED("truncated"),
    /** A line is longer than any record can be. */
    TOO_LONG("too-long"),
    /** A line with a valid checksum is not a well-formed record. */
    MALFORMED("malformed"),
    /**
     * A line with a valid checksum does not decrypt with the key given: damaged, sealed with
     * another key, or (format version 2) not sealed for this line of this file, i.e. repeated,
     * moved or taken from another file.
     */
    DECRYPT("decrypt"),
    /** An intact record whose session is not in its serializer's form (the store skips it). */
    SESSION("session"),
    /** The first line is not a header of the file's kind, or one that cannot be read with it. */
    HEADER("header"),
    /** A line follows a snapshot's trailer. */
    AFTER_TRAILER("after-trailer"),
    /** A snapshot ends without its trailer. */
    NO_TRAILER("no-trailer"),
    /** A snapshot's trailer counts other than its intact records. */
    COUNT("count"),
    /** The end of a journal cut short by a crash, which the store cuts off. */
    TORN_TAIL("torn-tail"),
    /** Journal lines (or whole journals) after damage, which the store does not replay. */
    NOT_REPLAYED("not-replayed");

    private final String code;

    ProblemKind(String code) {
      this.code = code;
    }

    /**
     * The kind's short code.
     *
     * @return e.g. {@code checksum}, {@code torn-tail}
     */
    public String code() {
      return code;
    }
  }

  /**
   * One thing wrong with a file.
   *
   * @param file the file
   * @param line the line (1-based) where it is; one past the last line for a missing trailer
   * @param offset the byte offset where that line starts
   * @param type what kind of problem it is
   * @param message what is wrong, in words, with the line number
   */
  public record Problem(Path file, long line, long offset, ProblemKind type, String message) {
    /**
     * The kind's short code: {@code checksum}, {@code truncated}, {@code too-long}, {@code
     * malformed}, {@code decrypt}, {@code session}, {@code header}, {@code after-trailer}, {@code
     * no-trailer}, {@code count}, {@code torn-tail} (the end of a journal cut short by a crash,
     * which the store cuts off), {@code not-replayed}.
     *
     * @return {@code type().code()}
     */
    public String kind() {
      return type.code();
    }
  }

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

  private final SaveFiles files;
  private final Path saveFile;
  private final SecretKey key;
  private final Header header;

  /** The format as the files declare it; a null serializer (header lost) accepts any. */
  private final FileFormat format;

  private final AtomicLong bytesRead = new AtomicLong();

  private SaveFileInspector(SaveFiles files, SecretKey key, Header header, String store) {
    this.files = files;
    this.saveFile = files.saveFile;
    this.key = key;
    this.header = header;
    // A rewrite keeps the store's id (files of version 1 have none: it makes one).
    this.format =
        FileFormat.declared(header.serializer(), header.encoding(), key)
            .withStore(store != null ? store : FileSeal.randomId());
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
    SaveFiles files = new SaveFiles(saveFile);
    Path file = files.saveFile;
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + " is a directory, not a save file");
    }
    List<Long> journals = files.generations();
    if (!Files.exists(file) && journals.isEmpty()) {
      throw new NoSuchFileException(
          file.toString(), null, "no such save file, and no journal of one beside it");
    }
    FileFormat anySerializer = new FileFormat(null, false, key);
    Header header = null;
    String store = null; // the store id the files carry (format version 2)
    long snapshotGeneration = 0;
    if (Files.exists(file)) {
      SaveFileReader.HeaderLine h = SaveFileReader.firstLine(file, FileFormat.SNAPSHOT);
      switch (h.status()) {
        case EMPTY ->
            throw new IllegalArgumentException(
                file + " is empty: not a MemFileStore save file (a store never writes one empty)");
        case FOREIGN ->
            throw new IllegalArgumentException(
                file
                    + " is not a MemFileStore save file: its first line is not a"
                    + " memfilestore-sessions header");
        case OK -> {
          header = checked(file, h.header(), anySerializer);
          store = h.header().store();
        }
        case DAMAGED -> header = null; // verify() reports it; the journals may still say
      }
      snapshotGeneration = Recovery.generation(h);
    }
    if (header == null) {
      for (long g : journals) {
        SaveFileReader.HeaderLine h =
            SaveFileReader.firstLine(files.journal(g), FileFormat.JOURNAL);
        if (h.status() == SaveFileReader.HeaderLine.Status.OK) {
          Header j = checked(files.journal(g), h.header(), anySerializer);
          header = new Header(j.version(), j.serializer(), j.encoding(), j.encrypted(), 0, null);
          store = h.header().store();
          break;
        }
      }
    }
    if (header == null) {
      header = new Header(FileFormat.VERSION, null, null, key != null, snapshotGeneration, null);
    }
    return new SaveFileInspector(files, key, header, store);
  }

  /** The header, if the file can be opened with the key given; else why not. */
  private static Header checked(Path file, RecordDecoder.Header raw, FileFormat format) {
    FileFormat.Mismatch mismatch = format.check(raw);
    if (mismatch != null) {
      throw new IllegalArgumentException(
          switch (mismatch) {
            case VERSION ->
                file
                    + " is in format version "
                    + raw.version()
                    + " but this memfilestore reads versions "
                    + FileFormat.OLDEST_VERSION
                    + " to "
                    + FileFormat.VERSION;
            case NEEDS_KEY -> file + " is encrypted: open it with the encryptionKey that wrote it";
            case OTHER_KEY ->
                file
                    + " was encrypted with another key: open it with the encryptionKey that wrote"
                    + " it";
            case UNENCRYPTED -> file + " is not encrypted: open it without a key";
            case SERIALIZER -> throw new AssertionError("any serializer is accepted here");
          });
    }
    return new Header(
        raw.version(),
        raw.serializer(),
        raw.encoding(),
        raw.cipher() != null,
        raw.generation(),
        raw.written());
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
    return Recovery.journals(files, header.generation());
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
    Recovery.run(
        files,
        format,
        (e, file, line) -> {
          Session s = toSession(e, file, line);
          if (s != null) {
            action.accept(s);
          }
          return s != null;
        },
        new Recovery.Reporter() {
          @Override
          public boolean refused(
              Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header raw) {
            throw new IllegalStateException(refusal(file, mismatch, raw));
          }

          @Override
          public void progress(long bytes) {
            bytesRead.addAndGet(bytes);
          }
        });
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
    Map<Path, List<Problem>> byFile = new LinkedHashMap<>(); // in file order, the save file first
    if (Files.exists(saveFile)) {
      byFile.put(saveFile, new ArrayList<>());
    }
    for (Path journal : journals()) {
      byFile.put(journal, new ArrayList<>());
    }
    long[] counts = new long[2]; // lines, records
    Recovery.run(
        files,
        format,
        new Recovery.Sink() {
          @Override
          public boolean check(RecordDecoder.Entry e) {
            return e.isDelete() || toSession(e, null, 0) != null;
          }

          @Override
          public boolean session(RecordDecoder.Entry e, Path file, long line) {
            return true;
          }
        },
        new Recovery.Reporter() {
          @Override
          public boolean refused(
              Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header raw) {
            add(file, 1, 0, ProblemKind.HEADER, refusal(file, mismatch, raw));
            return false;
          }

          @Override
          public void problem(Path file, ProblemKind kind, long line, long offset, String message) {
            add(file, line, offset, kind, message);
          }

          @Override
          public void progress(long bytes) {
            bytesRead.addAndGet(bytes);
          }

          @Override
          public void journalRead(Path journal, SaveFileReader.JournalScan scan) {
            counts[0] += scan.lines();
            counts[1] += scan.records();
          }

          @Override
          public void notReplayed(Path journal) {
            add(
                journal,
                1,
                0,
                ProblemKind.NOT_REPLAYED,
                "not replayed at all: an earlier journal is damaged (the application keeps it"
                    + " aside)");
          }

          @Override
          public void snapshotRead(Path file, SaveFileReader.SnapshotScan scan) {
            counts[0] += scan.lines();
            counts[1] += scan.records();
          }

          private void add(Path file, long line, long offset, ProblemKind kind, String message) {
            byFile
                .computeIfAbsent(file, f -> new ArrayList<>())
                .add(new Problem(file, line, offset, kind, message));
          }
        });
    List<Problem> problems = new ArrayList<>();
    byFile.values().forEach(problems::addAll);
    return new Verification(
        List.copyOf(byFile.keySet()), counts[0], counts[1], Collections.unmodifiableList(problems));
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
    boolean json = format.embedJson();
    byte[] bytes;
    try {
      bytes = json ? data.getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "session " + SessionEncoding.abbreviate(id) + " is not base64", e);
    }
    if (json && (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0)) {
      // A record is one line of the file.
      throw new IllegalArgumentException(
          "session " + SessionEncoding.abbreviate(id) + " spans lines: give its JSON on one line");
    }
    long expiresAt = expires == null ? FileFormat.NO_EXPIRY : expires.toEpochMilli();
    Session s = toSession(new RecordDecoder.Entry("set", id, expiresAt, bytes, json), null, 0);
    if (s == null) {
      throw new IllegalArgumentException(
          "session "
              + SessionEncoding.abbreviate(id)
              + " is not in the form the '"
              + header.serializer()
              + "' serializer writes");
    }
    return s;
  }

  /**
   * The attributes of a session of the {@code java} serializer as the Java serialization streams it
   * stores, one complete stream per value ({@code ObjectOutputStream.writeObject} on a fresh
   * stream, which is also what Spring's {@code JdkSerializationRedisSerializer} and Spring Session
   * JDBC's default converter write): a tool can hand them on without the application's classes.
   * Nothing is deserialized.
   *
   * @param session a session of this file
   * @return each attribute's name and stream, in the session's order (a null value is the stream of
   *     a null)
   * @throws IllegalStateException if the file is not of the {@code java} serializer
   * @throws IllegalArgumentException if the session's bytes are not in that serializer's form
   */
  public Map<String, byte[]> javaAttributeStreams(Session session) {
    Objects.requireNonNull(session, "session");
    if (!"java".equals(header.serializer()) || format.embedJson()) {
      throw new IllegalStateException(
          saveFile
              + " was written by the '"
              + header.serializer()
              + "' serializer, not 'java': its attributes are not Java serialization streams");
    }
    try {
      return JavaSessionSerializer.streams(Base64.getDecoder().decode(session.data()));
    } catch (SessionSerializationException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "session " + SessionEncoding.abbreviate(session.id()) + ": " + e.getMessage(), e);
    }
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
          v.problems().stream().filter(p -> p.type() != ProblemKind.TORN_TAIL).toList();
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
      List<Long> generations = files.generations();
      long next = header.generation();
      if (!generations.isEmpty()) {
        next = Math.max(next, generations.get(generations.size() - 1) + 1);
      }
      long[] counts = new long[2]; // kept, removed
      SaveFiles.Written written =
          files.writeSnapshot(
              next,
              format,
              Instant.now(),
              writer -> {
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
              });
      return new Rewritten(
          counts[0], counts[1], added.size(), written.bytes(), written.deletedJournals());
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
    return s.expires() == null ? FileFormat.NO_EXPIRY : s.expires().toEpochMilli();
  }

  private byte[] bytesOf(Session s) {
    return format.embedJson()
        ? s.data().getBytes(StandardCharsets.UTF_8)
        : Base64.getDecoder().decode(s.data());
  }

  /** A record's session, or null if its bytes are not a session of this file's encoding. */
  private Session toSession(RecordDecoder.Entry e, Path file, long line) {
    if (e.isDelete()) {
      return null;
    }
    byte[] bytes = e.session();
    RawSession raw = RawSession.decode(bytes, e.json(), header.serializer());
    if (raw == null) {
      return null;
    }
    return new Session(
        e.id(),
        e.expiresAtMillis() == FileFormat.NO_EXPIRY
            ? null
            : Instant.ofEpochMilli(e.expiresAtMillis()),
        raw.created(),
        raw.accessed(),
        raw.maxInactive(),
        bytes.length,
        raw.attributes(),
        e.json()
            ? new String(bytes, StandardCharsets.UTF_8)
            : Base64.getEncoder().encodeToString(bytes),
        file,
        line);
  }

  /** Why a journal cannot be replayed with the save file, in words. */
  private String refusal(Path journal, FileFormat.Mismatch mismatch, RecordDecoder.Header raw) {
    return switch (mismatch) {
      case VERSION -> journal + " is in format version " + raw.version();
      case SERIALIZER ->
          journal
              + " was written by the '"
              + raw.serializer()
              + "' serializer, the save file by '"
              + header.serializer()
              + "'";
      case NEEDS_KEY, OTHER_KEY -> journal + " is encrypted with another key than the one given";
      case UNENCRYPTED -> journal + " is not encrypted, but the save file is";
    };
  }
}
