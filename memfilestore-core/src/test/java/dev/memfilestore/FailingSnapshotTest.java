package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, item 8: while snapshots fail, changes go on to the current journal generation and the
 * snapshot is retried with backoff, instead of a new journal file every second; the failure shows
 * in {@code stats()}, and nothing is lost once snapshots work again.
 */
class FailingSnapshotTest {
  @TempDir Path dir;

  private final TestClock clock = new TestClock();

  /** How a snapshot is made to fail. */
  private enum Fault {
    /** A non-empty directory where the snapshot's temporary file must go: works as any user. */
    TMP_IS_A_DIRECTORY,
    /** {@code chattr +i} on the save file, so the snapshot cannot be renamed over it (root). */
    IMMUTABLE_SAVE_FILE
  }

  @ParameterizedTest
  @ValueSource(strings = {"TMP_IS_A_DIRECTORY", "IMMUTABLE_SAVE_FILE"})
  void failingSnapshotsKeepOneJournalAndLoseNothing(String faultName) throws Exception {
    Fault fault = Fault.valueOf(faultName);
    Path file = dir.resolve("s.json");
    MemFileStore store = MemFileStore.builder().saveFile(file).clock(clock).build();
    store.set("before", new SessionData());
    store.save();
    assertThat(journals()).hasSize(1);

    set(fault, true);
    try {
      for (int i = 0; i < 5; i++) {
        store.set("during-" + i, new SessionData());
        assertThatThrownBy(store::save).isInstanceOf(UncheckedIOException.class);
      }
      assertThat(journals())
          .as("journal files after 5 failed snapshots: the sealed one and the current one")
          .hasSize(2);
      assertThat(store.stats().healthy()).isFalse();
      assertThat(store.stats().problem())
          .contains("cannot write a snapshot to " + file)
          .contains("5 attempts failed since");
    } finally {
      set(fault, false);
    }

    store.save();
    assertThat(store.stats().healthy()).isTrue();
    assertThat(journals()).as("compacted once the snapshot worked").hasSize(1);
    store.set("after", new SessionData());
    store.simulateCrash();
    try (MemFileStore recovered = MemFileStore.builder().saveFile(file).clock(clock).build()) {
      assertThat(recovered.ids())
          .containsExactlyInAnyOrder(
              "before", "during-0", "during-1", "during-2", "during-3", "during-4", "after");
    }
  }

  @Test
  void theJournalsUpkeepRetriesWithBackoffAndStartsNoNewJournal() throws Exception {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).clock(clock).build()) {
      store.set("a", new SessionData());
      set(Fault.TMP_IS_A_DIRECTORY, true);
      try {
        assertThatThrownBy(store::save).isInstanceOf(UncheckedIOException.class);
        long start = System.nanoTime();
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(4500)) {
          store.set("b", new SessionData()); // changes go on to the journal meanwhile
          Thread.sleep(100);
        }
        // Retries after 1 s, then 2 s more, then 4 s more: 3 attempts in 4.5 s (one a second
        // without backoff: 5 or 6, each with a new journal file).
        assertThat(attempts(store.stats().problem())).isBetween(1, 4);
        assertThat(journals()).hasSize(2);
      } finally {
        set(Fault.TMP_IS_A_DIRECTORY, false);
      }
      store.save();
      assertThat(store.stats().healthy()).isTrue();
    }
  }

  private static int attempts(String problem) {
    Matcher m = Pattern.compile("\\((\\d+) attempts failed since").matcher(problem);
    return m.find() ? Integer.parseInt(m.group(1)) : 1;
  }

  private void set(Fault fault, boolean on) throws IOException, InterruptedException {
    Path tmp = dir.resolve("s.json.tmp");
    switch (fault) {
      case TMP_IS_A_DIRECTORY -> {
        if (on) {
          Files.writeString(Files.createDirectory(tmp).resolve("keep"), "x");
        } else {
          Files.delete(tmp.resolve("keep"));
          Files.delete(tmp);
        }
      }
      case IMMUTABLE_SAVE_FILE -> {
        if (on) {
          assumeThat(System.getProperty("user.name"))
              .as("chattr +i needs root; skipped as another user (TMP_IS_A_DIRECTORY runs)")
              .isEqualTo("root");
        }
        Process chattr =
            new ProcessBuilder("chattr", on ? "+i" : "-i", dir.resolve("s.json").toString())
                .inheritIO()
                .start();
        boolean done = chattr.waitFor(30, TimeUnit.SECONDS) && chattr.exitValue() == 0;
        if (on) {
          assumeThat(done).as("chattr +i failed (file system without it?); skipped").isTrue();
        }
      }
    }
  }

  private List<String> journals() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("s.json.journal."))
          .toList();
    }
  }
}
