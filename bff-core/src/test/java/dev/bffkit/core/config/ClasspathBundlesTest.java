package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClasspathBundlesTest {
  private static final String YAML = "services:\n  users:\n    endpoints: http://127.0.0.1:9101\n";

  @TempDir Path tmp;

  private static <T> T withClassLoader(ClassLoader loader, Callable<T> body) throws Exception {
    Thread t = Thread.currentThread();
    ClassLoader old = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      return body.call();
    } finally {
      t.setContextClassLoader(old);
    }
  }

  @Test
  void loadsFromJar() throws Exception {
    Path jar = tmp.resolve("client.jar");
    try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
      put(zip, "bff/demo/bff.yaml", YAML);
      put(zip, "bff/demo/schema.graphqls", "type Query { hi: String }");
      put(zip, "bff/demo/screens/b.graphql", "query B { hi }");
      put(zip, "bff/demo/screens/a.graphql", "query A { hi }");
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      ClientBundle b = withClassLoader(loader, () -> ClasspathBundles.load("demo"));
      assertEquals("demo", b.config().name());
      assertEquals(List.of(URI.create("http://127.0.0.1:9101")), b.config().services().get("users").endpoints());
      assertEquals("demo/schema.graphqls", b.schema().name());
      assertEquals(List.of(new SourceFile("demo/screens/a.graphql", "query A { hi }"),
          new SourceFile("demo/screens/b.graphql", "query B { hi }")), b.screens());
      // the jar file system was closed after loading, so a second load opens it again
      assertEquals(b, withClassLoader(loader, () -> ClasspathBundles.load("demo")));

      ConfigException e = assertThrows(ConfigException.class,
          () -> withClassLoader(loader, () -> ClasspathBundles.load("tv")));
      assertTrue(e.getMessage().startsWith("bff/tv/bff.yaml: not found on the classpath"), e.getMessage());
    }
  }

  @Test
  void loadsFromDirectory() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("classes/bff/web"));
    Files.writeString(dir.resolve("bff.yaml"), YAML + "name: dashboard\n");
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hi: String }");
    try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.resolve("classes").toUri().toURL()}, null)) {
      ClientBundle b = withClassLoader(loader, () -> ClasspathBundles.load("web"));
      assertEquals("dashboard", b.config().name());
      assertEquals(List.of(), b.screens());
    }
  }

  private static void put(ZipOutputStream zip, String name, String text) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(text.getBytes(StandardCharsets.UTF_8));
    zip.closeEntry();
  }
}
