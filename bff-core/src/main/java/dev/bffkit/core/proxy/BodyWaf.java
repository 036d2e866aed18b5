package dev.bffkit.core.proxy;

import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.security.StaticFilterStage;
import dev.bffkit.core.security.Waf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The WAF for bodies of plain proxy routes ({@code filters.wafBody}), in the manner of
 * ModSecurity's request-body buffering ({@code SecRequestBodyLimit}, {@code ProcessPartial} /
 * {@code Reject}): textual bodies are read up to a limit and checked before the service is
 * called; other types stream through unread (counted, logged at FINE).
 */
public final class BodyWaf {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.security");

  private final FiltersConfig.WafBody config;
  private final boolean block;
  final LongAdder inspected = new LongAdder();
  final LongAdder uninspected = new LongAdder();
  final LongAdder overLimit = new LongAdder();

  private BodyWaf(FiltersConfig filters) {
    this.config = filters.wafBody();
    this.block = filters.waf() == FiltersConfig.WafMode.BLOCK;
  }

  /** Null when the WAF is off or body inspection is switched off. */
  public static BodyWaf of(FiltersConfig filters) {
    return filters.inspectsBodies() ? new BodyWaf(filters) : null;
  }

  int limit() {
    return config.limit();
  }

  boolean rejectsOverLimit() {
    return config.overLimit() == FiltersConfig.OverLimit.REJECT;
  }

  /**
   * Whether a body of this {@code Content-Type} is read and checked. A body without one is: leaving
   * the header out must not be a way around the WAF (services often sniff or assume JSON).
   */
  boolean inspects(Exchange ex, String contentType) {
    String media = mediaType(contentType);
    if (media.isEmpty() || config.inspects(media)) return true;
    uninspected.increment();
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("event=waf_body_uninspected " + ex.logIds() + " reason=type type=" + media);
    }
    return false;
  }

  /**
   * Checks the prefix read (its first {@code limit} bytes when the body is longer): the 403
   * message in block mode when a rule matched, null to forward (audit mode logs the match).
   */
  String check(Exchange ex, String contentType, BodyReader.Prefix prefix) {
    inspected.increment();
    int n = Math.min(prefix.bytes().length(), config.limit());
    if (!prefix.complete()) {
      overLimit.increment();
      if (LOG.isLoggable(Level.FINE)) {
        LOG.fine("event=waf_body_partial " + ex.logIds() + " inspected_bytes=" + n);
      }
    }
    String encoding = ex.request().getHeader("content-encoding");
    String text;
    try {
      text = decoded(prefix, n, encoding);
    } catch (IOException | IllegalArgumentException unreadable) {
      text = null;
    }
    if (text == null) {
      // Compressed in a coding we cannot read (or corrupt): unchecked bytes must not pass a
      // blocking WAF, or compressing an attack would be the way around it.
      Waf.Hit hit = new Waf.Hit("uninspectable-encoding", "body (content-encoding " + encoding + ")");
      return StaticFilterStage.verdict(ex, hit, block);
    }
    return StaticFilterStage.verdict(ex, Waf.checkBody(mediaType(contentType), contentType, text), block);
  }

  /**
   * The first {@code n} bytes of the body as text, decompressed first for {@code gzip} and
   * {@code deflate} (at most {@code limit} bytes out, so a compression bomb inflates no further;
   * a stream cut at the limit yields what it holds); null for another coding.
   */
  private String decoded(BodyReader.Prefix prefix, int n, String encoding) throws IOException {
    String coding = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
    if (coding.isEmpty() || coding.equals("identity")) return prefix.bytes().getString(0, n, StandardCharsets.UTF_8.name());
    byte[] raw = prefix.bytes().getBytes(0, prefix.bytes().length());
    return switch (coding) {
      case "gzip", "x-gzip" -> inflate(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(raw)));
      case "deflate" -> {
        try {
          yield inflate(new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(raw)));
        } catch (java.util.zip.ZipException notZlib) {
          // some clients send raw deflate without the zlib wrapper
          yield inflate(new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(raw),
              new java.util.zip.Inflater(true)));
        }
      }
      default -> null;
    };
  }

  private String inflate(java.io.InputStream in) throws IOException {
    byte[] out = new byte[config.limit()];
    int len = 0;
    try (in) {
      for (int r; len < out.length && (r = in.read(out, len, out.length - len)) > 0; ) len += r;
    } catch (java.io.EOFException cut) {
      // a prefix cut at the read limit: check what it holds
    }
    return new String(out, 0, len, StandardCharsets.UTF_8);
  }

  /** {@code application/json} of {@code Application/JSON; charset=utf-8}; "" when absent. */
  static String mediaType(String contentType) {
    if (contentType == null) return "";
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }
}
