/**
 * MemFileStore: a session store that keeps sessions in memory, bounded and expiring, and persists
 * them to one file. Start at {@link dev.memfilestore.MemFileStore#builder()}.
 *
 * <h2>Public API</h2>
 *
 * <ul>
 *   <li>{@link dev.memfilestore.MemFileStore} and its {@link
 *       dev.memfilestore.MemFileStore.Builder}: the store and its one entry point.
 *   <li>{@link dev.memfilestore.SessionData}: the framework-neutral session.
 *   <li>{@link dev.memfilestore.SessionSerializer} (and {@link
 *       dev.memfilestore.SessionSerializationException}), {@link dev.memfilestore.TtlFunction},
 *       {@link dev.memfilestore.DisposeListener} with {@link dev.memfilestore.DisposeCause}, {@link
 *       dev.memfilestore.Durability}: the options.
 *   <li>{@link dev.memfilestore.StoreStats}: what {@code stats()} reports.
 *   <li>{@link dev.memfilestore.SaveFileInspector}: reads, checks and rewrites save files offline,
 *       for tools (the CLI).
 * </ul>
 *
 * <h2>Internals (package-private), by role</h2>
 *
 * <dl>
 *   <dt>Sessions in memory
 *   <dd>{@code SessionCache} (Caffeine's map, atomic changes, expiry, dispose), {@code
 *       StoredSession} (what is kept per session), {@code SessionEncoding} (serializer, ttl,
 *       length, id rules), {@code AttributeCopier} and {@code ImmutableTypes} (copies without
 *       deserializing).
 *   <dt>Serializers
 *   <dd>{@code JsonSessionSerializer}, {@code JavaSessionSerializer}, {@code TypeAllowList}.
 *   <dt>Storage (the write side, and the concurrency protocol)
 *   <dd>{@code Storage} states the protocol; {@code MemoryStorage} and {@code SaveFileStorage}
 *       implement it; {@code Journal} is one journal generation with group commit; {@code
 *       SnapshotWriter} writes a snapshot crash-safely; {@code Timers} runs the periodic tasks.
 *   <dt>Recovery (the read side)
 *   <dd>{@code Recovery} states the replay rule for the store and the inspector; {@code
 *       SaveFileReader} is the one reader of save-file lines; {@code RawSession} shows a session
 *       without deserializing it.
 *   <dt>The file format
 *   <dd>{@code FileFormat} (names, version, limits, the header check), {@code ChecksummedLine},
 *       {@code RecordEncoder}, {@code RecordDecoder}, {@code RecordCipher} (the key check, and
 *       records of version 1), {@code FileSeal} (records sealed at their line, version 2); see
 *       {@code docs/FORMAT.md}.
 *   <dt>The files beside the save file
 *   <dd>{@code SaveFiles} (journals, compaction, keep-aside, torn-tail cut, directory, owner-only
 *       modes) and {@code SaveFileLock}.
 * </dl>
 */
package dev.memfilestore;
