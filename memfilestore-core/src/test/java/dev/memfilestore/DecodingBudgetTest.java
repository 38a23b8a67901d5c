package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.COLLECTION;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Decoding a session is bounded in time and memory whatever its bytes say: a planted record must
 * not hang start-up or exhaust the heap.
 */
class DecodingBudgetTest {
  private final SessionSerializer java = SessionSerializer.java();

  /**
   * Nested hash sets that share their elements: a few kilobytes whose hashing doubles with each
   * level, so 40 levels would take days to read.
   */
  private static Set<Object> serialDos(int depth) {
    Set<Object> root = new HashSet<>();
    Set<Object> s1 = root;
    Set<Object> s2 = new HashSet<>();
    for (int i = 0; i < depth; i++) {
      Set<Object> t1 = new HashSet<>();
      Set<Object> t2 = new HashSet<>();
      t1.add("x"); // t1 and t2 must differ
      s1.add(t1);
      s1.add(t2);
      s2.add(t1);
      s2.add(t2);
      s1 = t1;
      s2 = t2;
    }
    return root;
  }

  /** A java-format session holding one attribute whose stream is {@code value}'s serialization. */
  private static byte[] session(String attribute, byte[] valueStream) throws IOException {
    SessionData empty = new SessionData();
    byte[] head = SessionSerializer.java().serialize(empty); // format, times, count = 0
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head, 0, head.length - 4);
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(1);
    data.writeUTF(attribute);
    data.writeInt(valueStream.length);
    data.write(valueStream);
    return out.toByteArray();
  }

  private static byte[] javaStream(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  @Test
  void nestedHashSetsSharingTheirElementsAreRefusedWithinTheTimeBudget() throws IOException {
    byte[] planted = session("cart", javaStream(serialDos(40)));
    assertThat(planted.length).isLessThan(8 * 1024);

    assertTimeoutPreemptively(
        Duration.ofSeconds(30), // the budget is 1 s; without it this runs for days
        () ->
            assertThatThrownBy(() -> java.deserialize(planted))
                .isInstanceOf(SessionSerializationException.class)
                .hasMessageContaining("attribute 'cart'")
                .hasMessageContaining("decoding budget")
                .hasMessageContaining("ms to decode"));
  }

  @Test
  void aFewNestedHashSetsAreStillRead() throws IOException {
    SessionData read = java.deserialize(session("cart", javaStream(serialDos(8))));
    assertThat(read.getAttribute("cart")).asInstanceOf(COLLECTION).hasSize(2);
  }

  @Test
  void anArrayLongerThanItsStreamIsRefusedBeforeItIsAllocated() throws IOException {
    // A long[] claiming 16 million elements (128 MB) in a stream of a few bytes.
    byte[] stream = javaStream(new long[1]);
    int at = stream.length - 12; // the length field, then the one element
    stream[at] = 0x00;
    stream[at + 1] = (byte) 0xFF;
    stream[at + 2] = (byte) 0xFF;
    stream[at + 3] = (byte) 0xF0;
    byte[] planted = session("big", stream);

    assertThatThrownBy(() -> java.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("decoding budget")
        .hasMessageContaining("an array of 16777200 elements");
  }

  @Test
  void referencesAreCountedOverAllAttributesOfASession() throws IOException {
    // Each attribute alone is within the limit; together they are not.
    List<Object> half = new ArrayList<>();
    for (int i = 0; i < JavaSessionSerializer.MAX_REFERENCES / 2 + 10; i++) {
      half.add(new Object[0]); // a distinct object each
    }
    byte[] stream = javaStream(half);
    SessionData empty = new SessionData();
    byte[] head = java.serialize(empty);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head, 0, head.length - 4);
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(2);
    for (String name : List.of("a", "b")) {
      data.writeUTF(name);
      data.writeInt(stream.length);
      data.write(stream);
    }

    assertThat(java.deserialize(session("a", stream)).getAttribute("a")).isNotNull();
    assertThatThrownBy(() -> java.deserialize(out.toByteArray()))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("attribute 'b'")
        .hasMessageContaining("more than 100000 objects");
  }

  @Test
  void aJsonSessionOfMillionsOfTinyValuesIsRefusedBeforeItFillsTheHeap() {
    // 3 million one-letter strings in 12 MB: each would cost about 50 bytes of heap.
    StringBuilder json =
        new StringBuilder(
            "{\"created\":\"2026-01-01T00:00:00Z\",\"accessed\":\"2026-01-01T00:00:00Z\","
                + "\"attributes\":{\"list\":[\"java.util.ArrayList\",[");
    for (int i = 0; i < 3_000_000; i++) {
      json.append(i == 0 ? "\"a\"" : ",\"a\"");
    }
    json.append("]]}}");
    byte[] planted = json.toString().getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> SessionSerializer.json().deserialize(planted))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("decoding budget")
        .hasMessageContaining("1000000");
  }

  @Test
  void aJsonSessionNestedTooDeeplyIsRefused() {
    String open = "[\"java.util.ArrayList\",[".repeat(200);
    String close = "]]".repeat(200);
    byte[] planted =
        ("{\"created\":\"2026-01-01T00:00:00Z\",\"accessed\":\"2026-01-01T00:00:00Z\","
                + "\"attributes\":{\"deep\":"
                + open
                + close
                + "}}")
            .getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> SessionSerializer.json().deserialize(planted))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("decoding budget");
  }

  @Test
  void anOrdinaryJsonSessionWithThousandsOfValuesIsRead() {
    SessionData s = new SessionData();
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      items.add("item-" + i);
    }
    s.setAttribute("items", items);
    SessionSerializer json = SessionSerializer.json();
    assertThat(json.deserialize(json.serialize(s)).getAttribute("items")).isEqualTo(items);
  }

  /** Slow to read the first time only, like a session read during a long garbage collection. */
  static final class SlowOnce implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final java.util.concurrent.atomic.AtomicInteger READS =
        new java.util.concurrent.atomic.AtomicInteger();
    final List<String> items = new ArrayList<>(List.of("a", "b", "c"));

    private void readObject(java.io.ObjectInputStream in)
        throws IOException, ClassNotFoundException {
      if (READS.getAndIncrement() == 0) {
        try {
          Thread.sleep(JavaSessionSerializer.MAX_DECODE_TIME.toMillis() + 200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      in.defaultReadObject();
    }
  }

  @Test
  void aSessionSlowOnceIsReadOnTheSecondTry() {
    SessionSerializer serializer =
        SessionSerializer.java("dev.memfilestore.DecodingBudgetTest$SlowOnce");
    SessionData s = new SessionData();
    s.setAttribute("slow", new SlowOnce());
    byte[] bytes = serializer.serialize(s);
    SlowOnce.READS.set(0);

    SessionData read = serializer.deserialize(bytes);

    assertThat(((SlowOnce) read.getAttribute("slow")).items).containsExactly("a", "b", "c");
    assertThat(SlowOnce.READS).hasValue(2);
  }
}
