package dev.bffkit.core.portal.keys;

import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.security.DynamicKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Keys in one JSON file ({@code {"keys": [...]}}), shared by every BFF that names it. Written whole
 * to a temporary file then moved over it ({@code ATOMIC_MOVE}), so a reader sees the old document
 * or the new one; writers of other processes are kept apart by a lock on {@code FILE.lock}, and of
 * this process by one monitor per file (a JVM may not lock one file twice). Read again every
 * {@value #POLL_MS} ms when its content changed: a change made by another BFF shows within a
 * second. All file work runs on worker threads, never on an event loop.
 */
final class FileKeyStore extends KeyStore {
  static final long POLL_MS = 200;
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");
  private static final ConcurrentHashMap<Path, Object> WRITERS = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final Path file;
  private final Path lockFile;
  private volatile String seen = "";
  private volatile boolean polling;
  private long timer = -1;

  FileKeyStore(Vertx vertx, Path file, DynamicKeys dynamic, Set<String> scopes) {
    super(dynamic, scopes);
    this.vertx = vertx;
    this.file = file.toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
  }

  @Override
  Future<Void> start() {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(file.getParent());
      reload();
      return null;
    }, false).<Void>mapEmpty().onSuccess(v -> timer = vertx.setPeriodic(POLL_MS, POLL_MS, id -> poll()));
  }

  private void poll() {
    if (polling) return; // the last read is still running (a slow disk): skip a beat
    polling = true;
    vertx.executeBlocking(() -> {
      reload();
      return null;
    }, false).onComplete(ar -> {
      polling = false;
      if (ar.failed()) LOG.warning("event=portal_keys_read_failed file=" + file + " error=" + ar.cause().getMessage());
    });
  }

  /**
   * Reads the file and applies it when its content differs from the last read (worker thread). Under this
   * process's monitor of the file, so a read that began before this process's own write cannot apply after it.
   */
  private void reload() throws IOException {
    synchronized (writer()) {
      read();
    }
  }

  private Object writer() {
    return WRITERS.computeIfAbsent(file, f -> new Object());
  }

  private void read() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException none) {
      bytes = new byte[0];
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    String hash = ApiKeys.sha256Hex(text); // size and mtime could miss a same-size rewrite within a tick
    if (hash.equals(seen)) return;
    apply(parse(text));
    seen = hash;
  }

  static List<KeyRecord> parse(String text) {
    List<KeyRecord> out = new ArrayList<>();
    if (text.isBlank()) return out;
    JsonArray keys = new JsonObject(text).getJsonArray("keys", new JsonArray());
    for (Object o : keys) out.add(KeyRecord.fromStored((JsonObject) o));
    return out;
  }

  @Override
  Future<Void> put(KeyRecord record) {
    return vertx.executeBlocking(() -> {
      synchronized (writer()) {
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.lock()) {
          // Read-modify-write under the lock: what another BFF wrote a moment ago is kept.
          String text = Files.exists(file) ? Files.readString(file) : "";
          List<KeyRecord> records = new ArrayList<>(parse(text));
          records.removeIf(r -> r.id().equals(record.id()));
          records.add(record);
          JsonArray keys = new JsonArray();
          for (KeyRecord r : records) keys.add(r.toStored());
          String next = new JsonObject().put("keys", keys).encodePrettily();
          Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
          try {
            Files.writeString(tmp, next);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } finally {
            Files.deleteIfExists(tmp);
          }
          apply(records);
          seen = ApiKeys.sha256Hex(next);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return null;
    }, false);
  }

  @Override
  Future<Void> close() {
    if (timer >= 0) vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
