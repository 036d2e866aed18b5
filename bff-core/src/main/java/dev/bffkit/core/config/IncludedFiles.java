package dev.bffkit.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Reads the files a bff.yaml names in {@code include:}: {@code classpath:bff/services.yaml} (e.g. from a shared jar)
 * or a path relative to the client folder ({@code ../shared/services.yaml}). A folder inside a jar resolves relative
 * paths inside the jar. The hot-reload watcher watches the client folder: a change to an included file outside it
 * is picked up with the folder's next change.
 */
final class IncludedFiles implements YamlReader.Includes {
  private static final String CLASSPATH = "classpath:";
  private final Path dir;
  private final String folder;

  IncludedFiles(Path dir, String folder) {
    this.dir = dir;
    this.folder = folder;
  }

  @Override
  public SourceFile read(String location) throws YamlReader.IncludeProblem {
    if (location.isEmpty()) {
      throw new YamlReader.IncludeProblem("is empty; write e.g. include: [../shared/services.yaml]");
    }
    if (location.startsWith(CLASSPATH)) {
      String resource = location.substring(CLASSPATH.length());
      if (resource.startsWith("/")) resource = resource.substring(1);
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) cl = IncludedFiles.class.getClassLoader();
      try (InputStream in = cl.getResourceAsStream(resource)) {
        if (in == null) {
          throw new YamlReader.IncludeProblem("is not on the classpath; put the jar that holds it beside the launcher"
              + " (java -cp bff.jar:shared.jar dev.bffkit.core.Bff --config DIR) or name the file by its path");
        }
        return text(location, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new YamlReader.IncludeProblem("cannot be read: " + e.getMessage());
      }
    }
    Path file;
    try {
      file = dir.resolve(location).normalize();
    } catch (InvalidPathException e) {
      throw new YamlReader.IncludeProblem("is not a file path; write e.g. ../shared/services.yaml");
    }
    if (!Files.isRegularFile(file)) {
      throw new YamlReader.IncludeProblem("is not a file (paths are relative to the client folder " + folder + ")");
    }
    try {
      return text(folder + "/" + location, Files.readString(file, StandardCharsets.UTF_8));
    } catch (CharacterCodingException e) {
      throw new YamlReader.IncludeProblem("is not UTF-8 text; save it as UTF-8");
    } catch (IOException e) {
      throw new YamlReader.IncludeProblem("cannot be read: " + e.getMessage());
    }
  }

  private static SourceFile text(String name, String text) {
    return new SourceFile(name, text.startsWith("\uFEFF") ? text.substring(1) : text); // a BOM is not a key
  }
}
