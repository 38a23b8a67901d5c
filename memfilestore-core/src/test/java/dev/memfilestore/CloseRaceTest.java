package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change that races {@code close()} (which is what the shutdown hook runs at SIGTERM) must be
 * either refused or in the last snapshot: a call that returns normally and is then lost at restart
 * is what {@link ShutdownSaveIT} checks for, but there the window is microseconds wide. Here the
 * interleaving is forced, so each test fails every time the race exists.
 */
class CloseRaceTest {

  @Test
  void aSetRacingCloseIsRefusedOrSaved(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    GateSerializer gate = new GateSerializer();
    MemFileStore store = MemFileStore.builder().saveFile(file).serializer(gate).build();
    store.set("before", plain());
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      SessionData gated = plain();
      gated.setAttribute("gate", true);
      Future<?> racer = thread.submit(() -> store.set("racer", gated));
      assertThat(gate.entered.await(30, TimeUnit.SECONDS)).as("set is serializing").isTrue();
      store.close(); // the set has passed its closed-check and not yet stored anything
      gate.release.countDown();
      boolean refused;
      try {
        racer.get(30, TimeUnit.SECONDS);
        refused = false;
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
        refused = true;
      }
      try (MemFileStore reloaded =
          MemFileStore.builder().saveFile(file).serializer(new GateSerializer()).build()) {
        assertThat(reloaded.ids()).contains("before");
        if (!refused) {
          assertThat(reloaded.ids()).as("set returned normally, so it was saved").contains("racer");
        }
      }
    } finally {
      gate.release.countDown();
      thread.shutdownNow();
    }
  }

  @Test
  void aDestroyAfterCloseIsRefusedOrSaved(@TempDir Path dir) {
    Path file = dir.resolve("sessions.json");
    MemFileStore store = MemFileStore.builder().saveFile(file).build();
    store.set("logged-out", plain());
    store.close();
    boolean refused;
    try {
      store.destroy("logged-out");
      refused = false;
    } catch (IllegalStateException e) {
      refused = true;
    }
    try (MemFileStore reloaded = MemFileStore.builder().saveFile(file).build()) {
      if (!refused) {
        assertThat(reloaded.get("logged-out"))
            .as("destroy returned normally, so the session must stay destroyed")
            .isEmpty();
      }
    }
  }

  private static SessionData plain() {
    SessionData s = new SessionData();
    s.setAttribute("n", 1L);
    return s;
  }

  /** JSON, except that serializing a session marked "gate" waits until released. */
  private static final class GateSerializer implements SessionSerializer {
    private final SessionSerializer json = SessionSerializer.json();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public byte[] serialize(SessionData session) {
      if (Boolean.TRUE.equals(session.getAttribute("gate"))) {
        entered.countDown();
        try {
          if (!release.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never released");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return json.serialize(session);
    }

    @Override
    public SessionData deserialize(byte[] bytes) {
      return json.deserialize(bytes);
    }

    @Override
    public String name() {
      return "gated-json";
    }
  }
}
