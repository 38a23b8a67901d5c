package dev.memfilestore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The index's one rule: a write from an older store write never replaces a newer one's. */
class PrincipalIndexTest {
  private final PrincipalIndex index = new PrincipalIndex();

  @Test
  void anOlderWriteArrivingLateDoesNotReplaceANewerPrincipal() {
    index.put("s1", "bob", 2);
    index.put("s1", "ada", 1);

    assertThat(index.ids("bob")).containsExactly("s1");
    assertThat(index.ids("ada")).isEmpty();
  }

  @Test
  void aNewerWriteMovesTheSessionToItsPrincipalOrOutOfTheIndex() {
    index.put("s1", "ada", 1);
    index.put("s2", "ada", 2);
    index.put("s1", "bob", 3);
    assertThat(index.ids("ada")).containsExactly("s2");
    assertThat(index.ids("bob")).containsExactly("s1");

    index.put("s1", null, 4);
    index.remove("s2");
    assertThat(index.ids("ada")).isEmpty();
    assertThat(index.ids("bob")).isEmpty();
  }

  @Test
  void aSignedOutSessionLeavesNoEntrySoALateOlderWriteMayOnlyAddAFalseCandidate() {
    index.put("s1", "ada", 1);
    index.put("s1", null, 3);
    index.put("s1", "ada", 2); // older, but nothing newer is remembered: lookups check the store

    assertThat(index.ids("ada")).containsExactly("s1");
  }
}
