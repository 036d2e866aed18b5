package dev.bffkit.core.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A raw-socket HTTP/1.1 client for framing tests: writes bytes exactly as given (no client
 * library normalises them), then reads what the server answers until it closes the connection
 * or stays silent for a while.
 */
final class RawHttp {
  /** What came back: the bytes read, and whether the server closed the connection. */
  record Reply(String text, boolean closed) {
    /** The status of the first response, or -1 when none came. */
    int status() {
      if (!text.startsWith("HTTP/1.")) return -1;
      return Integer.parseInt(text.substring(9, 12));
    }

    private boolean statusLine(int i) {
      if (i + 13 > text.length() || text.charAt(i + 8) != ' ' || text.charAt(i + 12) != ' ') return false;
      for (int k = i + 9; k < i + 12; k++) if (!Character.isDigit(text.charAt(k))) return false;
      return true;
    }

    /** How many responses came back (status lines). */
    int responses() {
      int n = 0;
      for (int i = text.indexOf("HTTP/1."); i >= 0; i = text.indexOf("HTTP/1.", i + 1)) {
        if (statusLine(i)) n++; // not "HTTP/1.1" quoted inside a body
      }
      return n;
    }
  }

  private RawHttp() {}

  /** Sends {@code request} and reads until the server closes or is silent for {@code quietMs}. */
  static Reply exchange(int port, String request, int quietMs) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(quietMs);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      boolean closed;
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException quiet) {
          closed = false;
          break;
        } catch (IOException reset) {
          closed = true;
          break;
        }
        if (n < 0) {
          closed = true;
          break;
        }
        out.write(buf, 0, n);
      }
      return new Reply(out.toString(StandardCharsets.ISO_8859_1), closed);
    }
  }
}
