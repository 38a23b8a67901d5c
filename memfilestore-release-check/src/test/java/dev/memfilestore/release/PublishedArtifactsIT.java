package dev.memfilestore.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What Maven Central requires of every published module, checked on what this build just made: a
 * jar, a sources jar with sources, a Javadoc jar, and a POM with name, description, url, licence,
 * SCM and developers (its own or its parent's). A module is published unless it sets {@code
 * maven.deploy.skip}; the BOM must list exactly the published modules.
 */
class PublishedArtifactsIT {
  private static final Path ROOT = Path.of(System.getProperty("project.root")).normalize();

  private final Pom parent = Pom.read(ROOT.resolve("pom.xml"));

  @Test
  void everyPublishedModuleHasItsJarSourcesJavadocAndACompletePom() throws Exception {
    assertThat(parent.text("version")).isEqualTo("0.1.0-SNAPSHOT");
    assertComplete(parent, parent);
    List<String> checked = new ArrayList<>();
    for (String module : parent.all("modules", "module")) {
      Path dir = ROOT.resolve(module);
      Pom pom = Pom.read(dir.resolve("pom.xml"));
      if ("true".equals(pom.text("properties", "maven.deploy.skip"))) {
        continue;
      }
      checked.add(pom.text("artifactId"));
      assertComplete(pom, pom.has("parent") ? parent : pom);
      String version = pom.has("version") ? pom.text("version") : pom.text("parent", "version");
      assertThat(version).as("%s's version", module).isEqualTo(parent.text("version"));
      if (!"pom".equals(pom.text("packaging"))) {
        assertJars(dir.resolve("target"), pom.text("artifactId") + "-" + version);
      }
    }
    assertThat(checked)
        .as("the published modules")
        .contains(
            "memfilestore-bom",
            "memfilestore-core",
            "memfilestore-spring-session",
            "memfilestore-spring-boot-starter",
            "memfilestore-jetty",
            "memfilestore-jetty-home",
            "memfilestore-tomcat",
            "memfilestore-tomcat-bundle",
            "memfilestore-cli")
        .doesNotContain("memfilestore-demo", "memfilestore-bench", "memfilestore-release-check");

    List<String> inBom = Pom.read(ROOT.resolve("memfilestore-bom/pom.xml")).bomArtifacts();
    List<String> expected = new ArrayList<>(checked);
    expected.remove("memfilestore-bom");
    assertThat(inBom).as("the BOM's modules").containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void theJettyModuleZipHasTheModuleItsXmlAndTheJar() throws IOException {
    Path zip =
        ROOT.resolve(
            "memfilestore-jetty-home/target/memfilestore-jetty-home-"
                + parent.text("version")
                + "-jetty-base.zip");
    try (JarFile file = new JarFile(zip.toFile())) {
      assertThat(file.getEntry("modules/session-store-memfile.mod")).isNotNull();
      assertThat(file.getEntry("etc/sessions/memfile/session-store.xml")).isNotNull();
      assertThat(Collections.list(file.entries()))
          .anyMatch(e -> e.getName().matches("lib/memfilestore/memfilestore-jetty-.*\\.jar"));
    }
  }

  @Test
  void theStandaloneJarsCarryTheirDependenciesRelocated() throws IOException {
    String version = parent.text("version");
    for (String module : List.of("memfilestore-tomcat-bundle", "memfilestore-jetty-home")) {
      Path jar = ROOT.resolve(module + "/target/" + module + "-" + version + ".jar");
      try (JarFile file = new JarFile(jar.toFile())) {
        List<String> classes =
            Collections.list(file.entries()).stream()
                .map(e -> e.getName())
                .filter(n -> n.endsWith(".class"))
                .toList();
        // nothing that could clash with a web application's own Jackson, Caffeine or SLF4J
        assertThat(classes).as(module).allMatch(n -> n.startsWith("dev/memfilestore/"));
        assertThat(classes)
            .as(module)
            .anyMatch(n -> n.matches("dev/memfilestore/[a-z]+/shaded/jackson/databind/.*"))
            .anyMatch(n -> n.matches("dev/memfilestore/[a-z]+/shaded/caffeine/cache/.*"));
      }
    }
  }

  private static void assertComplete(Pom pom, Pom inherited) {
    String who = pom.text("artifactId");
    assertThat(pom.text("name")).as("%s: name", who).isNotBlank();
    assertThat(pom.text("description")).as("%s: description", who).isNotBlank();
    assertThat(inherited.text("url")).as("%s: url", who).startsWith("https://");
    assertThat(inherited.text("licenses", "license", "name"))
        .as("%s: licence", who)
        .isEqualTo("Apache-2.0");
    assertThat(inherited.text("licenses", "license", "url"))
        .as("%s: licence url", who)
        .startsWith("https://");
    assertThat(inherited.text("scm", "connection")).as("%s: scm", who).startsWith("scm:git:");
    assertThat(inherited.text("scm", "developerConnection"))
        .as("%s: scm", who)
        .startsWith("scm:git:");
    assertThat(inherited.text("scm", "url")).as("%s: scm url", who).startsWith("https://");
    assertThat(inherited.text("developers", "developer", "name"))
        .as("%s: developers", who)
        .isNotBlank();
  }

  private static void assertJars(Path target, String base) throws IOException {
    Path jar = target.resolve(base + ".jar");
    Path sources = target.resolve(base + "-sources.jar");
    Path javadoc = target.resolve(base + "-javadoc.jar");
    assertThat(jar).as("built by mvn verify; run the whole reactor").isRegularFile();
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
          .as("%s: Automatic-Module-Name", jar.getFileName())
          .matches("dev\\.memfilestore(\\.[a-z]+)*");
      assertThat(Collections.list(file.entries()))
          .anyMatch(
              e -> e.getName().startsWith("dev/memfilestore/") && e.getName().endsWith(".class"));
    }
    try (JarFile file = new JarFile(sources.toFile())) {
      assertThat(Collections.list(file.entries()))
          .as("%s has sources", sources.getFileName())
          .anyMatch(
              e -> e.getName().startsWith("dev/memfilestore/") && e.getName().endsWith(".java"));
    }
    try (JarFile file = new JarFile(javadoc.toFile())) {
      assertThat(Collections.list(file.entries()))
          .as("%s has documentation", javadoc.getFileName())
          .anyMatch(e -> e.getName().equals("index.html") || e.getName().equals("README.txt"));
    }
  }

  /** A POM read with the JDK's parser; only its own elements, not the effective model. */
  private record Pom(Element project) {
    static Pom read(Path file) {
      try {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = factory.newDocumentBuilder().parse(file.toFile());
        return new Pom(doc.getDocumentElement());
      } catch (Exception e) {
        throw new AssertionError("cannot read " + file + ": " + e, e);
      }
    }

    boolean has(String name) {
      return child(project, name) != null;
    }

    /** The text of the first element at this path below project, or null. */
    String text(String... path) {
      Element e = project;
      for (String name : path) {
        e = child(e, name);
        if (e == null) {
          return null;
        }
      }
      return e.getTextContent().trim();
    }

    List<String> all(String container, String name) {
      Element c = child(project, container);
      return c == null ? List.of() : children(c, name).map(e -> e.getTextContent().trim()).toList();
    }

    List<String> bomArtifacts() {
      Element managed = child(child(project, "dependencyManagement"), "dependencies");
      return children(managed, "dependency")
          .map(d -> child(d, "artifactId").getTextContent().trim())
          .toList();
    }

    private static Element child(Element parent, String name) {
      return children(parent, name).findFirst().orElse(null);
    }

    private static Stream<Element> children(Element parent, String name) {
      List<Element> found = new ArrayList<>();
      for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e && e.getTagName().equals(name)) {
          found.add(e);
        }
      }
      return found.stream();
    }
  }
}
