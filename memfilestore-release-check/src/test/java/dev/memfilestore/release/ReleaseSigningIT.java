package dev.memfilestore.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code release} profile signs what is published: with a throwaway key made here in a
 * GNUPGHOME of its own, a real {@code mvn -P release verify} of the parent, the BOM and the core
 * writes a signature for each of their files, and gpg verifies every one against the file.
 */
class ReleaseSigningIT {
  private static final Path ROOT = Path.of(System.getProperty("project.root")).normalize();
  private static final String VERSION = "0.1.0-SNAPSHOT";

  @TempDir Path gnupgHome;
  @TempDir Path logs;

  @AfterEach
  void stopAgent() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/gpgconf"))) {
      return;
    }
    run(List.of("gpgconf", "--kill", "gpg-agent"), "gpgconf", 30);
  }

  @Test
  void theReleaseProfileSignsThePomsJarsSourcesAndJavadoc() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/gpg")),
        "gpg is not installed (apt-get install gnupg): the signing cannot be tested");
    Files.setPosixFilePermissions(
        gnupgHome, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    run(
        List.of(
            "gpg",
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-generate-key",
            "MemFileStore release test <release-test@invalid>",
            "ed25519",
            "sign",
            "1d"),
        "keygen",
        60);
    String fingerprint = fingerprint();

    Path mvn = Path.of(System.getProperty("maven.home"), "bin", "mvn");
    Result build =
        run(
            List.of(
                mvn.toString(),
                "-B",
                "-q",
                "-f",
                ROOT.resolve("pom.xml").toString(),
                "-pl",
                ".,memfilestore-bom,memfilestore-core",
                "-P",
                "release",
                "verify",
                "-DskipTests",
                "-Djacoco.skip=true",
                "-Dspotless.check.skip=true",
                "-Dgpg.keyname=" + fingerprint),
            "mvn-release",
            600);
    assertThat(build.exit).as("mvn -P release verify:\n%s", build.output).isZero();

    List<Path> signed = new ArrayList<>();
    signed.add(ROOT.resolve("target/memfilestore-parent-" + VERSION + ".pom"));
    // the BOM has no parent: its release profile is its own
    signed.add(ROOT.resolve("memfilestore-bom/target/memfilestore-bom-" + VERSION + ".pom"));
    Path core = ROOT.resolve("memfilestore-core/target");
    signed.add(core.resolve("memfilestore-core-" + VERSION + ".pom"));
    for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar")) {
      signed.add(core.resolve("memfilestore-core-" + VERSION + suffix));
    }
    for (Path file : signed) {
      Path signature = Path.of(file + ".asc");
      assertThat(signature).as("the signature of %s", file.getFileName()).isRegularFile();
      Result verify =
          run(
              List.of("gpg", "--batch", "--verify", signature.toString(), file.toString()),
              "verify",
              60);
      assertThat(verify.exit).as("gpg --verify %s:\n%s", signature, verify.output).isZero();
      assertThat(verify.output).contains("Good signature", "release-test@invalid");
    }
  }

  private String fingerprint() throws Exception {
    Result keys = run(List.of("gpg", "--batch", "--with-colons", "--list-secret-keys"), "list", 30);
    return keys.output
        .lines()
        .filter(l -> l.startsWith("fpr:"))
        .map(l -> l.split(":")[9])
        .findFirst()
        .orElseThrow(() -> new AssertionError("no key generated:\n" + keys.output));
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> command, String name, int timeoutSeconds) throws Exception {
    Path log = logs.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("GNUPGHOME", gnupgHome.toString());
    env.remove("MAVEN_GPG_PASSPHRASE");
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish in " + timeoutSeconds + " s:\n" + read(log));
    }
    return new Result(p.exitValue(), read(log));
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
