package dev.memfilestore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** The files that live beside a save file, and how they are created: owner-only, always. */
final class SaveFiles {
  static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<PosixFilePermission> OWNER_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  private SaveFiles() {}

  static Path sibling(Path saveFile, String suffix) {
    return saveFile.resolveSibling(saveFile.getFileName() + suffix);
  }

  /** Opens a file for writing, creating it readable and writable by its owner only. */
  static FileChannel openOwnerOnly(Path file, StandardOpenOption... options) throws IOException {
    Set<StandardOpenOption> opts = Set.of(options);
    FileChannel channel =
        POSIX
            ? FileChannel.open(file, opts, PosixFilePermissions.asFileAttribute(OWNER_FILE))
            : FileChannel.open(file, opts);
    if (POSIX) {
      // An existing file keeps its mode on open; make sure it is ours alone.
      Files.setPosixFilePermissions(file, OWNER_FILE);
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
