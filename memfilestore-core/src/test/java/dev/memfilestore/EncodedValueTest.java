package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values the store cannot copy without deserializing them (beans, a security context) are kept as
 * their bytes and decoded only when a caller reads them: a request that does not read them does not
 * pay for them, and a save writes their bytes as they were. What a caller reads is still its own.
 */
class EncodedValueTest {
  @TempDir Path dir;

  /** A mutable bean that counts how often it was deserialized. */
  static final class Cart implements Serializable {
    @Serial private static final long serialVersionUID = 1L;
    static final AtomicInteger READS = new AtomicInteger();

    final List<String> items = new ArrayList<>();

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      READS.incrementAndGet();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cart other && items.equals(other.items);
    }

    @Override
    public int hashCode() {
      return items.hashCode();
    }
  }

  /** A record holding a mutable list, which JSON builds through this constructor. */
  record Basket(List<String> items) {
    static final AtomicInteger BUILT = new AtomicInteger();

    Basket {
      BUILT.incrementAndGet();
    }
  }

  private MemFileStore javaStore() {
    return MemFileStore.builder()
        .saveFile(dir.resolve("s.json"))
        .durability(Durability.JOURNAL)
        .serializer(SessionSerializer.java(Cart.class.getName()))
        .build();
  }

  private static SessionData withCart(String... items) {
    SessionData s = new SessionData();
    Cart cart = new Cart();
    cart.items.addAll(List.of(items));
    s.setAttribute("cart", cart);
    s.setAttribute("user", "ada");
    return s;
  }

  @Test
  void aRequestThatDoesNotReadTheBeanNeverDeserializesIt() {
    try (MemFileStore store = javaStore()) {
      store.set("a", withCart("book"));
      int before = Cart.READS.get();
      for (int i = 0; i < 5; i++) {
        SessionData s = store.get("a").orElseThrow();
        s.setAttribute("counter", (long) i);
        store.set("a", s); // the cart's bytes are written again as they are
      }
      assertThat(Cart.READS.get()).as("deserializations of the cart").isEqualTo(before);
      SessionData read = store.get("a").orElseThrow();
      assertThat(((Cart) read.getAttribute("cart")).items).containsExactly("book");
      assertThat(read.getAttribute("counter")).isEqualTo(4L);
      assertThat(Cart.READS.get()).isEqualTo(before + 1);
    }
  }

  @Test
  void whatACallerReadsIsItsOwnAndAChangeIsStoredOnlyBySet() {
    try (MemFileStore store = javaStore()) {
      store.set("a", withCart("book"));
      SessionData first = store.get("a").orElseThrow();
      Cart cart = (Cart) first.getAttribute("cart");
      assertThat(first.getAttribute("cart")).as("the same read twice").isSameAs(cart);
      cart.items.add("pen");
      SessionData second = store.get("a").orElseThrow();
      Cart other = (Cart) second.getAttribute("cart");
      assertThat(other).isNotSameAs(cart);
      assertThat(other.items).as("a change not set is not stored").containsExactly("book");
      store.set("a", first);
      assertThat(((Cart) store.get("a").orElseThrow().getAttribute("cart")).items)
          .containsExactly("book", "pen");
    }
  }

  @Test
  void beansKeptAsBytesSurviveARestartAndCompareByValue() {
    try (MemFileStore store = javaStore()) {
      store.set("a", withCart("book"));
      SessionData s = store.get("a").orElseThrow();
      s.setAttribute("user", "grace");
      store.set("a", s); // written again without reading the cart
      assertThat(store.get("a").orElseThrow().getAttribute("user")).isEqualTo("grace");
    }
    try (MemFileStore reopened = javaStore()) {
      SessionData s = reopened.get("a").orElseThrow();
      assertThat(((Cart) s.getAttribute("cart")).items).containsExactly("book");
      assertThat(s.getAttribute("user")).isEqualTo("grace");
    }
  }

  @Test
  void aSessionReadFromOneStoreCanBeStoredInAnother() {
    try (MemFileStore store = javaStore();
        MemFileStore other =
            MemFileStore.builder()
                .serializer(SessionSerializer.java(Cart.class.getName()))
                .build()) {
      store.set("a", withCart("book"));
      other.set("b", store.get("a").orElseThrow()); // another serializer instance: encoded anew
      assertThat(((Cart) other.get("b").orElseThrow().getAttribute("cart")).items)
          .containsExactly("book");
    }
  }

  @Test
  void sessionsWithUnreadBeansAreEqualByTheirValues() {
    try (MemFileStore store = javaStore()) {
      store.set("a", withCart("book"));
      store.set("b", withCart("book"));
      store.set("c", withCart("pen"));
      SessionData a = store.get("a").orElseThrow();
      SessionData b = store.get("b").orElseThrow();
      b.setCreationTime(a.getCreationTime());
      b.setLastAccessedTime(a.getLastAccessedTime());
      SessionData c = store.get("c").orElseThrow();
      c.setCreationTime(a.getCreationTime());
      c.setLastAccessedTime(a.getLastAccessedTime());
      assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }
  }

  @Test
  void underJsonARecordHoldingAListIsBuiltOnlyWhenRead() {
    try (MemFileStore store =
        MemFileStore.builder()
            .saveFile(dir.resolve("j.json"))
            .durability(Durability.JOURNAL)
            .serializer(SessionSerializer.json(Basket.class.getName()))
            .build()) {
      SessionData s = new SessionData();
      s.setAttribute("basket", new Basket(new ArrayList<>(List.of("tea"))));
      store.set("a", s);
      int before = Basket.BUILT.get();
      for (int i = 0; i < 5; i++) {
        SessionData read = store.get("a").orElseThrow();
        read.setAttribute("counter", (long) i);
        store.set("a", read);
      }
      assertThat(Basket.BUILT.get()).as("records built from JSON").isEqualTo(before);
      Basket basket = (Basket) store.get("a").orElseThrow().getAttribute("basket");
      assertThat(basket.items()).containsExactly("tea");
      basket.items().add("milk");
      assertThat(((Basket) store.get("a").orElseThrow().getAttribute("basket")).items())
          .containsExactly("tea");
    }
  }
}
