package dev.bffkit.loadtests;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * An image tar as {@code docker save} and Jib's buildTar write it (manifest.json, the config, one tar.gz per layer),
 * read with the JDK alone: a container runtime's view of the image, without a container runtime. Reads ustar with
 * PAX and GNU long-name headers; applies layers in order with OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}).
 */
final class ImageTar {
  /**
   * One tar entry: its path, type flag ('0' file, '5' directory, '2' symlink, '1' hard link), mode, link, size and
   * modification time (seconds since the epoch).
   */
  record Entry(String name, char type, int mode, String link, long size, long mtime) {}

  interface EntryHandler {
    void accept(Entry entry, InputStream content) throws IOException;
  }

  private ImageTar() {}

  /** Every entry of a tar stream in order; {@code content} is the entry's bytes (read it or leave it). */
  static void read(InputStream in, EntryHandler handler) throws IOException {
    byte[] header = new byte[512];
    Map<String, String> pax = Map.of();
    String longName = null;
    while (in.readNBytes(header, 0, 512) == 512) {
      if (isZero(header)) return; // the end-of-archive blocks
      String name = string(header, 0, 100);
      String prefix = string(header, 345, 155);
      if (!prefix.isEmpty()) name = prefix + "/" + name;
      char type = header[156] == 0 ? '0' : (char) header[156];
      long size = number(header, 124, 12);
      BoundedStream content = new BoundedStream(in, size);
      switch (type) {
        case 'x' -> pax = paxRecords(content.readAllBytes());
        case 'g' -> content.readAllBytes();
        case 'L' -> longName = string(content.readAllBytes(), 0, (int) size);
        default -> {
          if (longName != null) name = longName;
          name = pax.getOrDefault("path", name);
          String link = pax.getOrDefault("linkpath", string(header, 157, 100));
          long mtime = pax.containsKey("mtime") ? (long) Double.parseDouble(pax.get("mtime")) : number(header, 136, 12);
          handler.accept(new Entry(name, type, (int) number(header, 100, 8), link, size, mtime), content);
          pax = Map.of();
          longName = null;
        }
      }
      content.skipRest();
      long pad = (512 - size % 512) % 512;
      in.skipNBytes(pad);
    }
  }

  /** manifest.json, the config and the layers of an image tar, each by its name inside the tar. */
  static Map<String, byte[]> members(Path imageTar) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(imageTar)) {
      read(in, (e, content) -> {
        if (e.type() == '0') files.put(e.name(), content.readAllBytes());
      });
    }
    return files;
  }

  /**
   * Extracts the layers in order into {@code root} (emptied first), as a container runtime stacks them. Returns the
   * entries seen, for checks on modes (e.g. no set-uid file).
   */
  static List<Entry> unpack(List<byte[]> layers, Path root) throws IOException {
    deleteTree(root);
    Files.createDirectories(root);
    List<Entry> entries = new ArrayList<>();
    for (byte[] layer : layers) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(layer))) {
        read(in, (e, content) -> {
          entries.add(e);
          apply(root, e, content);
        });
      }
    }
    return entries;
  }

  private static void apply(Path root, Entry e, InputStream content) throws IOException {
    Path target = root.resolve(e.name()).normalize();
    if (!target.startsWith(root)) throw new IOException("entry outside the root: " + e.name());
    String base = target.getFileName() == null ? "" : target.getFileName().toString();
    if (base.equals(".wh..wh..opq")) { // opaque directory: what lower layers put there is hidden
      try (Stream<Path> children = Files.list(target.getParent())) {
        for (Path child : children.toList()) deleteTree(child);
      }
      return;
    }
    if (base.startsWith(".wh.")) { // whiteout: the lower layers' file is deleted
      deleteTree(target.resolveSibling(base.substring(4)));
      return;
    }
    if (target.equals(root)) return;
    Files.createDirectories(target.getParent());
    switch (e.type()) {
      case '5' -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          deleteTree(target);
          Files.createDirectory(target);
        }
      }
      case '2' -> {
        deleteTree(target);
        Files.createSymbolicLink(target, Path.of(e.link()));
        return; // a symlink has no mode of its own
      }
      case '1' -> {
        deleteTree(target);
        Files.copy(root.resolve(e.link()), target, StandardCopyOption.COPY_ATTRIBUTES);
      }
      case '0', '7' -> {
        deleteTree(target);
        Files.copy(content, target);
      }
      default -> {
        return; // devices and fifos have no place in an application image
      }
    }
    Files.setPosixFilePermissions(target, permissions(e.mode()));
    // As a container runtime does: the JVM's CDS checks the jar's mtime against the one its archive recorded.
    Files.setLastModifiedTime(target, FileTime.from(e.mtime(), TimeUnit.SECONDS));
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) if ((mode & (0400 >> i)) != 0) set.add(bits[i]);
    return set;
  }

  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(path)) { // does not follow symlinks
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static Map<String, String> paxRecords(byte[] data) {
    Map<String, String> records = new LinkedHashMap<>();
    int i = 0;
    while (i < data.length) {
      int space = indexOf(data, (byte) ' ', i);
      if (space < 0) break;
      int length = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
      String record = new String(data, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      records.put(record.substring(0, eq), record.substring(eq + 1));
      i += length;
    }
    return records;
  }

  private static int indexOf(byte[] data, byte b, int from) {
    for (int i = from; i < data.length; i++) if (data[i] == b) return i;
    return -1;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) if (b != 0) return false;
    return true;
  }

  private static String string(byte[] block, int offset, int length) {
    int end = offset;
    while (end < offset + length && end < block.length && block[end] != 0) end++;
    return new String(block, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** Octal, or base-256 (high bit set) for large sizes. */
  private static long number(byte[] block, int offset, int length) {
    if ((block[offset] & 0x80) != 0) {
      long v = block[offset] & 0x7f;
      for (int i = 1; i < length; i++) v = (v << 8) | (block[offset + i] & 0xff);
      return v;
    }
    String s = string(block, offset, length).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  /** An entry's bytes within the tar stream. */
  private static final class BoundedStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedStream(InputStream in, long size) {
      this.in = in;
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) return -1;
      int b = in.read();
      if (b >= 0) left--;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) return -1;
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) left -= n;
      return n;
    }

    void skipRest() throws IOException {
      in.skipNBytes(left);
      left = 0;
    }
  }
}
