package dev.bffkit.core.observe.audit;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a body as it streams through, for the audit trail's {@code req_sha256} and
 * {@code resp_sha256}: feed every chunk in order with {@link #update}, then read {@link #hex}.
 * One per body, on its event loop; reads the chunk's own bytes without copying when it can.
 */
public final class BodyDigest {
  private final MessageDigest md = sha256();
  private String hex;

  public void update(Buffer chunk) {
    if (hex != null) throw new IllegalStateException("digest already read");
    if (chunk instanceof BufferInternal bi) {
      ByteBuf bb = bi.getByteBuf();
      if (bb.hasArray()) {
        md.update(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes());
      } else {
        for (ByteBuffer b : bb.nioBuffers()) md.update(b);
      }
    } else {
      md.update(chunk.getBytes());
    }
  }

  /** Lower-case hex of the SHA-256 of everything fed (of nothing: e3b0c442...); the same on every call. */
  public String hex() {
    if (hex == null) hex = HexFormat.of().formatHex(md.digest());
    return hex;
  }

  /** The digest of one whole body. */
  public static String of(Buffer body) {
    BodyDigest d = new BodyDigest();
    d.update(body);
    return d.hex();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
