package dev.bffkit.core.observe.audit;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * One line of the audit chain, parsed. A line is {@code X,"hash":"H"}} where X is
 * {@code {"seq":S,"type":"T",...fields...,"prev":"P"} (a JSON object without its closing brace)
 * and H = hex SHA-256 of the ASCII of P followed by the bytes of X, exactly as written: no
 * re-serialisation, so any changed byte of X, P or H breaks the line, and P ties it to the line
 * before. Types: {@code genesis} (seq 0, P all zeros), {@code restart} (a BFF continued the
 * file), {@code request}, {@code gap} ({@code lost}: records dropped on a full queue or a failed
 * write), {@code checkpoint} ({@code count} = records before it, {@code chain} = their hash).
 */
public record AuditRecord(long seq, String type, String prev, String hash, JsonObject fields, boolean hashMatches) {
  public static final String ZERO = "0".repeat(64);
  static final Set<String> TYPES = Set.of("genesis", "restart", "request", "gap", "checkpoint");
  static final byte[] HASH_KEY = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
  /** {@code ,"hash":"} + 64 hex + {@code "}}. */
  static final int SUFFIX = HASH_KEY.length + 64 + 2;
  /** Longer lines are refused before parsing (records are a few hundred bytes). */
  public static final int MAX_LINE = 65_536;

  /**
   * Parses one line (without its {@code \n}) of an untrusted file; recomputes its hash from its
   * own {@code prev} ({@link #hashMatches}). Throws only {@link AuditFormatException}.
   */
  public static AuditRecord parse(byte[] line, int len) throws AuditFormatException {
    if (len > MAX_LINE) throw new AuditFormatException("longer than " + MAX_LINE + " bytes");
    if (len == 0) throw new AuditFormatException("empty line");
    int x = len - SUFFIX;
    if (x < 2 || line[0] != '{' || !Arrays.equals(line, x, x + HASH_KEY.length, HASH_KEY, 0, HASH_KEY.length)
        || line[len - 2] != '"' || line[len - 1] != '}') {
      throw new AuditFormatException("not a chain record (truncated, or no ,\"hash\":\"...\"} at its end)");
    }
    String hash = new String(line, x + HASH_KEY.length, 64, StandardCharsets.ISO_8859_1);
    if (!hex64(hash)) throw new AuditFormatException("hash is not 64 lower-case hex digits");
    JsonObject o;
    try {
      Buffer json = Buffer.buffer(x + 1).appendBytes(line, 0, x).appendByte((byte) '}');
      o = new JsonObject(json);
    } catch (DecodeException | ClassCastException | IllegalStateException e) {
      throw new AuditFormatException("not a JSON object");
    }
    long seq = integer(o, "seq");
    if (seq < 0) throw new AuditFormatException("seq is negative");
    String type = text(o, "type");
    if (!TYPES.contains(type)) throw new AuditFormatException("unknown type '" + printable(type) + "'");
    String prev = text(o, "prev");
    if (!hex64(prev)) throw new AuditFormatException("prev is not 64 lower-case hex digits");
    switch (type) {
      case "gap" -> {
        if (integer(o, "lost") <= 0) throw new AuditFormatException("gap without a positive 'lost'");
      }
      case "checkpoint" -> {
        if (integer(o, "count") != seq) throw new AuditFormatException("checkpoint count is not its seq");
        if (!prev.equals(o.getValue("chain"))) throw new AuditFormatException("checkpoint chain is not its prev");
      }
      default -> { }
    }
    return new AuditRecord(seq, type, prev, hash, o, hash.equals(hash(prev, line, x)));
  }

  /** Hex SHA-256 of {@code prev} (ASCII) then {@code x[0, len)}: the chain's one hash. */
  public static String hash(String prev, byte[] x, int len) {
    MessageDigest md = BodyDigest.sha256();
    md.update(prev.getBytes(StandardCharsets.US_ASCII));
    md.update(x, 0, len);
    return HexFormat.of().formatHex(md.digest());
  }

  private static long integer(JsonObject o, String key) throws AuditFormatException {
    Object v = o.getValue(key);
    if (v instanceof Integer || v instanceof Long) return ((Number) v).longValue();
    throw new AuditFormatException("'" + key + "' is not an integer");
  }

  private static String text(JsonObject o, String key) throws AuditFormatException {
    if (o.getValue(key) instanceof String s) return s;
    throw new AuditFormatException("'" + key + "' is not a string");
  }

  static boolean hex64(String s) {
    if (s.length() != 64) return false;
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }

  /** An untrusted value for a message: printable ASCII only, cut short. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 32; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }
}
