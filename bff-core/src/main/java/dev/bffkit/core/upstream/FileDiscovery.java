package dev.bffkit.core.upstream;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Endpoints from a file, one per line: {@code http://10.0.0.7:8080} with an optional
 * {@code weight=N}; {@code #} starts a comment. The file is polled every {@code refresh} (its
 * modification time and size); a changed file replaces the set live. An unreadable or empty file
 * keeps the last good set. Write it atomically (write elsewhere, then rename).
 */
public final class FileDiscovery {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final Vertx vertx;
  private final String service;
  private final Path file;
  private final long refreshMs;
  private final EndpointGroup group;
  private FileTime seenTime;
  private long seenSize = -1;
  private long timer = -1;

  FileDiscovery(Vertx vertx, String service, Path file, long refreshMs, EndpointGroup group) {
    this.vertx = vertx;
    this.service = service;
    this.file = file;
    this.refreshMs = refreshMs;
    this.group = group;
  }

  /** Loads the file once (at start, before serving) and starts polling. */
  void start() {
    poll();
    timer = vertx.setPeriodic(refreshMs, id -> vertx.executeBlocking(() -> {
      poll();
      return null;
    }, false));
  }

  synchronized void poll() {
    try {
      FileTime t = Files.getLastModifiedTime(file);
      long size = Files.size(file);
      if (t.equals(seenTime) && size == seenSize) return;
      List<EndpointGroup.Weighted> found = parse(Files.readAllLines(file));
      seenTime = t;
      seenSize = size;
      if (found.isEmpty()) {
        LOG.warning("event=discovery_empty service=" + service + " file=" + file + " kept=" + group.all().length);
        return;
      }
      group.update(found);
      LOG.info("event=discovery_update service=" + service + " file=" + file + " endpoints=" + found.size());
    } catch (IOException | RuntimeException e) {
      LOG.warning("event=discovery_failed service=" + service + " file=" + file + " error=" + e);
    }
  }

  static List<EndpointGroup.Weighted> parse(List<String> lines) {
    List<EndpointGroup.Weighted> out = new ArrayList<>();
    for (String line : lines) {
      int hash = line.indexOf('#');
      String text = (hash >= 0 ? line.substring(0, hash) : line).trim();
      if (text.isEmpty()) continue;
      String[] words = text.split("\\s+");
      int weight = 1;
      if (words.length > 1 && words[1].startsWith("weight=")) weight = Integer.parseInt(words[1].substring(7));
      out.add(new EndpointGroup.Weighted(Endpoint.of(URI.create(words[0])), weight));
    }
    return out;
  }

  void close() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
