package dev.memfilestore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The save file and the files beside it, named after it: {@code <name>.journal.<generation>},
 * {@code <name>.tmp}, {@code <name>.lock}, {@code <name>.damaged-<time>}. The one place that lists,
 * writes, cuts, moves aside and deletes them, for the store and for {@link SaveFileInspector}
 * alike; every file it creates is owner-only. A symbolic save file is resolved once, here (see
 * {@link #resolveLink}); nothing else follows a link on purpose.
 */
final class SaveFiles {
  static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<PosixFilePermission> OWNER_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final DateTimeFormatter ASIDE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** The most links followed from a symbolic save file to a file; beyond, it is a loop. */
  private static final int MAX_LINKS = 40;

  /**
   * The save file: absolute and normalized; if the path given is a symbolic link, the file it leads
   * to (see {@link #resolveLink}).
   */
  final Path saveFile;

  /** The path given, if it was a symbolic link the store resolved; else null. */
  final Path link;

  /**
   * @throws IllegalArgumentException if the path is a symbolic link the store does not follow
   */
  SaveFiles(Path saveFile) {
    Path given = saveFile.toAbsolutePath().normalize();
    this.saveFile = resolveLink(given);
    this.link = this.saveFile.equals(given) ? null : given;
  }

  /**
   * Resolves a symbolic save file once, on purpose: the store then works on the file the link leads
   * to, with its lock, journal, temporary and damaged files beside that file, so the data stays on
   * the volume the link points to (a snapshot renamed over the link would replace it with a regular
   * file beside it), and two links to one file share one lock. A link is followed only if its owner
   * is the user running the store, the owner of its directory, or root, as Linux's {@code
   * protected_symlinks} does: another user's link in a shared directory could lead anywhere.
   *
   * @return {@code file} itself if it is no link; else the file it leads to, whose directory is a
   *     real path (no link, no {@code ..})
   * @throws IllegalArgumentException if a link is not followed, loops, or leads nowhere usable
   */
  static Path resolveLink(Path file) {
    if (!Files.isSymbolicLink(file)) {
      return file;
    }
    Path current = file;
    for (int hops = 0; Files.isSymbolicLink(current); hops++) {
      if (hops == MAX_LINKS) {
        throw new IllegalArgumentException(
            "saveFile "
                + file
                + " is a chain of more than "
                + MAX_LINKS
                + " symbolic links (a loop?): point saveFile at a regular file");
      }
      requireTrustedLink(file, current);
      try {
        current = current.resolveSibling(Files.readSymbolicLink(current));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the symbolic link " + current + " (saveFile " + file + "): " + e, e);
      }
    }
    Path directory = current.toAbsolutePath().getParent();
    Path resolved;
    try {
      resolved = directory.toRealPath().resolve(current.getFileName());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "saveFile "
              + file
              + " is a symbolic link to "
              + current
              + ", whose directory "
              + directory
              + " does not exist or cannot be read: create it, or point saveFile at another file",
          e);
    }
    if (Files.exists(resolved) && !Files.isRegularFile(resolved) && !Files.isDirectory(resolved)) {
      throw new IllegalArgumentException(
          "saveFile " + file + " is a symbolic link to " + resolved + ", which is not a file");
    }
    return resolved;
  }

  /** Refuses a link that another user could have planted (see {@link #resolveLink}). */
  private static void requireTrustedLink(Path saveFile, Path link) {
    UserPrincipal owner;
    UserPrincipal directoryOwner;
    UserPrincipal me;
    try {
      owner = Files.getOwner(link, LinkOption.NOFOLLOW_LINKS);
      directoryOwner = Files.getOwner(link.toAbsolutePath().getParent());
      me =
          link.getFileSystem()
              .getUserPrincipalLookupService()
              .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException e) {
      return; // no owners on this file system: nothing to compare
    }
    if (!owner.equals(me) && !owner.equals(directoryOwner) && !"root".equals(owner.getName())) {
      throw new IllegalArgumentException(
          "saveFile "
              + saveFile
              + " leads through the symbolic link "
              + link
              + ", owned by "
              + owner.getName()
              + ", who is neither this user ("
              + me.getName()
              + ") nor the owner of its directory: the store does not follow a link another user"
              + " may have planted. Remove the link, or point saveFile at the file it should use");
    }
  }

  /** What writing a snapshot did. */
  record Written(long bytes, long records, List<Path> deletedJournals) {}

  /** Writes the records of a snapshot. */
  @FunctionalInterface
  interface Content {
    void writeTo(SnapshotWriter writer) throws IOException;
  }

  /** The journal of one generation. */
  Path journal(long generation) {
    return sibling(saveFile, ".journal." + generation);
  }

  /** The generations of the journal files beside the save file, in ascending order. */
  List<Long> generations() throws IOException {
    Path dir = saveFile.getParent();
    List<Long> generations = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return generations;
    }
    String prefix = saveFile.getFileName() + ".journal.";
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]{1,18}")) {
          generations.add(Long.parseLong(name.substring(prefix.length())));
        }
      }
    }
    Collections.sort(generations);
    return generations;
  }

  /**
   * Compaction, for the store's {@code save} and the inspector's {@code rewrite}: writes a snapshot
   * that holds every journal generation below {@code generation} (see {@link SnapshotWriter}), then
   * deletes those journals. Until the snapshot is durably in place nothing is deleted.
   */
  Written writeSnapshot(long generation, FileFormat format, Instant now, Content content)
      throws IOException {
    long bytes;
    long records;
    try (SnapshotWriter writer = new SnapshotWriter(saveFile, generation, format, now)) {
      content.writeTo(writer);
      bytes = writer.commit();
      records = writer.records();
    }
    List<Path> deleted = new ArrayList<>();
    for (long g : generations()) {
      if (g < generation && Files.deleteIfExists(journal(g))) {
        deleted.add(journal(g));
      }
    }
    return new Written(bytes, records, List.copyOf(deleted));
  }

  /**
   * Keeps a damaged file aside without moving it: a second name for it (a hard link, or where the
   * file system has none, a forced copy), owner-only, never over another one. The file itself stays
   * where it is until what replaces it is durably on disk (the snapshot's rename, or compaction
   * deletes it); if that never happens, {@link #discardAside} removes the second name and the files
   * are as they were. A symbolic link is kept aside as a copy of the link, never followed: the file
   * it leads to is neither read nor changed.
   */
  Path keepAside(Path file, Instant now) throws IOException {
    String stamp = ASIDE_STAMP.format(now);
    Path aside = sibling(file, ".damaged-" + stamp);
    for (int n = 2; Files.exists(aside, LinkOption.NOFOLLOW_LINKS); n++) {
      aside = sibling(file, ".damaged-" + stamp + "-" + n);
    }
    if (Files.isSymbolicLink(file)) {
      Files.createSymbolicLink(aside, Files.readSymbolicLink(file));
      forceDirectory(file.getParent());
      return aside;
    }
    try {
      try {
        Files.createLink(aside, file);
      } catch (UnsupportedOperationException | FileSystemException e) {
        Files.copy(file, aside, LinkOption.NOFOLLOW_LINKS);
        try (FileChannel copy = FileChannel.open(aside, StandardOpenOption.WRITE)) {
          copy.force(true);
        }
      }
      tightenToOwner(aside);
      forceDirectory(file.getParent());
    } catch (IOException e) {
      Files.deleteIfExists(aside);
      throw new IOException(
          "cannot keep the damaged " + file + " aside as " + aside + ": " + e.getMessage(), e);
    }
    return aside;
  }

  /** Removes a name made by {@link #keepAside} whose original was never replaced. */
  static void discardAside(Path aside) {
    try {
      Files.deleteIfExists(aside);
    } catch (IOException e) {
      // the damaged file keeps a second name; it is still where it was
    }
  }

  /** Makes an existing file readable and writable by its owner only, where the platform allows. */
  static void tightenToOwner(Path file) throws IOException {
    if (POSIX) {
      Files.setPosixFilePermissions(file, OWNER_FILE);
    }
  }

  /**
   * Cuts a journal's torn tail (a record cut short by a crash) off at the end of its last record.
   */
  static void cutTornTail(Path journal, long goodEnd) throws IOException {
    try (FileChannel channel =
        FileChannel.open(journal, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      channel.truncate(goodEnd);
      channel.force(true);
    }
  }

  /**
   * Makes sure the save file can be used: not a directory, its directory present (created
   * owner-only if missing) and the file readable if it exists.
   *
   * @throws IllegalArgumentException naming the path, if not
   */
  void prepareDirectory() {
    if (Files.isDirectory(saveFile)) {
      throw new IllegalArgumentException(
          "saveFile "
              + saveFile
              + " is a directory: name a file, e.g. "
              + saveFile.resolve("sessions.json"));
    }
    Path directory = saveFile.getParent();
    if (Files.exists(directory) && !Files.isDirectory(directory)) {
      throw new IllegalArgumentException(
          "the directory of saveFile " + saveFile + " is not a directory: " + directory);
    }
    try {
      createDirectories(directory);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot create the directory " + directory + " for saveFile " + saveFile + ": " + e, e);
    }
    if (Files.exists(saveFile) && !Files.isReadable(saveFile)) {
      String owner;
      try {
        owner = Files.getOwner(saveFile).getName();
      } catch (IOException | UnsupportedOperationException e) {
        owner = "another user";
      }
      throw new IllegalArgumentException(
          "cannot read saveFile "
              + saveFile
              + ": permission denied (it belongs to "
              + owner
              + " and this store runs as "
              + System.getProperty("user.name")
              + "): make it readable and writable by this user, or run the store as its owner");
    }
  }

  static Path sibling(Path saveFile, String suffix) {
    return saveFile.resolveSibling(saveFile.getFileName() + suffix);
  }

  /** Opens a file for writing, creating it readable and writable by its owner only. */
  static FileChannel openOwnerOnly(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> opts = Set.of(options);
    FileChannel channel =
        POSIX
            ? FileChannel.open(file, opts, PosixFilePermissions.asFileAttribute(OWNER_FILE))
            : FileChannel.open(file, opts);
    if (POSIX) {
      // An existing file keeps its mode on open; make sure it is ours alone.
      Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setPermissions(OWNER_FILE);
    }
    return channel;
  }

  /** Creates missing parent directories, owner-only. */
  static void createDirectories(Path directory) throws IOException {
    if (POSIX) {
      FileAttribute<Set<PosixFilePermission>> mode =
          PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY);
      Files.createDirectories(directory, mode);
    } else {
      Files.createDirectories(directory);
    }
  }

  /** Forces a directory's entries (a rename into it) to disk, where the platform allows. */
  static void forceDirectory(Path directory) throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      if (POSIX) {
        throw e;
      }
      // Windows cannot open a directory as a channel; NTFS journals the rename itself.
    }
  }
}
