package dev.memfilestore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.memfilestore.fixtures.Cart;
import dev.memfilestore.fixtures.Envelope;
import dev.memfilestore.fixtures.LineItem;
import dev.memfilestore.fixtures.Money;
import dev.memfilestore.fixtures.Plan;
import dev.memfilestore.fixtures.Profile;
import dev.memfilestore.fixtures.Visit;
import dev.memfilestore.fixtures.deep.Badge;
import java.math.BigDecimal;
import java.math.BigInteger;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonSessionSerializerTest {
  private static final Instant CREATED = Instant.parse("2025-03-04T05:06:07.123456789Z");
  private static final Instant ACCESSED = Instant.parse("2025-03-04T06:07:08.987654321Z");
  private static final String APP_TYPES = "dev.memfilestore.fixtures.**";

  private final SessionSerializer json = SessionSerializer.json(APP_TYPES);

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

  private static byte[] plantedSession(String attributesJson) {
    return ("{\"created\":\"2025-01-01T00:00:00Z\",\"accessed\":\"2025-01-01T00:00:00Z\","
            + "\"attributes\":"
            + attributesJson
            + "}")
        .getBytes(UTF_8);
  }

  // ------------------------------------------------------------------ values keep their class

  static Stream<Arguments> scalarValues() {
    return Stream.of(
        arguments("Long", 5L),
        arguments("Long max", Long.MAX_VALUE),
        arguments("Long min", Long.MIN_VALUE),
        arguments("Integer", 5),
        arguments("Integer min", Integer.MIN_VALUE),
        arguments("Short", (short) -7),
        arguments("Byte", (byte) 42),
        arguments("Float", 1.1f),
        arguments("Double", 2.5),
        arguments("Double whole", 3.0),
        arguments("Double NaN", Double.NaN),
        arguments("Double -0.0", -0.0),
        arguments("Character", 'x'),
        arguments("Character newline", '\n'),
        arguments("Boolean", true),
        arguments("String", "héllo \"wörld\" \u2603"),
        arguments("empty String", ""),
        arguments("BigInteger", new BigInteger("123456789012345678901234567890")),
        arguments("BigDecimal", new BigDecimal("1.50")),
        arguments("BigDecimal negative scale", new BigDecimal("1E+3")),
        arguments("UUID", UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e")),
        arguments("Locale", Locale.CANADA_FRENCH),
        arguments("Locale with script", Locale.forLanguageTag("sr-Latn-RS")),
        arguments("Currency", Currency.getInstance("EUR")),
        arguments("Instant", Instant.parse("2024-02-29T23:59:59.123456789Z")),
        arguments("LocalDate", LocalDate.of(2024, 2, 29)),
        arguments("LocalTime", LocalTime.of(23, 59, 59, 1)),
        arguments("LocalDateTime", LocalDateTime.of(2024, 2, 29, 12, 0, 0, 123_000)),
        arguments(
            "ZonedDateTime", ZonedDateTime.of(2024, 7, 1, 10, 0, 0, 5, ZoneId.of("Europe/Paris"))),
        arguments(
            "OffsetDateTime",
            OffsetDateTime.of(2024, 7, 1, 10, 0, 0, 5, ZoneOffset.ofHoursMinutes(5, 30))),
        arguments("OffsetTime", OffsetTime.of(10, 0, 0, 5, ZoneOffset.ofHours(-3))),
        arguments("Duration", Duration.ofSeconds(5, 7)),
        arguments("negative Duration", Duration.ofDays(-2)),
        arguments("Period", Period.of(1, 2, 3)),
        arguments("Year", Year.of(2024)),
        arguments("YearMonth", YearMonth.of(2024, 2)),
        arguments("MonthDay", MonthDay.of(2, 29)),
        arguments("DayOfWeek", DayOfWeek.MONDAY),
        arguments("Month", Month.MAY),
        arguments("ZoneId", ZoneId.of("America/New_York")),
        arguments("ZoneOffset", ZoneOffset.ofHours(2)),
        arguments("enum", Plan.FREE),
        arguments("enum constant with a body", Plan.PRO));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scalarValues")
  void valueComesBackEqualAndOfTheSameClass(String label, Object value) {
    Object back = roundTrip(json, value);

    assertThat(back).isExactlyInstanceOf(value.getClass()).isEqualTo(value);
  }

  @Test
  void commonValuesWrittenWithoutJacksonAreWrittenAsJacksonWritesThem() {
    Object[] values = {
      "plain text/with: punctuation", "needs \"escape\"\n and é", Long.MIN_VALUE, -7, false, true
    };
    String[] expected = {
      "\"plain text/with: punctuation\"",
      "\"needs \\\"escape\\\"\\n and é\"",
      "[\"java.lang.Long\",-9223372036854775808]",
      "-7",
      "false",
      "true"
    };
    SessionData s = new SessionData(CREATED);
    for (int i = 0; i < values.length; i++) {
      s.setAttribute("v" + i, values[i]);
    }
    // Inside a list, every value is written by Jackson: the same text either way.
    s.setAttribute("list", new ArrayList<>(Arrays.asList(values)));
    String written = new String(json.serialize(s), UTF_8);
    for (int i = 0; i < values.length; i++) {
      assertThat(written).contains("\"v" + i + "\":" + expected[i]);
    }
    assertThat(written).contains("[\"java.util.ArrayList\",[" + String.join(",", expected) + "]]");
    assertThat(json.deserialize(json.serialize(s))).isEqualTo(s);
  }

  @Test
  void bigDecimalKeepsItsScale() {
    BigDecimal back = (BigDecimal) roundTrip(json, new BigDecimal("10.500"));

    assertThat(back.scale()).isEqualTo(3);
    assertThat(back.unscaledValue()).isEqualTo(BigInteger.valueOf(10_500));
  }

  @Test
  void zonedDateTimeKeepsItsRegionAndOffsetDateTimeItsOffset() {
    ZonedDateTime paris = ZonedDateTime.of(2024, 12, 1, 8, 30, 0, 0, ZoneId.of("Europe/Paris"));
    OffsetDateTime kolkata = OffsetDateTime.of(2024, 12, 1, 8, 30, 0, 0, ZoneOffset.of("+05:30"));

    ZonedDateTime zoned = (ZonedDateTime) roundTrip(json, paris);
    OffsetDateTime offset = (OffsetDateTime) roundTrip(json, kolkata);

    assertThat(zoned.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    assertThat(zoned.getOffset()).isEqualTo(ZoneOffset.ofHours(1));
    assertThat(zoned.toLocalDateTime()).isEqualTo(paris.toLocalDateTime());
    assertThat(offset.getOffset()).isEqualTo(ZoneOffset.of("+05:30"));
    assertThat(offset.toLocalDateTime()).isEqualTo(kolkata.toLocalDateTime());
  }

  @Test
  void enumsComeBackAsTheSameConstant() {
    assertThat(roundTrip(json, Plan.PRO)).isSameAs(Plan.PRO);
    assertThat(((Plan) roundTrip(json, Plan.PRO)).seats()).isEqualTo(10);
  }

  @Test
  void arraysComeBackWithTheirComponentTypeAndContent() {
    Object bytes = roundTrip(json, new byte[] {0, 1, -1, 127, -128});
    Object ints = roundTrip(json, new int[] {Integer.MIN_VALUE, 0, 7});
    Object strings = roundTrip(json, new String[] {"a", "", "c"});
    Object longs = roundTrip(json, new Long[] {1L, 2L});
    Object matrix = roundTrip(json, new int[][] {{1, 2}, {3}});
    Object records = roundTrip(json, new Visit[] {new Visit("/", 1L, CREATED, Plan.FREE)});

    assertThat(bytes).isExactlyInstanceOf(byte[].class);
    assertThat((byte[]) bytes).containsExactly(0, 1, -1, 127, -128);
    assertThat(ints).isExactlyInstanceOf(int[].class);
    assertThat((int[]) ints).containsExactly(Integer.MIN_VALUE, 0, 7);
    assertThat(strings).isExactlyInstanceOf(String[].class);
    assertThat((String[]) strings).containsExactly("a", "", "c");
    assertThat(longs).isExactlyInstanceOf(Long[].class);
    assertThat((Long[]) longs).containsExactly(1L, 2L);
    assertThat(matrix).isExactlyInstanceOf(int[][].class);
    assertThat((int[][]) matrix).isDeepEqualTo(new int[][] {{1, 2}, {3}});
    assertThat(records).isExactlyInstanceOf(Visit[].class);
    assertThat((Visit[]) records).containsExactly(new Visit("/", 1L, CREATED, Plan.FREE));
  }

  // ------------------------------------------------------------------ collections

  @SuppressWarnings("JdkObsolete") // LinkedList is one of the types under test
  static Stream<Arguments> mutableCollections() {
    return Stream.of(
        arguments("ArrayList", new ArrayList<>(List.of(1L, 2, "three"))),
        arguments("LinkedList", new LinkedList<>(List.of(1L, 2L))),
        arguments("HashMap", new HashMap<>(Map.of("a", 1L, "b", "two"))),
        arguments("LinkedHashMap", linkedMap()),
        arguments("TreeMap", new TreeMap<>(Map.of("b", 2L, "a", 1L))),
        arguments("HashSet", new HashSet<>(Set.of(1L, 2L, 3L))),
        arguments("LinkedHashSet", new LinkedHashSet<>(List.of(3L, 1L, 2L))),
        arguments("TreeSet", new TreeSet<>(Set.of("b", "a", "c"))),
        arguments("empty ArrayList", new ArrayList<>()),
        arguments("empty HashMap", new HashMap<>()));
  }

  private static Map<String, Object> linkedMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", 1L);
    m.put("a", (short) 2);
    m.put("m", Instant.EPOCH);
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutableCollections")
  void collectionComesBackEqualAndOfTheSameClass(String label, Object value) {
    Object back = roundTrip(json, value);

    assertThat(back).isExactlyInstanceOf(value.getClass()).isEqualTo(value);
    assertThat(back).isNotSameAs(value);
  }

  @Test
  @SuppressWarnings("GetClassOnEnum") // the constant's own subclass is the point
  void elementsOfCollectionsKeepTheirClassesAndOrder() {
    @SuppressWarnings("unchecked")
    List<Object> list =
        (List<Object>)
            roundTrip(json, new ArrayList<>(List.of(1L, 1, (short) 1, 1.0f, 'c', Plan.PRO)));
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) roundTrip(json, linkedMap());
    @SuppressWarnings("unchecked")
    Set<Object> set =
        (Set<Object>) roundTrip(json, new LinkedHashSet<>(List.of(9L, 8, Year.of(2000))));

    assertThat(list)
        .extracting(Object::getClass)
        .containsExactly(
            Long.class,
            Integer.class,
            Short.class,
            Float.class,
            Character.class,
            Plan.PRO.getClass());
    assertThat(map)
        .containsExactly(
            Map.entry("z", 1L), Map.entry("a", (short) 2), Map.entry("m", Instant.EPOCH));
    assertThat(map.get("a")).isExactlyInstanceOf(Short.class);
    assertThat(set).containsExactly(9L, 8, Year.of(2000));
    assertThat(set)
        .extracting(Object::getClass)
        .containsExactly(Long.class, Integer.class, Year.class);
  }

  @Test
  void arrayDequeComesBackWithItsElementsInOrder() {
    ArrayDeque<Object> deque = new ArrayDeque<>(List.of(3L, "x", 1));

    Object back = roundTrip(json, deque);

    assertThat(back).isExactlyInstanceOf(ArrayDeque.class);
    assertThat(new ArrayList<Object>((ArrayDeque<?>) back)).containsExactly(3L, "x", 1);
  }

  @Test
  void unmodifiableAndSingletonCollectionsComeBackUnmodifiableWithTheirClass() {
    List<Object> unmodifiableList = Collections.unmodifiableList(new ArrayList<>(List.of(1L, "a")));
    Map<String, Object> unmodifiableMap =
        Collections.unmodifiableMap(new HashMap<>(Map.of("a", 1L)));
    Set<Object> unmodifiableSet = Collections.unmodifiableSet(new HashSet<>(Set.of(1L, 2L)));

    for (Object value :
        List.of(
            unmodifiableList,
            unmodifiableMap,
            unmodifiableSet,
            Collections.singletonList(1L),
            Collections.singleton(1L),
            Collections.singletonMap("k", 1L),
            Collections.emptyList(),
            Collections.emptyMap())) {
      Object back = roundTrip(json, value);
      assertThat(back).as("%s", value.getClass()).isExactlyInstanceOf(value.getClass());
      assertThat(back).isEqualTo(value);
    }
    @SuppressWarnings("unchecked")
    List<Object> list = (List<Object>) roundTrip(json, unmodifiableList);
    assertThatThrownBy(() -> list.add("more")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(list.get(0)).isExactlyInstanceOf(Long.class);
  }

  @Test
  void immutableSetsAndMapsComeBackEqualAndStillUnmodifiable() {
    for (Object value :
        List.of(
            Set.of(),
            Set.of(1L),
            Set.of(1L, 2L, 3L),
            Map.of(),
            Map.of("a", 1L),
            Map.of("a", 1L, "b", 2))) {
      Object back = roundTrip(json, value);
      assertThat(back).as("%s", value.getClass()).isEqualTo(value);
      if (back instanceof Set<?> set) {
        assertThatThrownBy(() -> set.clear()).isInstanceOf(UnsupportedOperationException.class);
      } else {
        Map<?, ?> map = (Map<?, ?>) back;
        assertThatThrownBy(() -> map.clear()).isInstanceOf(UnsupportedOperationException.class);
      }
    }
  }

  @Test
  void immutableAndFixedSizeListsComeBackEqualWithTheirElementTypes() {
    for (List<Object> value :
        List.<List<Object>>of(
            List.of(),
            List.of(1L),
            List.of(1L, 2),
            List.of(1L, 2, (short) 3),
            Arrays.asList("a", 1L))) {
      Object back = roundTrip(json, value);
      assertThat(back).as("%s", value.getClass()).isEqualTo(value);
      assertThat((List<?>) back)
          .extracting(Object::getClass)
          .isEqualTo(value.stream().map(Object::getClass).toList());
    }
  }

  @SuppressWarnings("JdkObsolete") // LinkedList is one of the types under test
  static Stream<Arguments> jdkImmutableCollections() {
    return Stream.of(
        arguments("List.of()", List.of()),
        arguments("List.of(a)", List.of(1L)),
        arguments("List.of(a, b, c)", List.of(1L, 2L, 3L)),
        arguments("Set.of(a)", Set.of(1L)),
        arguments("Set.of(a, b, c)", Set.of(1L, 2L, 3L)),
        arguments("Map.of(k, v)", Map.of("a", 1L)),
        arguments("Map.of(k, v, k, v)", Map.of("a", 1L, "b", 2L)),
        arguments("Arrays.asList", Arrays.asList("a", "b")),
        arguments(
            "unmodifiableList(LinkedList)",
            Collections.unmodifiableList(new LinkedList<>(List.of(1L)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdkImmutableCollections")
  void jdkImmutableCollectionKeepsItsExactClass(String label, Object value) {
    Object back = roundTrip(json, value);

    assertThat(back).isExactlyInstanceOf(value.getClass()).isEqualTo(value);
  }

  @Test
  void immutableListComesBackUnmodifiable() {
    @SuppressWarnings("unchecked")
    List<Object> back = (List<Object>) roundTrip(json, List.of(1L, 2L));

    assertThatThrownBy(() -> back.add(3L)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void mapWithNonStringKeysKeepsItsKeysOrIsRefused() {
    Map<Object, Object> byId = new HashMap<>(Map.of(1L, "one", 2L, "two"));
    SessionData session = session("byId", byId);

    Object back;
    try {
      back = json.deserialize(json.serialize(session)).getAttribute("byId");
    } catch (SessionSerializationException refused) {
      return; // refusing such a map at set time would also be correct
    }
    assertThat(back).isEqualTo(byId);
  }

  @Test
  void nestedMapsOfListsKeepEveryLevelsClass() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("ids", new ArrayList<>(List.of(1L, 2L)));
    inner.put("when", new ArrayList<>(List.of(LocalDate.of(2024, 1, 1))));
    Map<String, Object> outer = new HashMap<>();
    outer.put("rows", new ArrayList<>(List.of(inner, new TreeMap<>(Map.of("n", (byte) 1)))));
    outer.put("set", new TreeSet<>(List.of(3L, 1L)));

    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) roundTrip(json, outer);

    assertThat(back).isExactlyInstanceOf(HashMap.class).isEqualTo(outer);
    List<?> rows = (List<?>) back.get("rows");
    assertThat(rows).isExactlyInstanceOf(ArrayList.class);
    assertThat(rows.get(0)).isExactlyInstanceOf(LinkedHashMap.class);
    assertThat(new ArrayList<Object>(((Map<?, ?>) rows.get(0)).keySet()))
        .containsExactly("ids", "when");
    assertThat((List<?>) ((Map<?, ?>) rows.get(0)).get("ids"))
        .isExactlyInstanceOf(ArrayList.class)
        .allSatisfy(id -> assertThat(id).isExactlyInstanceOf(Long.class));
    assertThat(((List<?>) ((Map<?, ?>) rows.get(0)).get("when")).get(0))
        .isExactlyInstanceOf(LocalDate.class);
    assertThat(rows.get(1)).isExactlyInstanceOf(TreeMap.class);
    assertThat(((Map<?, ?>) rows.get(1)).get("n")).isExactlyInstanceOf(Byte.class);
    assertThat(back.get("set")).isExactlyInstanceOf(TreeSet.class);
  }

  // ------------------------------------------------------------------ records and beans

  @Test
  void recordsNestedWithListsAndMapsComeBackEqual() {
    Money price = new Money(new BigDecimal("9.90"), Currency.getInstance("EUR"));
    Map<String, List<Long>> tags = new LinkedHashMap<>();
    tags.put("seen", new ArrayList<>(List.of(1L, 2L)));
    tags.put("none", new ArrayList<>());
    Cart cart =
        new Cart(
            "ada",
            new ArrayList<>(List.of(new LineItem("A-1", 2, price), new LineItem("B-2", 1, price))),
            tags);

    Object back = roundTrip(json, cart);

    assertThat(back).isExactlyInstanceOf(Cart.class).isEqualTo(cart);
    Cart c = (Cart) back;
    assertThat(c.items()).isExactlyInstanceOf(ArrayList.class);
    assertThat(c.items().get(0)).isExactlyInstanceOf(LineItem.class);
    assertThat(c.items().get(0).price().amount().scale()).isEqualTo(2);
    assertThat(c.tags()).isExactlyInstanceOf(LinkedHashMap.class);
    assertThat(c.tags().keySet()).containsExactly("seen", "none");
    assertThat((List<?>) c.tags().get("seen"))
        .allSatisfy(v -> assertThat(v).isExactlyInstanceOf(Long.class));
  }

  @Test
  void recordOfImmutableValuesAndObjectComponentsKeepTheirClasses() {
    Visit visit = new Visit("/home", 3L, CREATED, Plan.PRO);
    Envelope envelope = new Envelope("box", new ArrayList<>(List.of(7L, visit)));

    assertThat(roundTrip(json, visit)).isExactlyInstanceOf(Visit.class).isEqualTo(visit);
    Envelope back = (Envelope) roundTrip(json, envelope);
    assertThat(back).isEqualTo(envelope);
    assertThat((List<?>) back.content())
        .extracting(Object::getClass)
        .containsExactly(Long.class, Visit.class);
  }

  @Test
  void beanWithDefaultConstructorComesBackEqual() {
    Profile profile = new Profile("ada", 12L, List.of("admin", "beta"));

    assertThat(roundTrip(json, profile)).isExactlyInstanceOf(Profile.class).isEqualTo(profile);
  }

  @Test
  void recordInASubPackageNeedsATreePattern() {
    Badge badge = new Badge("early", CREATED);
    SessionSerializer onePackage = SessionSerializer.json("dev.memfilestore.fixtures.*");
    SessionSerializer tree = SessionSerializer.json("dev.memfilestore.fixtures.**");
    SessionSerializer exact = SessionSerializer.json("dev.memfilestore.fixtures.deep.Badge");

    assertThat(roundTrip(onePackage, new Visit("/", 1L, CREATED, Plan.FREE)))
        .isExactlyInstanceOf(Visit.class);
    assertThatThrownBy(() -> onePackage.serialize(session("badge", badge)))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("'badge'");
    assertThat(roundTrip(tree, badge)).isEqualTo(badge);
    assertThat(roundTrip(exact, badge)).isEqualTo(badge);
    assertThatThrownBy(
            () -> exact.serialize(session("visit", new Visit("/", 1L, CREATED, Plan.FREE))))
        .isInstanceOf(SessionSerializationException.class);
  }

  // ------------------------------------------------------------------ session metadata

  @Test
  void metadataKeepsNanosecondsAndANullMaxInactiveInterval() {
    SessionData s = session("k", "v");

    SessionData back = json.deserialize(json.serialize(s));

    assertThat(back.getCreationTime()).isEqualTo(CREATED);
    assertThat(back.getLastAccessedTime()).isEqualTo(ACCESSED);
    assertThat(back.getMaxInactiveInterval()).isNull();
    assertThat(back).isEqualTo(s).isNotSameAs(s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT30M", "PT0.000000001S", "P365D", "PT-1S", "PT-0.5S", "PT0S"})
  void maxInactiveIntervalRoundTripsExactly(String interval) {
    SessionData s = session("k", 1L);
    s.setMaxInactiveInterval(Duration.parse(interval));

    SessionData back = json.deserialize(json.serialize(s));

    assertThat(back.getMaxInactiveInterval()).isEqualTo(Duration.parse(interval));
    assertThat(back.getMaxInactiveInterval().isNegative())
        .isEqualTo(Duration.parse(interval).isNegative());
  }

  @Test
  void sessionWithoutAttributesAndSessionWithManyRoundTrip() {
    SessionData empty = new SessionData(CREATED);
    SessionData many = new SessionData(CREATED);
    for (int i = 0; i < 200; i++) {
      many.setAttribute("a" + i, i % 2 == 0 ? (Object) (long) i : "s" + i);
    }

    assertThat(json.deserialize(json.serialize(empty))).isEqualTo(empty);
    SessionData back = json.deserialize(json.serialize(many));
    assertThat(back).isEqualTo(many);
    assertThat(back.getAttribute("a10")).isExactlyInstanceOf(Long.class);
  }

  @Test
  void unknownTopLevelFieldsFromANewerVersionAreIgnored() {
    byte[] bytes =
        ("{\"created\":\"2025-01-01T00:00:00Z\",\"future\":{\"x\":[1,{\"y\":2}]},"
                + "\"accessed\":\"2025-01-01T00:00:01Z\",\"attributes\":{\"n\":[\"java.lang.Long\",5]}}")
            .getBytes(UTF_8);

    SessionData back = json.deserialize(bytes);

    assertThat(back.getAttribute("n")).isEqualTo(5L);
    assertThat(back.getLastAccessedTime()).isEqualTo(Instant.parse("2025-01-01T00:00:01Z"));
  }

  @Test
  void nameIsJson() {
    assertThat(json.name()).isEqualTo("json");
  }

  // ------------------------------------------------------------------ refusals on write

  static Stream<Arguments> valuesNotAllowed() {
    return Stream.of(
        arguments(
            "record not allow-listed", new Money(BigDecimal.ONE, Currency.getInstance("USD"))),
        arguments("plain mutable class", new NotSerializableBean()),
        arguments("Optional", Optional.of("x")),
        arguments("Thread", Thread.currentThread()),
        arguments("Object", new Object()),
        arguments("AtomicBoolean", new AtomicBoolean(true)),
        arguments("enum not allow-listed", Plan.FREE),
        arguments(
            "list holding a disallowed record",
            new ArrayList<>(List.of(1L, new Visit("/", 1L, CREATED, Plan.FREE)))),
        arguments(
            "map holding a disallowed value",
            new HashMap<>(Map.of("t", new NotSerializableBean()))),
        arguments("array of a disallowed type", new Object[] {"a"}),
        arguments("array of disallowed records", new Money[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valuesNotAllowed")
  void serializeRefusesTypesNotOnTheAllowListNamingTheAttribute(String label, Object value) {
    SessionSerializer jdkOnly = SessionSerializer.json();
    SessionData s = session("ok", "fine");
    s.setAttribute("culprit", value);

    assertThatThrownBy(() -> jdkOnly.serialize(s))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("'culprit'");
  }

  @Test
  void serializeRefusesARecordWhoseNestedRecordIsNotAllowed() {
    SessionSerializer onlyLineItem = SessionSerializer.json("dev.memfilestore.fixtures.LineItem");
    LineItem item = new LineItem("A", 1, new Money(BigDecimal.TEN, Currency.getInstance("GBP")));

    assertThatThrownBy(() -> onlyLineItem.serialize(session("item", item)))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("'item'")
        .hasMessageContaining(LineItem.class.getName())
        .hasMessageContaining(Money.class.getName());
  }

  @Test
  void refusedSessionDoesNotStopTheSerializerFromWorkingAfterwards() {
    SessionSerializer jdkOnly = SessionSerializer.json();
    assertThatThrownBy(() -> jdkOnly.serialize(session("bad", new NotSerializableBean())))
        .isInstanceOf(SessionSerializationException.class);

    assertThat(roundTrip(jdkOnly, 5L)).isEqualTo(5L);
  }

  // ------------------------------------------------------------------ refusals on read

  @Test
  void trapFlagFlipsWhenItsClassIsInitialized() throws ClassNotFoundException {
    assertThat(InitTraps.CONTROL).isFalse();

    Class.forName("dev.memfilestore.InitTraps$Control", true, getClass().getClassLoader());

    assertThat(InitTraps.CONTROL).isTrue();
  }

  @Test
  void plantedClassNameIsRefusedWithoutInitializingTheClass() {
    byte[] planted = plantedSession("{\"x\":[\"dev.memfilestore.InitTraps$Plain\",{}]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining("InitTraps$Plain");
    assertThat(InitTraps.PLAIN).isFalse();
  }

  @Test
  void plantedArrayOfAClassNotAllowedIsRefusedWithoutInitializingTheClass() {
    byte[] planted = plantedSession("{\"x\":[\"[Ldev.memfilestore.InitTraps$Array;\",[]]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(InitTraps.ARRAY).isFalse();
  }

  @Test
  void plantedGenericTypeIdNamingAClassNotAllowedIsRefusedWithoutInitializingIt() {
    byte[] planted =
        plantedSession("{\"x\":[\"java.util.ArrayList<dev.memfilestore.InitTraps$Generic>\",[]]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(InitTraps.GENERIC).isFalse();
  }

  @Test
  void plantedGenericTypeIdIsRefusedWithoutEvenLoadingTheClassesItNames() {
    List<String> requested = new java.util.concurrent.CopyOnWriteArrayList<>();
    ClassLoader recording =
        new ClassLoader(getClass().getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            requested.add(name);
            return super.loadClass(name, resolve);
          }
        };
    byte[] planted =
        plantedSession("{\"x\":[\"java.util.ArrayList<dev.memfilestore.InitTraps$Generic>\",[]]}");
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    thread.setContextClassLoader(recording);
    try {
      assertThatThrownBy(() -> json.deserialize(planted))
          .isInstanceOf(SessionSerializationException.class)
          .hasMessageContaining("generic type ids");
    } finally {
      thread.setContextClassLoader(before);
    }
    assertThat(requested).noneMatch(name -> name.contains("InitTraps"));
  }

  @Test
  void plantedClassInsideAnAllowedListIsRefusedWithoutInitializingIt() {
    byte[] planted =
        plantedSession(
            "{\"x\":[\"java.util.ArrayList\",[[\"java.lang.Long\",1],"
                + "[\"dev.memfilestore.InitTraps$Element\",{}]]]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(InitTraps.ELEMENT).isFalse();
  }

  @Test
  void plantedClassInsideAnAllowedMapIsRefusedWithoutInitializingIt() {
    byte[] planted =
        plantedSession(
            "{\"x\":[\"java.util.HashMap\",{\"k\":[\"dev.memfilestore.InitTraps$MapValue\",{}]}]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(InitTraps.MAP_VALUE).isFalse();
  }

  @Test
  void plantedClassInsideAnAllowedRecordIsRefusedWithoutInitializingIt() {
    byte[] planted =
        plantedSession(
            "{\"x\":[\"dev.memfilestore.fixtures.Envelope\",{\"label\":\"l\","
                + "\"content\":[\"dev.memfilestore.InitTraps$InRecord\",{}]}]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(InitTraps.IN_RECORD).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "java.lang.ProcessBuilder",
        "java.lang.Runtime",
        "java.lang.Thread",
        "java.lang.Object",
        "java.net.URL",
        "java.io.File",
        "java.util.Optional",
        "java.util.concurrent.atomic.AtomicReference",
        "javax.management.BadAttributeValueExpException",
        "dev.memfilestore.NotSerializableBean",
        "no.such.Clazz"
      })
  void plantedTypeIdsOutsideTheAllowListAreRefused(String className) {
    byte[] planted = plantedSession("{\"x\":[\"" + className + "\",{}]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining(className);
  }

  @Test
  void bytesWrittenUnderAWiderAllowListAreRefusedByANarrowerOne() {
    byte[] bytes = json.serialize(session("visit", new Visit("/", 1L, CREATED, Plan.FREE)));

    assertThatThrownBy(() -> SessionSerializer.json().deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class)
        .hasMessageContaining(Visit.class.getName());
    assertThatThrownBy(
            () -> SessionSerializer.json("dev.memfilestore.fixtures.Plan").deserialize(bytes))
        .isInstanceOf(SessionSerializationException.class);
  }

  // ------------------------------------------------------------------ allow-list patterns

  @Nested
  class Patterns {
    @Test
    void exactNameAllowsThatClassOnly() {
      TypeAllowList list = TypeAllowList.of("com.x.Cart");

      assertThat(list.allows("com.x.Cart")).isTrue();
      assertThat(list.allows("com.x.CartItem")).isFalse();
      assertThat(list.allows("com.x.Cart$Line")).isFalse();
      assertThat(list.allows("com.x.sub.Cart")).isFalse();
      assertThat(list.allows("com.xCart")).isFalse();
      assertThat(list.allows("com.x.Other")).isFalse();
    }

    @Test
    void packageWildcardAllowsThePackageButNotSubPackages() {
      TypeAllowList list = TypeAllowList.of("com.x.*");

      assertThat(list.allows("com.x.Cart")).isTrue();
      assertThat(list.allows("com.x.Cart$Line")).isTrue();
      assertThat(list.allows("com.x.sub.Cart")).isFalse();
      assertThat(list.allows("com.xy.Cart")).isFalse();
      assertThat(list.allows("com.x")).isFalse();
      assertThat(list.allows("com.Cart")).isFalse();
    }

    @Test
    void treeWildcardAllowsThePackageAndEverySubPackage() {
      TypeAllowList list = TypeAllowList.of("com.x.**");

      assertThat(list.allows("com.x.Cart")).isTrue();
      assertThat(list.allows("com.x.sub.Cart")).isTrue();
      assertThat(list.allows("com.x.sub.deep.Cart$Line")).isTrue();
      assertThat(list.allows("com.xy.Cart")).isFalse();
      assertThat(list.allows("com.x")).isFalse();
      assertThat(list.allows("org.com.x.Cart")).isFalse();
    }

    @Test
    void severalPatternsAddUp() {
      TypeAllowList list = TypeAllowList.of("com.a.Cart", "org.b.*");

      assertThat(list.allows("com.a.Cart")).isTrue();
      assertThat(list.allows("org.b.Thing")).isTrue();
      assertThat(list.allows("com.a.Other")).isFalse();
    }

    @Test
    void jdkValueTypesAreAlwaysAllowedButNothingElseIs() {
      TypeAllowList none = TypeAllowList.of();

      assertThat(none.allows("java.lang.Long")).isTrue();
      assertThat(none.allows("java.math.BigDecimal")).isTrue();
      assertThat(none.allows("java.time.ZonedDateTime")).isTrue();
      assertThat(none.allows("java.util.ImmutableCollections$ListN")).isTrue();
      assertThat(none.allows("java.util.TreeMap")).isTrue();
      assertThat(none.allows("java.lang.Object")).isFalse();
      assertThat(none.allows("java.lang.Runtime")).isFalse();
      assertThat(none.allows("java.util.Optional")).isFalse();
      assertThat(none.allows("java.util.PriorityQueue")).isFalse();
      assertThat(none.allows("dev.memfilestore.fixtures.Visit")).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
        strings = {
          "*",
          "**",
          "a b",
          " com.x.Cart",
          "com.x.Cart ",
          ".com.x",
          "com.x.*.y",
          "com.x.***",
          "com.x*",
          "com.*x",
          "1com.x",
          "com.x.Cart;",
          "com/x/Cart",
          "!com.x.*",
          "com.x.Cart<T>"
        })
    void malformedPatternsAreRejected(String pattern) {
      assertThatThrownBy(() -> TypeAllowList.of(pattern))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> SessionSerializer.json(pattern))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> SessionSerializer.json("com.ok.Type", pattern))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "com.x.Cart",
          "com.x.*",
          "com.x.**",
          "Cart",
          "x.*",
          "com.x.Cart$Line",
          "_a.$b.C1"
        })
    void wellFormedPatternsAreAccepted(String pattern) {
      assertThatCode(() -> SessionSerializer.json(pattern)).doesNotThrowAnyException();
    }
  }

  // ------------------------------------------------------------------ damaged bytes

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "not json",
        "[]",
        "42",
        "null",
        "{",
        "{\"created\":\"2025-01-01T00:00:00Z\"",
        "{\"accessed\":\"2025-01-01T00:00:00Z\",\"attributes\":{}}",
        "{\"created\":\"2025-01-01T00:00:00Z\",\"attributes\":{}}",
        "{\"created\":\"yesterday\",\"accessed\":\"2025-01-01T00:00:00Z\"}",
        "{\"created\":\"2025-01-01T00:00:00Z\",\"accessed\":\"2025-01-01T00:00:00Z\","
            + "\"maxInactive\":\"forever\"}",
        "{\"created\":\"2025-01-01T00:00:00Z\",\"accessed\":\"2025-01-01T00:00:00Z\","
            + "\"attributes\":[]}",
        "{\"created\":\"2025-01-01T00:00:00Z\",\"accessed\":\"2025-01-01T00:00:00Z\","
            + "\"attributes\":{\"n\":[\"java.lang.Long\",\"five\"]}}",
      })
  void damagedJsonIsRefused(String text) {
    assertThatThrownBy(() -> json.deserialize(text.getBytes(UTF_8)))
        .isInstanceOf(SessionSerializationException.class);
  }

  @Test
  void binaryGarbageIsRefused() {
    byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80, '{'};

    assertThatThrownBy(() -> json.deserialize(garbage))
        .isInstanceOf(SessionSerializationException.class);
  }

  @Test
  void everyTruncationOfAValidSessionIsRefused() {
    SessionData s = session("cart", new ArrayList<>(List.of(1L, "two", Instant.EPOCH)));
    s.setAttribute("n", 5L);
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    byte[] bytes = json.serialize(s);
    List<Integer> accepted = new ArrayList<>();

    for (int length = 0; length < bytes.length; length++) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      try {
        json.deserialize(truncated);
        accepted.add(length);
      } catch (SessionSerializationException expected) {
        // refused, as it must be
      }
    }

    assertThat(accepted).as("truncated lengths that were accepted").isEmpty();
    assertThat(json.deserialize(bytes)).isEqualTo(s);
  }

  @Test
  void absurdlyDeepPlantedJsonIsRefusedWithoutAStackOverflow() {
    int depth = 5_000;
    String attributes =
        "{\"x\":" + "[\"java.util.ArrayList\",[".repeat(depth) + "]]".repeat(depth) + "}";
    byte[] planted = plantedSession(attributes);

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"created\":null,\"accessed\":\"2025-01-01T00:00:00Z\"}",
        "{\"created\":{},\"accessed\":\"2025-01-01T00:00:00Z\"}",
        "{\"created\":\"2025-01-01T00:00:00Z\",\"accessed\":[]}"
      })
  void nonStringTimestampsAreRefusedAsDamagedData(String text) {
    assertThatThrownBy(() -> json.deserialize(text.getBytes(UTF_8)))
        .isInstanceOf(SessionSerializationException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "[\"java.lang.Long\"]", "[\"java.util.ArrayList\"]"})
  void attributeValueThatDecodesToNullIsRefused(String value) {
    byte[] planted = plantedSession("{\"gone\":" + value + ",\"n\":[\"java.lang.Long\",1]}");

    assertThatThrownBy(() -> json.deserialize(planted))
        .isInstanceOf(SessionSerializationException.class);
  }
}
