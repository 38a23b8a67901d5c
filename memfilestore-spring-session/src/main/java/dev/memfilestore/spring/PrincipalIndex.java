package dev.memfilestore.spring;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session ids by principal name, kept beside the store for {@code findByPrincipalName}.
 *
 * <p>Saves of one session may finish their index writes in another order than the store took their
 * writes. So every write carries a version, taken inside the store's atomic update of that session
 * (versions grow in the order the store applies the writes), and an older write never replaces a
 * newer one. Sessions without a principal have no entry at all, so an older write can still add a
 * principal the session has lost meanwhile: the index may name a session under a principal it no
 * longer has (lookups check the stored session), but never misses one it has.
 */
final class PrincipalIndex {
  private record Entry(String principal, long version) {}

  private final Map<String, Entry> byId = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> idsByPrincipal = new ConcurrentHashMap<>();

  /** Records that the store write {@code version} left session {@code id} with this principal. */
  void put(String id, String principal, long version) {
    byId.compute(
        id,
        (k, old) -> {
          if (old != null && old.version() > version) {
            return old;
          }
          String before = old == null ? null : old.principal();
          if (!Objects.equals(before, principal)) {
            if (before != null) {
              removeFromPrincipal(before, id);
            }
            if (principal != null) {
              addToPrincipal(principal, id);
            }
          }
          return principal == null ? null : new Entry(principal, version);
        });
  }

  /** Forgets a session that left the store (or its old id). */
  void remove(String id) {
    byId.computeIfPresent(
        id,
        (k, old) -> {
          removeFromPrincipal(old.principal(), id);
          return null;
        });
  }

  /** The ids indexed under a principal name, as a copy. */
  List<String> ids(String principal) {
    Set<String> ids = idsByPrincipal.get(principal);
    return ids == null ? List.of() : List.copyOf(ids);
  }

  // Both change a principal's set inside compute, so a set emptied and dropped by one thread is
  // never added to by another.
  private void addToPrincipal(String principal, String id) {
    idsByPrincipal.compute(
        principal,
        (p, ids) -> {
          Set<String> set = ids == null ? ConcurrentHashMap.newKeySet() : ids;
          set.add(id);
          return set;
        });
  }

  private void removeFromPrincipal(String principal, String id) {
    idsByPrincipal.computeIfPresent(
        principal,
        (p, ids) -> {
          ids.remove(id);
          return ids.isEmpty() ? null : ids;
        });
  }
}
