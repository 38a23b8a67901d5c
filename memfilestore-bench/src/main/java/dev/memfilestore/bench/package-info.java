/**
 * JMH benchmarks of MemFileStore. Build with {@code mvn -B package -DskipTests -pl
 * memfilestore-bench -am}, run with {@code java -jar memfilestore-bench/target/benchmarks.jar}.
 */
package dev.memfilestore.bench;
