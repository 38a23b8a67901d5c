/** The end-to-end benchmark's Spring Boot application, driven by {@code wrk}. */
package dev.memfilestore.bench.e2e;
