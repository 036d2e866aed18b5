package dev.bffkit.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Reads a file a client folder names: {@code classpath:x/y} (from a jar beside the launcher or a module dependency)
 * or a path relative to the folder. One rule for every such key, with the fix in each refusal.
 */
public final class ConfigFiles {
  private static final String CLASSPATH = "classpath:";

  private ConfigFiles() {}

  /** Why a named file could not be read, said as the fix. */
  public static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  /** The file's bytes; {@code folder} may be null (then only {@code classpath:} and absolute paths resolve). */
  public static byte[] read(String location, Path folder) throws Unreadable {
    if (location.isEmpty()) throw new Unreadable("is empty; write classpath:x/y.yaml or a path relative to the folder");
    if (location.startsWith(CLASSPATH)) {
      String resource = location.substring(CLASSPATH.length());
      if (resource.startsWith("/")) resource = resource.substring(1);
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) cl = ConfigFiles.class.getClassLoader();
      try (InputStream in = cl.getResourceAsStream(resource)) {
        if (in == null) {
          throw new Unreadable("is not on the classpath; put the jar that holds it beside the launcher"
              + " (java -cp bff.jar:schemas.jar dev.bffkit.core.Bff --config DIR), make it a dependency of the client"
              + " module, or name the file by its path instead");
        }
        return in.readAllBytes();
      } catch (IOException e) {
        throw new Unreadable("cannot be read: " + e.getMessage());
      }
    }
    Path file;
    try {
      file = folder == null ? Path.of(location) : folder.resolve(location).normalize();
    } catch (InvalidPathException e) {
      throw new Unreadable("is not a file path; write e.g. ../shared/services.yaml");
    }
    if (!Files.isRegularFile(file)) {
      throw new Unreadable(folder == null && !file.isAbsolute()
          ? "is a relative path and this folder has none to resolve it against; use classpath: or an absolute path"
          : "is not a file (paths are relative to the client folder" + (folder == null ? ")" : " " + name(folder) + ")"));
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new Unreadable("cannot be read: " + e.getMessage());
    }
  }

  private static String name(Path folder) {
    Path n = folder.getFileName();
    String s = n == null ? folder.toString() : n.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
