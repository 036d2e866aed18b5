package dev.bffkit.core.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/** Finds a client folder {@code bff/<client>/} on the classpath (a directory or inside a jar) and loads it. */
public final class ClasspathBundles {
  private ClasspathBundles() {}

  /** Loads {@code bff/<client>/} through the context class loader, with the process environment. */
  public static ClientBundle load(String client) throws ConfigException {
    return load(client, System::getenv);
  }

  /** Loads {@code bff/<client>/}, resolving {@code ${NAME}} references through {@code env}. */
  public static ClientBundle load(String client, Function<String, String> env) throws ConfigException {
    String resource = "bff/" + client + "/bff.yaml";
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ClasspathBundles.class.getClassLoader();
    }
    URL url = loader.getResource(resource);
    if (url == null) {
      throw new ConfigException(resource, 0, "not found on the classpath; put the client folder in"
          + " src/main/resources/bff/" + client + "/ or start with --config DIR");
    }
    URI uri;
    try {
      uri = url.toURI();
    } catch (URISyntaxException e) {
      throw new ConfigException(resource, 0, "unusable classpath URL " + url);
    }
    return switch (url.getProtocol()) {
      case "file" -> BundleLoader.load(Path.of(uri).getParent(), env);
      case "jar" -> loadFromJar(uri, resource, env);
      default -> throw new ConfigException(resource, 0, "found at " + url + ", but only directories"
          + " and jars are supported; unpack it and start with --config DIR");
    };
  }

  private static ClientBundle loadFromJar(URI uri, String resource, Function<String, String> env) {
    FileSystem opened = null;
    try {
      try {
        opened = FileSystems.newFileSystem(uri, Map.of());
      } catch (FileSystemAlreadyExistsException e) {
        // someone else opened this jar; use theirs and leave it open
      }
      return BundleLoader.load(Path.of(uri).getParent(), env);
    } catch (IOException e) {
      throw new ConfigException(resource, 0, "cannot open the jar " + uri + ": " + e.getMessage());
    } finally {
      closeQuietly(opened); // the bundle holds the texts, so the jar is no longer needed
    }
  }

  private static void closeQuietly(FileSystem fs) {
    if (fs != null) {
      try {
        fs.close();
      } catch (IOException ignored) {
        // read-only and already read; nothing to lose
      }
    }
  }
}
