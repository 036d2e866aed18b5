package dev.bffkit.core.observe;

import dev.bffkit.core.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file appended to by one thread, rotated at {@code maxBytes} (at a line boundary; a single
 * longer line goes alone into a file) keeping {@code maxFiles} files in all: {@code access.log}
 * (current), {@code access.log.1} (the one before), ... The file is opened on the first write, so
 * whoever owns the thread may look at or move an existing file first.
 */
public final class RotatingFile implements LineSink {
  /** Files a sink of this process writes: two writers of one file would interleave and rotate it twice. */
  private static final Set<Path> IN_USE = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final long maxBytes;
  private final int maxFiles;
  private final boolean sync;
  private FileChannel channel;
  private long size;
  private boolean claimed;

  /** {@code sync}: force each batch to the device (the audit trail); {@code maxBytes} Long.MAX_VALUE: never rotated. */
  public RotatingFile(Path path, long maxBytes, int maxFiles, boolean sync) {
    this.path = path;
    this.maxBytes = Math.max(1, maxBytes);
    this.maxFiles = Math.max(1, maxFiles);
    this.sync = sync;
  }

  public Path path() {
    return path;
  }

  /**
   * At start-up: checks that the file's folder exists and that no other sink of this process
   * (another BFF of the demo, the access log and the audit trail) writes the file, and claims it
   * until this sink closes. {@code configKey} names the setting in the error.
   */
  public RotatingFile claim(String configKey) {
    Path dir = path.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new ConfigException("bff.yaml", 0, configKey + ": the folder " + dir + " does not exist; create it or"
          + " name a file in an existing folder");
    }
    if (!claimed && !IN_USE.add(path.toAbsolutePath().normalize())) {
      throw new ConfigException("bff.yaml", 0, configKey + ": " + path + " is already written by another BFF or log"
          + " of this process; give each its own file");
    }
    claimed = true;
    return this;
  }

  @Override
  public void write(byte[] bytes, int len) throws IOException {
    int off = 0;
    while (off < len) {
      open();
      int take = len - off;
      if (take > maxBytes - size) {
        int cut = lastLineEnd(bytes, off, off + (int) Math.min(take, Math.max(0, maxBytes - size)));
        if (cut < 0) {
          if (size > 0) {
            rotate();
            continue;
          }
          cut = nextLineEnd(bytes, off, len); // one line longer than a whole file: alone in its file
        }
        take = cut - off;
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes, off, take);
      while (buf.hasRemaining()) channel.write(buf);
      size += take;
      off += take;
    }
    if (sync && channel != null) channel.force(false);
  }

  private void open() throws IOException {
    if (channel != null) return;
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    size = channel.size();
  }

  /** access.log.(n-2) → access.log.(n-1), ..., access.log → access.log.1; the oldest is overwritten. */
  private void rotate() throws IOException {
    channel.close();
    channel = null;
    if (maxFiles == 1) {
      Files.delete(path);
      return;
    }
    for (int i = maxFiles - 2; i >= 1; i--) {
      Path from = numbered(i);
      if (Files.exists(from)) Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
    }
    Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
  }

  private Path numbered(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  /** Index just after the last {@code \n} in [from, to), or -1. */
  private static int lastLineEnd(byte[] b, int from, int to) {
    for (int i = to - 1; i >= from; i--) if (b[i] == '\n') return i + 1;
    return -1;
  }

  private static int nextLineEnd(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) if (b[i] == '\n') return i + 1;
    return to;
  }

  @Override
  public void close() throws IOException {
    if (claimed) {
      IN_USE.remove(path.toAbsolutePath().normalize());
      claimed = false;
    }
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
