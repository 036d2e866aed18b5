package dev.bffkit.core.observe.audit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bff audit verify FILE}: walks an audit file line by line (constant memory), re-checks
 * every record's sequence number, its link to the line before and its hash, and prints
 * {@code ok N records} (exit 0) or {@code line K: what is wrong} (exit 1) for the first line
 * where the chain breaks: a changed byte breaks that line's hash; a removed, inserted or moved
 * line breaks the sequence there. Gaps (records lost on a full queue) verify but are listed.
 * What the file alone cannot show: lines cut off its end, or a tail rewritten with fresh hashes;
 * compare a checkpoint's {@code chain} kept elsewhere for those.
 */
public final class AuditVerify {
  static final String USAGE = "usage: bff audit verify FILE";

  private AuditVerify() {}

  /** The exit code: 0 intact, 1 broken, 2 usage or unreadable file. */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length != 2 || !"verify".equals(args[0])) {
      err.println(USAGE);
      return 2;
    }
    Path file = Path.of(args[1]);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return verify(in, out);
    } catch (NoSuchFileException e) {
      err.println("bff audit: no such file: " + file);
      return 2;
    } catch (IOException e) {
      err.println("bff audit: cannot read " + file + ": " + e.getMessage());
      return 2;
    }
  }

  /** Verifies a whole stream; prints the verdict (and any gaps) to {@code out}. */
  static int verify(InputStream in, PrintStream out) throws IOException {
    Lines lines = new Lines(in);
    long lineNo = 0;
    long lastSeq = -1;
    String lastHash = null;
    long requests = 0;
    long restarts = 0;
    long checkpoints = 0;
    long lost = 0;
    List<String> gaps = new ArrayList<>();
    while (lines.next()) {
      lineNo++;
      String broken = lines.tooLong() ? "longer than " + AuditRecord.MAX_LINE + " bytes" : null;
      AuditRecord r = null;
      if (broken == null) {
        try {
          r = AuditRecord.parse(lines.bytes(), lines.length());
        } catch (AuditFormatException e) {
          broken = e.getMessage();
        }
      }
      if (broken == null) broken = link(r, lineNo, lastSeq, lastHash);
      if (broken != null) {
        out.println("line " + lineNo + ": " + broken);
        return 1;
      }
      switch (r.type()) {
        case "request" -> requests++;
        case "restart" -> restarts++;
        case "checkpoint" -> checkpoints++;
        case "gap" -> {
          long n = r.fields().getLong("lost");
          lost += n;
          gaps.add("line " + lineNo + ": gap: " + n + " records lost");
        }
        default -> { }
      }
      lastSeq = r.seq();
      lastHash = r.hash();
    }
    if (lineNo == 0) {
      out.println("line 1: no records (an audit file starts with a genesis record)");
      return 1;
    }
    out.println("ok " + lineNo + " records (" + requests + " requests, " + checkpoints + " checkpoints, "
        + restarts + " restarts, " + gaps.size() + " gaps, " + lost + " lost)");
    for (String g : gaps) out.println(g);
    return 0;
  }

  /** What is wrong with how {@code r} follows the line before; null when it follows. */
  private static String link(AuditRecord r, long lineNo, long lastSeq, String lastHash) {
    if (lineNo == 1) {
      if (!"genesis".equals(r.type()) || r.seq() != 0) {
        return "the first record must be genesis with seq 0, found " + r.type() + " seq " + r.seq()
            + " (lines were removed from the start)";
      }
      if (!AuditRecord.ZERO.equals(r.prev())) return "genesis prev must be 64 zeros";
    } else {
      if ("genesis".equals(r.type())) return "a second genesis record (another chain was appended)";
      if (r.seq() != lastSeq + 1) {
        return "seq " + r.seq() + " after seq " + lastSeq + " (a line was removed, inserted or moved here)";
      }
      if (!r.prev().equals(lastHash)) return "prev is not the hash of line " + (lineNo - 1) + " (a line before was changed or replaced)";
    }
    if (!r.hashMatches()) return "hash does not match the line's content (the line was changed)";
    return null;
  }

  /** Lines of at most {@link AuditRecord#MAX_LINE} bytes without their {@code \n}; longer ones are flagged, not held. */
  static final class Lines {
    private final InputStream in;
    private final byte[] buf = new byte[AuditRecord.MAX_LINE + 1];
    private int len;
    private boolean tooLong;

    Lines(InputStream in) {
      this.in = in;
    }

    /** Reads the next line; false at the end of the stream. */
    boolean next() throws IOException {
      len = 0;
      tooLong = false;
      int c;
      boolean any = false;
      while ((c = in.read()) >= 0) {
        any = true;
        if (c == '\n') return true;
        if (len < buf.length) buf[len++] = (byte) c;
        else tooLong = true;
      }
      return any;
    }

    byte[] bytes() { return buf; }

    int length() { return len; }

    boolean tooLong() { return tooLong || len > AuditRecord.MAX_LINE; }
  }
}
