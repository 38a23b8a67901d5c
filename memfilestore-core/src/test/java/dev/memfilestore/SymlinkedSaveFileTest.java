package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 6: a symbolic save file is resolved once, at {@code build()}: the store works on
 * the file the link leads to, with its lock, journal and snapshots beside that file, so the data
 * stays where the link points, the link stays a link, and two links to one file share one lock.
 */
class SymlinkedSaveFileTest {
  @TempDir Path dir;
  private Path app;
  private Path volume;

  @BeforeEach
  void directories() throws IOException {
    app = Files.createDirectory(dir.resolve("app"));
    volume = Files.createDirectory(dir.resolve("volume"));
  }

  @Test
  void theStoreWritesWhereTheLinkLeadsAndKeepsTheLink() throws IOException {
    Path link = Files.createSymbolicLink(app.resolve("s.json"), Path.of("../volume/real.json"));
    try (MemFileStore store = MemFileStore.builder().saveFile(link).build()) {
      store.set("a", new SessionData()); // the link leads nowhere yet: the file is created there
      store.save();
      store.set("b", new SessionData());
      assertThat(store.stats().lastSnapshotSessions()).isEqualTo(1);
    }
    assertThat(Files.isSymbolicLink(link)).as("the link is still a link").isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("../volume/real.json"));
    assertThat(Files.isRegularFile(volume.resolve("real.json"), LinkOption.NOFOLLOW_LINKS))
        .isTrue();
    assertThat(names(app)).as("nothing beside the link").containsExactly("s.json");
    assertThat(names(volume)).contains("real.json", "real.json.lock");

    try (MemFileStore store = MemFileStore.builder().saveFile(link).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrder("a", "b");
      store.set("c", new SessionData());
      store.simulateCrash(); // "c" is only in the journal, which lies beside the target
    }
    assertThat(names(volume)).anyMatch(n -> n.startsWith("real.json.journal."));
    try (MemFileStore store =
        MemFileStore.builder().saveFile(volume.resolve("real.json")).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrder("a", "b", "c");
    }
  }

  @Test
  void twoLinksToOneFileDoNotBothOpen() throws IOException {
    Path target = volume.resolve("real.json");
    Path first = Files.createSymbolicLink(app.resolve("a.json"), target);
    Path second = Files.createSymbolicLink(dir.resolve("b.json"), Path.of("app/a.json"));
    try (MemFileStore store = MemFileStore.builder().saveFile(first).build()) {
      store.set("x", new SessionData());
      assertThatThrownBy(() -> MemFileStore.builder().saveFile(second).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(target.toString())
          .hasMessageContaining("already used");
      assertThatThrownBy(() -> MemFileStore.builder().saveFile(target).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already used");
    }
  }

  @Test
  void aLinkLoopIsRefusedSayingSo() throws IOException {
    Path a = app.resolve("a.json");
    Path b = app.resolve("b.json");
    Files.createSymbolicLink(a, b);
    Files.createSymbolicLink(b, a);
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(a).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than 40 symbolic links (a loop?)");
  }

  @Test
  void aLinkOwnedByAnotherUserIsNotFollowed() throws IOException {
    assumeThat(System.getProperty("user.name"))
        .as("giving a link to another user needs root; skipped as another user")
        .isEqualTo("root");
    UserPrincipal nobody;
    try {
      nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    } catch (IOException e) {
      assumeThat(false).as("no user 'nobody' here: " + e).isTrue();
      return;
    }
    Path target = Files.writeString(volume.resolve("victim"), "keep");
    Path link = Files.createSymbolicLink(app.resolve("s.json"), target);
    Files.getFileAttributeView(link, FileOwnerAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setOwner(nobody); // the link's owner, not its target's
    assumeThat(Files.getOwner(link, LinkOption.NOFOLLOW_LINKS)).isEqualTo(nobody);
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(link).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("owned by nobody")
        .hasMessageContaining("does not follow a link another user may have planted");
    assertThat(Files.readString(target)).isEqualTo("keep");
    assertThat(names(volume)).containsExactly("victim");
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
