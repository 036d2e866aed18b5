package dev.bffkit.core.observe.audit;

import dev.bffkit.core.observe.JsonText;
import dev.bffkit.core.observe.LineWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * Turns queued request records into chained lines ({@link AuditRecord} has the format), on the
 * {@link LineWriter}'s thread, in queue order: the event loops only build a record's fields; the
 * sequence numbers and hashes are assigned here, so the chain's order is the file's order without
 * a lock or a shared counter on the request path, and no event loop ever waits for a hash.
 *
 * <p>At start it reads the last line of an existing file: when that line is a whole chain record
 * whose hash matches, the chain continues (a {@code restart} record); an empty or missing file
 * gets a {@code genesis} record; anything else (a line torn by a crash, not an audit file) is
 * moved aside to {@code FILE.broken-<millis>}, with a WARNING, and a new chain begins — the old
 * file is kept for {@code bff audit verify}, never appended to or rewritten.
 */
public final class AuditChain implements LineWriter.Format {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.observe");

  private final Path file;
  private final String bffName;
  private final int checkpointEvery;
  private final StringBuilder x = new StringBuilder(512);

  /** The chain as made (may run ahead of the file until its batch is written). */
  private boolean started;
  private String startType;
  private long seq;
  private String prev;
  /** Since the last checkpoint. */
  private long requests;
  private long lost;
  /** The chain as the file holds it: a failed write rewinds to it. */
  private State written;

  private record State(boolean started, String startType, long seq, String prev, long requests, long lost) {}

  public AuditChain(Path file, String bffName, int checkpointEvery) {
    this.file = file;
    this.bffName = bffName;
    this.checkpointEvery = Math.max(1, checkpointEvery);
  }

  @Override
  public void begin(StringBuilder out) {
    resume();
    written = snapshot();
    start(out);
  }

  /** Where the chain stands in the existing file, or a new chain. */
  private void resume() {
    startType = "genesis";
    seq = 0;
    prev = AuditRecord.ZERO;
    try {
      if (!Files.exists(file) || Files.size(file) == 0) return;
      AuditRecord last = lastRecord();
      if (last != null && last.hashMatches()) {
        startType = "restart";
        seq = last.seq() + 1;
        prev = last.hash();
        return;
      }
      Path aside = file.resolveSibling(file.getFileName() + ".broken-" + System.currentTimeMillis());
      Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      LOG.warning("event=audit_chain_broken bff=" + bffName + " file=" + file + " moved_to=" + aside
          + " reason=last_line_not_a_whole_record action=new_chain");
    } catch (IOException e) {
      LOG.warning("event=audit_resume_failed bff=" + bffName + " file=" + file + " error=" + e);
    }
  }

  /** The last line, when the file ends with a newline and the line parses; else null. */
  private AuditRecord lastRecord() throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long size = f.length();
      int n = (int) Math.min(size, AuditRecord.MAX_LINE + 1);
      byte[] tail = new byte[n];
      f.seek(size - n);
      f.readFully(tail);
      if (tail[n - 1] != '\n') return null;
      int from = n - 1;
      while (from > 0 && tail[from - 1] != '\n') from--;
      if (from == 0 && size > n) return null; // longer than any record
      return AuditRecord.parse(Arrays.copyOfRange(tail, from, n - 1), n - 1 - from);
    } catch (AuditFormatException e) {
      return null;
    }
  }

  /** The session's first record (genesis or restart), before anything else it writes. */
  private void start(StringBuilder out) {
    if (started) return;
    started = true;
    fields(startType);
    time(System.currentTimeMillis()).append(",\"bff\":");
    JsonText.string(x, bffName, 128, true);
    close(out);
  }

  /** {@code item}: the request's fields from {@link AuditTrail#fields}, time first. */
  @Override
  public void line(String item, StringBuilder out) {
    start(out);
    fields("request").append(',').append(item);
    close(out);
    if (++requests >= checkpointEvery) checkpoint(out);
  }

  @Override
  public void lost(long n, StringBuilder out) {
    start(out);
    fields("gap");
    time(System.currentTimeMillis()).append(",\"lost\":").append(n);
    close(out);
    lost += n;
  }

  @Override
  public void end(StringBuilder out) {
    if (started && (requests > 0 || lost > 0)) checkpoint(out);
  }

  @Override
  public void written(boolean ok) {
    if (ok) {
      written = snapshot();
    } else { // the lines lost come back through lost(): a gap chained to what the file holds
      started = written.started;
      startType = written.startType;
      seq = written.seq;
      prev = written.prev;
      requests = written.requests;
      lost = written.lost;
    }
  }

  private State snapshot() {
    return new State(started, startType, seq, prev, requests, lost);
  }

  private void checkpoint(StringBuilder out) {
    fields("checkpoint");
    time(System.currentTimeMillis()).append(",\"count\":").append(seq)
        .append(",\"requests\":").append(requests)
        .append(",\"lost\":").append(lost)
        .append(",\"chain\":\"").append(prev).append('"');
    close(out);
    requests = 0;
    lost = 0;
  }

  /** Starts X: {@code {"seq":S,"type":"T"}. */
  private StringBuilder fields(String type) {
    x.setLength(0);
    return x.append("{\"seq\":").append(seq).append(",\"type\":\"").append(type).append('"');
  }

  private StringBuilder time(long epochMillis) {
    x.append(",\"time\":");
    return JsonText.isoTime(x, epochMillis);
  }

  /** Ends X with prev, hashes it, appends the line and moves the chain on. */
  private void close(StringBuilder out) {
    x.append(",\"prev\":\"").append(prev).append('"');
    byte[] bytes = x.toString().getBytes(StandardCharsets.UTF_8);
    String hash = AuditRecord.hash(prev, bytes, bytes.length);
    out.append(x).append(",\"hash\":\"").append(hash).append("\"}\n");
    seq++;
    prev = hash;
  }
}
