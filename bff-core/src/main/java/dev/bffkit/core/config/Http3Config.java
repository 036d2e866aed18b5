package dev.bffkit.core.config;

import java.time.Duration;

/**
 * {@code server.http3:} an HTTP/3 (QUIC) listener beside the TCP one, on the same port number over UDP, with TLS 1.3
 * from {@code tls:}'s certificates; off by default. Its requests run the same pipeline and route table as HTTP/1.1
 * and h2. {@code port} 0 = the TCP listener's port. Limits as for h2: {@code maxConcurrentStreams} (QUIC's
 * initial_max_streams_bidi, renewed as streams end), {@code server.maxHeaderBytes} as
 * SETTINGS_MAX_FIELD_SECTION_SIZE, {@code idleTimeout} (max_idle_timeout), {@code maxData} (the connection's flow
 * control window) and {@code maxStreamData} (each request stream's). 0-RTT is off: early data is replayable
 * (RFC 8470 section 3) and the listener does not accept it. {@code altSvcMaxAge} &gt; 0 advertises the listener on TCP answers
 * ({@code Alt-Svc}, RFC 7838). {@code qlogDir}, when set, gets one qlog file per connection (null = none).
 */
public record Http3Config(boolean enabled, int port, int maxConcurrentStreams, Duration idleTimeout, long maxData,
    long maxStreamData, Duration altSvcMaxAge, String qlogDir) {

  public static Http3Config off() {
    return new Http3Config(false, 0, 100, Duration.ofSeconds(30), 8L << 20, 1L << 20, Duration.ofHours(24), null);
  }

  public Http3Config withPort(int p) {
    return new Http3Config(enabled, p, maxConcurrentStreams, idleTimeout, maxData, maxStreamData, altSvcMaxAge, qlogDir);
  }

  public Http3Config withEnabled(boolean on) {
    return new Http3Config(on, port, maxConcurrentStreams, idleTimeout, maxData, maxStreamData, altSvcMaxAge, qlogDir);
  }

  public Http3Config withQlogDir(String dir) {
    return new Http3Config(enabled, port, maxConcurrentStreams, idleTimeout, maxData, maxStreamData, altSvcMaxAge, dir);
  }
}
