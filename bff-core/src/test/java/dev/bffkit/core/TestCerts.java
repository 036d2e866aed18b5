package dev.bffkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Test certificates made with openssl in a folder: a CA named {@code ca} ({@code ca.pem},
 * {@code ca-key.pem}), other CAs, and leaf certificates for 127.0.0.1 signed by {@code ca}
 * ({@code who.pem}, {@code who-key.pem}). A test is skipped, not failed, where openssl is
 * missing; {@code .ci/run} installs it.
 */
public final class TestCerts {
  private final Path dir;

  /** Makes the CA {@code ca} in {@code dir}. */
  public TestCerts(Path dir) throws Exception {
    this.dir = dir;
    ca("ca");
  }

  /** A self-signed CA: {@code name.pem} and {@code name-key.pem}. */
  public TestCerts ca(String name) throws Exception {
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
        "-keyout", name + "-key.pem", "-out", name + ".pem");
    return this;
  }

  /** Leaf certificates for 127.0.0.1 signed by {@code ca}: {@code who.pem} and {@code who-key.pem} each. */
  public TestCerts issue(String... whos) throws Exception {
    for (String who : whos) {
      sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + who, "-keyout", who + "-key.pem",
          "-out", who + ".csr");
      Files.writeString(dir.resolve(who + ".ext"), "subjectAltName=IP:127.0.0.1\n");
      sh("openssl", "x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
          "-days", "1", "-extfile", who + ".ext", "-out", who + ".pem");
    }
    return this;
  }

  /** The path of a file in the folder, as a string for config records. */
  public String path(String file) {
    return dir.resolve(file).toString();
  }

  private void sh(String... cmd) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("openssl not available: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }
}
