package dev.bffkit.core.grpc;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * A strict, incremental reader of a gRPC-Web request body that must hold exactly one message
 * (unary and server-streaming calls; the bridge refuses client streaming). Written because
 * vertx-grpc-server 5.0.7's gRPC-Web decoding leaves malformed bodies unanswered: its text
 * deframer base64-decodes at the end without catching (invalid base64 throws on the event
 * loop) and reads one message at offset 5 whatever the frame says, and a compressed flag without
 * {@code grpc-encoding} reaches a {@code switch} on a null encoding.
 *
 * <p>Rules, each answered with the status the gRPC spec or grpc-java's server gives:
 * <ul>
 *   <li>binary mode: frames {@code flags(1) length(4, big-endian) payload}, PROTOCOL-WEB.md;
 *   <li>text mode: the body is base64 (RFC 4648 §4, standard alphabet); padded chunks may be
 *       concatenated (PROTOCOL-WEB.md, "text-encoded (response) streams"); anything else →
 *       INTERNAL;
 *   <li>the trailer flag (0x80) is the server's (PROTOCOL-WEB.md: "the MSB ... of the first
 *       byte of a frame is used to indicate a trailers frame", sent by the server) and the other
 *       reserved bits are unset → INTERNAL;
 *   <li>compressed flag: only with a {@code grpc-encoding} other than identity (PROTOCOL-HTTP2.md,
 *       "If the Message-Encoding header is omitted then the Compressed-Flag must be 0"); the
 *       bridge accepts identity only, so any compressed frame → INTERNAL (grpc-java: "compression
 *       not configured");
 *   <li>a declared length above {@code maxMessageBytes} → RESOURCE_EXHAUSTED as soon as the
 *       header is read (statuscodes.md: "Client sent a message larger than allowed");
 *   <li>a truncated header, a payload shorter than its length, or a second message → INTERNAL
 *       (grpc-java: "Encountered end-of-stream mid-frame", "Too many requests"); no message at
 *       all → INTERNAL (grpc-java: "Half-closed without a request").
 * </ul>
 * The first fault is kept and every later byte ignored, so the caller can answer at once.
 * Memory is bounded by the message (grown as bytes arrive, never by the declared length).
 */
final class GrpcWebDeframer {
  private static final byte[] BASE64 = new byte[128];

  static {
    Arrays.fill(BASE64, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) BASE64[alphabet.charAt(i)] = (byte) i;
  }

  private final boolean text;
  private final int maxMessageBytes;

  // text mode: the current base64 quantum (4 sextets), how many of them are '='
  private int quantum;
  private int quantumChars;
  private int padding;

  // binary frames
  private final byte[] head = new byte[5];
  private int headBytes;
  private int length = -1;
  private Buffer payload;
  private Buffer message;
  private GrpcFault fault;

  GrpcWebDeframer(boolean text, int maxMessageBytes) {
    this.text = text;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Feeds a chunk of the body; the fault (kept from then on), or null. */
  GrpcFault update(Buffer chunk) {
    if (fault != null) return fault;
    int n = chunk.length();
    if (text) {
      for (int i = 0; i < n && fault == null; i++) sextet(chunk.getByte(i));
    } else {
      bytes(chunk, 0, n);
    }
    return fault;
  }

  /** The body ended: the fault, or null when {@link #message()} holds the one message. */
  GrpcFault end() {
    if (fault != null) return fault;
    if (text && quantumChars > 0) {
      // an unpadded last quantum of 2 or 3 characters still decodes (RFC 4648 §3.2 lets padding be omitted)
      if (quantumChars == 1 || padding > 0) return fail(GrpcFault.INTERNAL, "the grpc-web-text body is not valid base64");
      int chars = quantumChars;
      while (quantumChars < 4) {
        quantum <<= 6;
        quantumChars++;
      }
      decoded(chars - 1);
      if (fault != null) return fault;
    }
    if (headBytes > 0) return fail(GrpcFault.INTERNAL, "the body ends inside a frame header");
    if (length >= 0) return fail(GrpcFault.INTERNAL, "the body ends before the message's " + length + " bytes");
    if (message == null) return fail(GrpcFault.INTERNAL, "no request message");
    return null;
  }

  /** The request message, once {@link #end()} returned null. */
  Buffer message() {
    return message;
  }

  private void sextet(byte c) {
    if (c == '=') {
      // padding ends a quantum of 2 or 3 characters ("xx==", "xxx=")
      if (quantumChars < 2) {
        fail(GrpcFault.INTERNAL, "the grpc-web-text body is not valid base64");
        return;
      }
      padding++;
      quantum <<= 6;
      if (++quantumChars == 4) flushQuantum();
      return;
    }
    int v = c >= 0 ? BASE64[c] : -1;
    if (v < 0 || padding > 0) {
      fail(GrpcFault.INTERNAL, "the grpc-web-text body is not valid base64");
      return;
    }
    quantum = (quantum << 6) | v;
    if (++quantumChars == 4) flushQuantum();
  }

  private void flushQuantum() {
    decoded(3 - padding);
    quantum = 0;
    quantumChars = 0;
    padding = 0;
  }

  /** Passes the first {@code count} bytes of the full 24-bit quantum on as binary. */
  private void decoded(int count) {
    for (int i = 0; i < count && fault == null; i++) {
      one((byte) (quantum >> (16 - 8 * i)));
    }
  }

  private void bytes(Buffer chunk, int from, int to) {
    int at = from;
    while (at < to && fault == null) {
      if (length < 0) {
        one(chunk.getByte(at++));
      } else {
        int take = Math.min(to - at, length - payload.length());
        payload.appendBuffer(chunk, at, take);
        at += take;
        if (payload.length() == length) messageDone();
      }
    }
  }

  private void one(byte b) {
    if (length >= 0) {
      payload.appendByte(b);
      if (payload.length() == length) messageDone();
      return;
    }
    head[headBytes++] = b;
    if (headBytes < 5) return;
    headBytes = 0;
    int flags = head[0] & 0xff;
    if ((flags & 0x80) != 0) {
      fail(GrpcFault.INTERNAL, "a trailer frame (0x80) is the server's, not the client's");
      return;
    }
    if ((flags & 0x7e) != 0) {
      fail(GrpcFault.INTERNAL, "frame flags 0x" + Integer.toHexString(flags) + " use reserved bits");
      return;
    }
    if ((flags & 0x01) != 0) {
      fail(GrpcFault.INTERNAL, "a compressed message needs a grpc-encoding other than identity");
      return;
    }
    if (message != null) {
      fail(GrpcFault.INTERNAL, "more than one request message for a unary or server-streaming method");
      return;
    }
    long declared = ((head[1] & 0xffL) << 24) | ((head[2] & 0xff) << 16) | ((head[3] & 0xff) << 8) | (head[4] & 0xff);
    if (declared > maxMessageBytes) {
      fail(GrpcFault.RESOURCE_EXHAUSTED, "request message of " + declared + " bytes exceeds " + maxMessageBytes);
      return;
    }
    length = (int) declared;
    payload = Buffer.buffer(Math.min(length, 8192));
    if (length == 0) messageDone();
  }

  private void messageDone() {
    message = payload;
    payload = null;
    length = -1;
  }

  private GrpcFault fail(int code, String why) {
    if (fault == null) fault = new GrpcFault(code, why);
    return fault;
  }
}
