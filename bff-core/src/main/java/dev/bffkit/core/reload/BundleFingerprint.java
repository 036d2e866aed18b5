package dev.bffkit.core.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The version of a client folder: a SHA-256 over exactly what {@link
 * dev.bffkit.core.config.BundleLoader} reads ({@code bff.yaml}, {@code schema.graphqls}, the
 * non-hidden entries of {@code screens/}), each as its name, its kind and its bytes. Files are
 * read through symlinks, so a Kubernetes ConfigMap volume ({@code bff.yaml -> ..data/bff.yaml},
 * {@code ..data -> ..<timestamp>}) changes version when its {@code ..data} link is swapped, which a
 * WatchService (it does not follow links) would miss. Hidden names ({@code ..data}, editor swap
 * files) are skipped as the loader skips them. Blocking: call it on a worker.
 */
public final class BundleFingerprint {
  private static final List<String> ROOT_FILES = List.of("bff.yaml", "schema.graphqls");
  /** The screens, and the filters' modules (filters.wasm files kept in the folder's filters/). */
  private static final List<String> FOLDERS = List.of("screens", "filters");
  /** 64 bits of the hash: a version to compare and show, not a signature. */
  private static final int VERSION_BYTES = 8;

  private BundleFingerprint() {}

  /** Hex version of the folder's current contents; a missing file counts as a state of its own. */
  public static String of(Path dir) throws IOException {
    MessageDigest sha = sha256();
    for (String name : ROOT_FILES) {
      entry(sha, name, dir.resolve(name));
    }
    for (String folder : FOLDERS) {
      Path sub = dir.resolve(folder);
      if (!Files.isDirectory(sub)) {
        entry(sha, folder, null);
        continue;
      }
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(sub)) {
        for (Path p : entries) {
          String n = p.getFileName().toString();
          if (!n.startsWith(".")) names.add(n);
        }
      } catch (NoSuchFileException goneWhileListing) {
        names.clear(); // swapped away between the check and the listing: the next look sees the new state
      }
      names.sort(null);
      for (String n : names) {
        entry(sha, folder + "/" + n, sub.resolve(n));
      }
    }
    return HexFormat.of().formatHex(sha.digest(), 0, VERSION_BYTES);
  }

  /** name NUL kind NUL length NUL bytes: no two different folders hash the same input. */
  private static void entry(MessageDigest sha, String name, Path file) throws IOException {
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    if (file == null || !Files.exists(file)) { // a dangling link counts as missing, as for the loader
      sha.update((byte) 'm');
      sha.update((byte) 0);
      return;
    }
    if (Files.isDirectory(file)) {
      sha.update((byte) 'd');
      sha.update((byte) 0);
      return;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException removedMeanwhile) {
      sha.update((byte) 'm');
      sha.update((byte) 0);
      return;
    }
    sha.update((byte) 'f');
    sha.update((byte) 0);
    sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
    sha.update((byte) 0);
    sha.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
