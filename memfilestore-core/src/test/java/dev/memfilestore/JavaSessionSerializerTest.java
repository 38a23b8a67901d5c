package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.memfilestore.fixtures.Cart;
import dev.memfilestore.fixtures.LineItem;
import dev.memfilestore.fixtures.Money;
import dev.memfilestore.fixtures.Plan;
import dev.memfilestore.fixtures.Profile;
import dev.memfilestore.fixtures.Visit;
import dev.memfilestore.fixtures.deep.Badge;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JavaSessionSerializerTest {
  private static final Instant CREATED = Instant.parse("2025-03-04T05:06:07.123456789Z");
  private static final Instant ACCESSED = Instant.parse("2025-03-04T06:07:08.987654321Z");

  /**
   * Every test that reads back a session holding at least one attribute fails today: see the
   * reason. They pass once the filter lets those internal array checks through.
   */
  private final SessionSerializer java = SessionSerializer.java("dev.memfilestore.fixtures.**");

  private static SessionData session(String name, Object value) {
    SessionData s = new SessionData(CREATED);
    s.setLastAccessedTime(ACCESSED);
    s.setAttribute(name, value);
    return s;
  }

  private static Object roundTrip(SessionSerializer serializer, Object value) {
    SessionData back = serializer.deserialize(serializer.serialize(session("v", value)));
    assertThat(back.getAttributeNames()).containsExactly("v");
    return back.getAttribute("v");
  }

  private static Object nested(int depth) {
    Object value = "leaf";
    for (int i = 0; i < depth; i++) {
      value = new ArrayList<>(List.of(value));
    }
    return value;
  }

  // ------------------------------------------------------------------ round trips

  @SuppressWarnings("JdkObsolete") // LinkedList is one of the types under test
  static Stream<Arguments> values() {
    Map<String, Object> linked = new LinkedHashMap<>();
    linked.put("z", 1L);
    linked.put("a", List.of(2, 3));
    return Stream.of(
        arguments("Long", 5L),
        arguments("Integer", 5),
        arguments("Short", (short) 5),
        arguments("Byte", (byte) 5),
        arguments("Float", 1.1f),
        arguments("Double", 2.5),
        arguments("Character", 'x'),
        arguments("Boolean", false),
        arguments("String", "héllo"),
        arguments("BigInteger", new BigInteger("-123456789012345678901234567890")),
        arguments("BigDecimal", new BigDecimal("1.50")),
        arguments("UUID", UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e")),
        arguments("Locale", Locale.forLanguageTag("sr-Latn-RS")),
        arguments("Currency", Currency.getInstance("JPY")),
        arguments("Instant", Instant.parse("2024-02-29T23:59:59.123456789Z")),
        arguments("LocalDate", LocalDate.of(2024, 2, 29)),
        arguments("LocalTime", LocalTime.of(1, 2, 3, 4)),
        arguments("LocalDateTime", LocalDateTime.of(2024, 2, 29, 1, 2, 3, 4)),
        arguments(
            "ZonedDateTime", ZonedDateTime.of(2024, 7, 1, 10, 0, 0, 5, ZoneId.of("Asia/Tokyo"))),
        arguments(
            "OffsetDateTime", OffsetDateTime.of(2024, 7, 1, 10, 0, 0, 5, ZoneOffset.ofHours(-7))),
        arguments("OffsetTime", OffsetTime.of(10, 0, 0, 5, ZoneOffset.ofHours(3))),
        arguments("Duration", Duration.ofSeconds(5, 7)),
        arguments("Period", Period.of(1, -2, 3)),
        arguments("Year", Year.of(1999)),
        arguments("YearMonth", YearMonth.of(1999, 12)),
        arguments("MonthDay", MonthDay.of(12, 31)),
        arguments("DayOfWeek", DayOfWeek.SUNDAY),
        arguments("Month", Month.JANUARY),
        arguments("ZoneId", ZoneId.of("Europe/Lisbon")),
        arguments("ZoneOffset", ZoneOffset.ofHours(-2)),
        arguments("enum", Plan.FREE),
        arguments("enum constant with a body", Plan.PRO),
        arguments("record", new Visit("/", 3L, CREATED, Plan.PRO)),
        arguments("record in a sub-package", new Badge("early", CREATED)),
        arguments("bean", new Profile("ada", 7L, List.of("admin"))),
        arguments("ArrayList", new ArrayList<>(List.of(1L, "b"))),
        arguments("LinkedList", new LinkedList<>(List.of(1L, "b"))),
        arguments("HashMap", new HashMap<>(Map.of("a", 1L))),
        arguments("LinkedHashMap", linked),
        arguments("TreeMap", new TreeMap<>(Map.of("a", 1L, "b", 2L))),
        arguments("HashSet", new HashSet<>(Set.of(1L, 2L))),
        arguments("TreeSet", new TreeSet<>(Set.of("b", "a"))),
        arguments("List.of()", List.of()),
        arguments("List.of(a)", List.of(1L)),
        arguments("List.of(a, b, c)", List.of(1L, 2L, 3L)),
        arguments("Set.of(a, b, c)", Set.of(1L, 2L, 3L)),
        arguments("Map.of(k, v)", Map.of("k", 1L)),
        arguments("Map.of(k, v, k, v)", Map.of("k", 1L, "l", 2L)),
        arguments("unmodifiableList", Collections.unmodifiableList(new ArrayList<>(List.of(1L)))),
        arguments("Arrays.asList", Arrays.asList("a", "b")),
        arguments("map with non-String keys", new HashMap<>(Map.of(1L, "one", 2, "two"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void valueComesBackEqualAndOfTheSameClass(String label, Object value) {
    Object back = roundTrip(java, value);

    assertThat(back).isExactlyInstanceOf(value.getClass()).isEqualTo(value);
  }

  @Test
  void arraysComeBackWithTheirComponentTypeAndContent() {
    Object bytes = roundTrip(java, new byte[] {0, -1, 127});
    Object ints = roundTrip(java, new int[] {Integer.MIN_VALUE, 7});
    Object strings = roundTrip(java, new String[] {"a", ""});
    Object records = roundTrip(java, new Visit[] {new Visit("/", 1L, CREATED, Plan.FREE)});

    assertThat(bytes).isExactlyInstanceOf(byte[].class);
    assertThat((byte[]) bytes).containsExactly(0, -1, 127);
    assertThat(ints).isExactlyInstanceOf(int[].class);
    assertThat((int[]) ints).containsExactly(Integer.MIN_VALUE, 7);
    assertThat(strings).isExactlyInstanceOf(String[].class);
    assertThat((String[]) strings).containsExactly("a", "");
    assertThat((Visit[]) records).containsExactly(new Visit("/", 1L, CREATED, Plan.FREE));
  }

  @Test
  void recordsNestedWithListsAndMapsComeBackEqual() {
    Money price = new Money(new BigDecimal("9.90"), Currency.getInstance("EUR"));
    Cart cart =
        new Cart(
            "ada",
            new ArrayList<>(List.of(new LineItem("A-1", 2, price))),
            new LinkedHashMap<>(Map.of("seen", new ArrayList<>(List.of(1L, 2L)))));

    Cart back = (Cart) roundTrip(java, cart);

    assertThat(back).isEqualTo(cart);
    assertThat(back.items().get(0).price().amount().scale()).isEqualTo(2);
    assertThat(back.tags()).isExactlyInstanceOf(LinkedHashMap.class);
  }

  @Test
  void zonedDateTimeKeepsItsRegionAndEnumsTheirIdentity() {
    ZonedDateTime tokyo = ZonedDateTime.of(2024, 7, 1, 10, 0, 0, 0, ZoneId.of("Asia/Tokyo"));

    assertThat(((ZonedDateTime) roundTrip(java, tokyo)).getZone())
        .isEqualTo(ZoneId.of("Asia/Tokyo"));
    assertThat(roundTrip(java, Plan.PRO)).isSameAs(Plan.PRO);
  }

  @Test
  void metadataRoundTripsWithNanoseconds() {
    SessionData s = new SessionData(CREATED);
    s.setLastAccessedTime(ACCESSED);

    SessionData back = java.deserialize(java.serialize(s));

    assertThat(back.getCreationTime()).isEqualTo(CREATED);
    assertThat(back.getLastAccessedTime()).isEqualTo(ACCESSED);
    assertThat(back.getMaxInactiveInterval()).isNull();
    assertThat(back).isEqualTo(s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT30M", "PT0.000000001S", "PT-1S", "PT-0.5S", "PT0S"})
  void maxInactiveIntervalRoundTripsExactly(String interval) {
    SessionData s = new SessionData(CREATED);
    s.setMaxInactiveInterval(Duration.parse(interval));

    assertThat(java.deserialize(java.serialize(s)).getMaxInactiveInterval())
        .isEqualTo(Duration.parse(interval));
  }

  @Test
  void emptySessionRoundTrips() {
    SessionData empty = new SessionData(CREATED);

    assertThat(java.deserialize(java.serialize(empty))).isEqualTo(empty);
  }

  @Test
  void nameIsJava() {
    assertThat(java.name()).isEqualTo("java");
  }

  @Test
  void malformedPatternsAreRejected() {
    for (String pattern : Arrays.asList("*", "**", "", "a b", null)) {
      assertThatThrownBy(() -> SessionSerializer.java(pattern))
          .as("pattern %s", pattern)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatCode(() -> SessionSerializer.java("com.x.Cart", "com.x.*", "com.x.**"))
        .doesNotThrowAnyException();
  }

  // ------------------------------------------------------------------ refusals on read

  @Test
  void classNotOnTheAllowListIsRefusedOnReadAndItsReadHooksNeverRun() {
    String token = "refused-" + UUID.randomUUID();
    SessionSerializer writer = SessionSerializer.java("dev.memfilestore.ReadObjectTrap");
    byte[] bytes = writer.serialize(session("trap", new ReadObjectTrap(token)));

    assertThatThrownBy(() -> java.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
    assertThatThrownBy(() -> SessionSerializer.java().deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(ReadObjectTrap.READ).doesNotContain(token);
    assertThat(ReadObjectTrap.RESOLVED).doesNotContain(token);
  }

  @Test
  void classNotOnTheAllowListIsRefusedInsideAnAllowedCollection() {
    String token = "nested-" + UUID.randomUUID();
    SessionSerializer writer = SessionSerializer.java("dev.memfilestore.*");
    Map<String, Object> map = new HashMap<>();
    map.put("list", new ArrayList<>(List.of(1L, new ReadObjectTrap(token))));
    byte[] bytes = writer.serialize(session("wrapped", map));

    assertThatThrownBy(() -> java.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(ReadObjectTrap.READ).doesNotContain(token);
    assertThat(ReadObjectTrap.RESOLVED).doesNotContain(token);
  }

  @Test
  void theTrapsHooksDoRunWhenItsClassIsAllowed() {
    String token = "allowed-" + UUID.randomUUID();
    SessionSerializer allowing = SessionSerializer.java("dev.memfilestore.ReadObjectTrap");

    Object back = roundTrip(allowing, new ReadObjectTrap(token));

    assertThat(((ReadObjectTrap) back).token()).isEqualTo(token);
    assertThat(ReadObjectTrap.READ).contains(token);
    assertThat(ReadObjectTrap.RESOLVED).contains(token);
  }

  @Test
  void recordOutsideTheAllowListIsRefusedOnRead() {
    byte[] bytes = java.serialize(session("badge", new Badge("b", CREATED)));

    assertThatThrownBy(
            () -> SessionSerializer.java("dev.memfilestore.fixtures.*").deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
    assertThatThrownBy(
            () -> SessionSerializer.java("dev.memfilestore.fixtures.Visit").deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
  }

  @Test
  void recordInASubPackageIsReadUnderAnExactOrTreePattern() {
    Badge badge = new Badge("b", CREATED);

    assertThat(roundTrip(SessionSerializer.java("dev.memfilestore.fixtures.deep.Badge"), badge))
        .isEqualTo(badge);
    assertThat(roundTrip(SessionSerializer.java("dev.memfilestore.**"), badge)).isEqualTo(badge);
  }

  @Test
  void arrayOfObjectHoldingAClassNotAllowedIsRefusedOnRead() {
    String token = "array-" + UUID.randomUUID();
    SessionSerializer writer = SessionSerializer.java("dev.memfilestore.ReadObjectTrap");
    byte[] bytes =
        writer.serialize(session("objects", new Object[] {"a", new ReadObjectTrap(token)}));

    assertThatThrownBy(() -> java.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(ReadObjectTrap.READ).doesNotContain(token);
    assertThat(ReadObjectTrap.RESOLVED).doesNotContain(token);
  }

  @Test
  void serializeRefusesWhatDeserializeWouldRefuse() {
    SessionData s = session("trap", new ReadObjectTrap("write-" + UUID.randomUUID()));

    assertThatThrownBy(() -> java.serialize(s)).isInstanceOf(SessionSerializationException.class);
  }

  // ------------------------------------------------------------------ refusals on write

  @Test
  void nonSerializableAttributeIsRefusedOnWrite() {
    SessionData s = session("ok", 1L);
    s.setAttribute("bean", new NotSerializableBean());

    assertThatThrownBy(() -> java.serialize(s))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining(NotSerializableBean.class.getName());
  }

  @Test
  void nonSerializableValueNestedInACollectionIsRefusedOnWrite() {
    SessionData s = session("list", new ArrayList<>(List.of(1L, new Object())));

    assertThatThrownBy(() -> java.serialize(s))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void threadIsRefusedOnWrite() {
    assertThatThrownBy(() -> java.serialize(session("t", Thread.currentThread())))
        .isInstanceOf(SessionSerializationException.class);
  }

  /** Its writeObject fails with an unchecked exception. */
  static final class FailsOnWrite implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
      throw new IllegalStateException("cannot write me");
    }
  }

  /** Its readObject fails with an unchecked exception. */
  static final class FailsOnRead implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      throw new IllegalStateException("cannot read me");
    }
  }

  @Test
  void uncheckedFailureWhileWritingBecomesSessionSerializationException() {
    SessionSerializer s =
        SessionSerializer.java("dev.memfilestore.JavaSessionSerializerTest$FailsOnWrite");

    assertThatThrownBy(() -> s.serialize(session("bad", new FailsOnWrite())))
        .isInstanceOf(SessionSerializationException.class);
  }

  @Test
  void uncheckedFailureWhileReadingBecomesSessionSerializationException() {
    SessionSerializer s =
        SessionSerializer.java("dev.memfilestore.JavaSessionSerializerTest$FailsOnRead");
    byte[] bytes = s.serialize(session("bad", new FailsOnRead()));

    assertThatThrownBy(() -> s.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
  }

  // ------------------------------------------------------------------ limits

  @Test
  void structureNestedDeeperThan64IsRefusedOnRead() {
    byte[] deep = java.serialize(session("deep", nested(100)));

    assertThatThrownBy(() -> java.deserialize(deep))
        .isInstanceOf(SessionSerializationException.class);
  }

  @Test
  void structureJustWithinTheDepthLimitIsRead() {
    Object value = nested(40);

    assertThat(roundTrip(java, value)).isEqualTo(value);
  }

  // ------------------------------------------------------------------ damaged bytes

  @Test
  void everyTruncationOfAValidSessionIsRefused() {
    SessionData s = new SessionData(CREATED);
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    s.setAttribute("roles", new ArrayList<>(List.of("admin", "user")));
    s.setAttribute("visits", 3L);
    byte[] bytes = java.serialize(s);
    List<Integer> accepted = new ArrayList<>();

    for (int length = 0; length < bytes.length; length++) {
      try {
        java.deserialize(Arrays.copyOf(bytes, length));
        accepted.add(length);
      } catch (SessionSerializationException expected) {
        // refused, as it must be
      }
    }

    assertThat(accepted).as("truncated lengths that were accepted").isEmpty();
    assertThat(java.deserialize(bytes)).isEqualTo(s);
  }

  @Test
  void everyTruncationOfASessionWithAttributesIsRefused() {
    SessionData s = session("cart", new ArrayList<>(List.of(1L, "two", Instant.EPOCH)));
    s.setAttribute("visit", new Visit("/", 1L, CREATED, Plan.PRO));
    byte[] bytes = java.serialize(s);

    for (int length = 0; length < bytes.length; length++) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> java.deserialize(truncated))
          .as("truncated to %d bytes", length)
          .isInstanceOf(SessionSerializationException.class);
    }
    assertThat(java.deserialize(bytes)).isEqualTo(s);
  }

  @Test
  void garbageAndJsonAreRefused() {
    byte[] jsonBytes = SessionSerializer.json().serialize(session("n", 1L));

    for (byte[] bytes :
        List.of(
            new byte[0],
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
            "not java".getBytes(StandardCharsets.UTF_8),
            jsonBytes)) {
      assertThatThrownBy(() -> java.deserialize(bytes))
          .isInstanceOf(SessionSerializationException.class);
    }
  }

  @Test
  void unknownFormatVersionIsRefused() {
    byte[] bytes = java.serialize(session("n", 1L));
    // The session starts with its format number, a big-endian int.
    assertThat(Arrays.copyOfRange(bytes, 0, 4)).containsExactly(0, 0, 0, 2);
    byte[] changed = bytes.clone();
    changed[3] = 99;

    assertThatThrownBy(() -> java.deserialize(changed))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("99");
  }

  // ------------------------------------------------------------------ format 2 details

  @Test
  void aCaseInsensitiveTreeMapKeepsItsOrder() {
    // what Spring Security's saved request holds: its headers in such a map
    TreeMap<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.put("Accept", "text/html");

    @SuppressWarnings("unchecked")
    TreeMap<String, String> back = (TreeMap<String, String>) roundTrip(java, headers);

    assertThat(back.get("accept")).isEqualTo("text/html");
    assertThat(back.comparator()).isSameAs(String.CASE_INSENSITIVE_ORDER);
  }

  @Test
  void aFailingAttributeIsNamedInTheMessage() {
    byte[] bytes =
        SessionSerializer.java("dev.memfilestore.ReadObjectTrap")
            .serialize(session("cartTrap", new ReadObjectTrap("named-" + UUID.randomUUID())));

    assertThatThrownBy(() -> java.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("'cartTrap'")
        .hasMessageContaining("dev.memfilestore.ReadObjectTrap");
  }

  @Test
  void everyTruncationOfASessionIsRefused() {
    SessionData s = session("visit", new Visit("/a", 3L, CREATED, Plan.PRO));
    s.setAttribute("name", "ada");
    byte[] bytes = java.serialize(s);

    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> java.deserialize(cut))
          .as("cut at %d of %d", length, bytes.length)
          .isInstanceOf(SessionSerializationException.class);
    }
  }

  @Test
  void rawDescribesASessionWithoutLoadingItsClasses() {
    String token = "raw-" + UUID.randomUUID();
    SessionData s = new SessionData(CREATED);
    s.setLastAccessedTime(ACCESSED);
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    s.setAttribute("user", "ada");
    s.setAttribute("visits", 7L);
    s.setAttribute("ratio", 0.5d);
    s.setAttribute("trap", new ReadObjectTrap(token));
    s.setAttribute("ints", new int[] {1, 2});
    s.setAttribute("plan", Plan.PRO);
    byte[] bytes = SessionSerializer.java("dev.memfilestore.**").serialize(s);

    JavaSessionSerializer.Raw raw = JavaSessionSerializer.raw(bytes);

    assertThat(raw.created()).isEqualTo(CREATED);
    assertThat(raw.accessed()).isEqualTo(ACCESSED);
    assertThat(raw.maxInactive()).isEqualTo(Duration.ofMinutes(30));
    Map<String, JavaSessionSerializer.RawValue> a = raw.attributes();
    assertThat(a.get("user")).extracting("type", "text").containsExactly("java.lang.String", "ada");
    assertThat(a.get("visits")).extracting("type", "text").containsExactly("java.lang.Long", "7");
    assertThat(a.get("ratio"))
        .extracting("type", "text")
        .containsExactly("java.lang.Double", "0.5");
    assertThat(a.get("trap"))
        .extracting("type", "text")
        .containsExactly("dev.memfilestore.ReadObjectTrap", null);
    assertThat(a.get("ints").type()).isEqualTo("[I");
    assertThat(a.get("plan").type()).isEqualTo("dev.memfilestore.fixtures.Plan");
    assertThat(a.get("trap").length()).isPositive();
    assertThat(ReadObjectTrap.RESOLVED).doesNotContain(token);
    assertThat(ReadObjectTrap.READ).doesNotContain(token);
  }

  @Test
  void rawRefusesWhatIsNotASession() {
    for (byte[] bytes :
        List.of(
            new byte[0], "not java".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 1})) {
      assertThatThrownBy(() -> JavaSessionSerializer.raw(bytes))
          .isInstanceOf(SessionSerializationException.class);
    }
  }

  @Test
  void classesResolveThroughTheContextClassLoader() throws Exception {
    byte[] bytes = java.serialize(session("visit", new Visit("/a", 3L, CREATED, Plan.PRO)));
    ClassLoader webapp = new ChildFirstLoader("dev.memfilestore.fixtures.", getClass());
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    Object visit;
    try {
      thread.setContextClassLoader(webapp);
      visit = java.deserialize(bytes).getAttribute("visit");
    } finally {
      thread.setContextClassLoader(before);
    }

    assertThat(visit.getClass().getName()).isEqualTo(Visit.class.getName());
    assertThat(visit.getClass().getClassLoader()).isSameAs(webapp);
  }

  /** A proxied interface, as a web application may keep in a session. */
  public interface Greeter {
    String greet(String name);
  }

  /** The proxy's handler: it is serialized with the proxy and read back through the filter. */
  static final class GreeterHandler implements InvocationHandler, Serializable {
    @Serial private static final long serialVersionUID = 1L;
    static final Set<String> READ = ConcurrentHashMap.newKeySet();
    final String salutation;

    GreeterHandler(String salutation) {
      this.salutation = salutation;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
      return salutation + ", " + args[0];
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      READ.add(salutation);
    }
  }

  private static Greeter greeter(String salutation) {
    return (Greeter)
        Proxy.newProxyInstance(
            Greeter.class.getClassLoader(),
            new Class<?>[] {Greeter.class},
            new GreeterHandler(salutation));
  }

  private static final String[] GREETER_TYPES = {
    "dev.memfilestore.JavaSessionSerializerTest$Greeter",
    "dev.memfilestore.JavaSessionSerializerTest$GreeterHandler"
  };

  @Test
  void aProxyOfAllowedInterfacesRoundTrips() {
    Greeter back = (Greeter) roundTrip(SessionSerializer.java(GREETER_TYPES), greeter("Hello"));

    assertThat(Proxy.isProxyClass(back.getClass())).isTrue();
    assertThat(back.greet("Ada")).isEqualTo("Hello, Ada");
  }

  @Test
  void aProxyOfAnInterfaceNotAllowedIsRefusedOnWriteAndOnRead() {
    SessionData s = session("greeter", greeter("Hi"));
    // the handler is allowed, the interface is not
    SessionSerializer handlerOnly =
        SessionSerializer.java("dev.memfilestore.JavaSessionSerializerTest$GreeterHandler");

    assertThatThrownBy(() -> handlerOnly.serialize(s))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("JavaSessionSerializerTest$Greeter");

    String token = "proxy-" + UUID.randomUUID();
    byte[] bytes =
        SessionSerializer.java(GREETER_TYPES).serialize(session("greeter", greeter(token)));
    assertThatThrownBy(() -> handlerOnly.deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("proxy interface");
    assertThat(GreeterHandler.READ).doesNotContain(token);
  }

  /** Defines the classes of one package itself, as a web application's class loader does. */
  private static final class ChildFirstLoader extends ClassLoader {
    private final String prefix;
    private final Class<?> anchor;

    ChildFirstLoader(String prefix, Class<?> anchor) {
      super(anchor.getClassLoader());
      this.prefix = prefix;
      this.anchor = anchor;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (!name.startsWith(prefix)) {
          return super.loadClass(name, resolve);
        }
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          String resource = "/" + name.replace('.', '/') + ".class";
          try (var in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] code = in.readAllBytes();
            c = defineClass(name, code, 0, code.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return c;
      }
    }
  }
}
