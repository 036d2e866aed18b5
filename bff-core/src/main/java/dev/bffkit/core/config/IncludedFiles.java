package dev.bffkit.core.config;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the files a bff.yaml names in {@code include:}: {@code classpath:bff/services.yaml} (e.g. from a shared jar)
 * or a path relative to the client folder ({@code ../shared/services.yaml}). A folder inside a jar resolves relative
 * paths inside the jar. The hot-reload watcher watches the client folder: a change to an included file outside it
 * is picked up with the folder's next change.
 */
final class IncludedFiles implements YamlReader.Includes {
  private final Path dir;
  private final String folder;

  IncludedFiles(Path dir, String folder) {
    this.dir = dir;
    this.folder = folder;
  }

  @Override
  public SourceFile read(String location) throws YamlReader.IncludeProblem {
    byte[] bytes;
    try {
      bytes = ConfigFiles.read(location, dir);
    } catch (ConfigFiles.Unreadable e) {
      throw new YamlReader.IncludeProblem(e.getMessage());
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new YamlReader.IncludeProblem("is not UTF-8 text; save it as UTF-8");
    }
    return text(location.startsWith("classpath:") ? location : folder + "/" + location, text);
  }

  @Override
  public byte[] bytes(String location) throws YamlReader.IncludeProblem {
    try {
      return ConfigFiles.read(location, dir);
    } catch (ConfigFiles.Unreadable e) {
      throw new YamlReader.IncludeProblem(e.getMessage());
    }
  }

  private static SourceFile text(String name, String text) {
    return new SourceFile(name, text.startsWith("\uFEFF") ? text.substring(1) : text); // a BOM is not a key
  }
}
