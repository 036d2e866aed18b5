package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny blocking HTTP/1.1 client on a plain socket for control calls from the harness's own
 * threads (readiness polls, chaos switches): one request per connection, status code only. It
 * keeps the Vert.x client (and its event-loop-only rule) out of the control path.
 */
public final class Http1 {
  private Http1() {}

  /** The status code, or -1 when the connection failed or the answer was not HTTP. */
  public static int status(int port, String method, String path, String jsonBody, int timeoutMs) {
    return status(port, method, path, jsonBody, "", timeoutMs);
  }

  /** As above with extra header lines ({@code "Name: value\r\n"} each). */
  public static int status(int port, String method, String path, String jsonBody, String headerLines, int timeoutMs) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
          + headerLines + (jsonBody == null ? "" : "Content-Type: application/json\r\n")
          + "Content-Length: " + body.length + "\r\n\r\n";
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') line.append((char) c);
      return parseStatus(line.toString());
    } catch (IOException e) {
      return -1;
    }
  }

  static int parseStatus(String statusLine) {
    String[] p = statusLine.trim().split(" ");
    if (p.length < 2 || !p[0].startsWith("HTTP/")) return -1;
    try {
      return Integer.parseInt(p[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
