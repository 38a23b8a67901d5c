/**
 * Benchmarks of MemFileStore against the alternatives: JMH ({@code ContendersBenchmark}, and the
 * earlier {@code DurabilityBenchmark}, {@code ReadContendersBenchmark}), persistence at scale
 * ({@code PersistenceScale}), flood resistance ({@code FloodResistance}), an end-to-end Boot
 * application ({@code e2e.E2eApplication}) and the report writer ({@code Report}). Run them all
 * with {@code ./bench} (quick) or {@code ./bench full} from the repository root.
 */
package dev.memfilestore.bench;
