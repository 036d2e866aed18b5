package dev.bffkit.core.observe.audit;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.observe.JsonText;
import dev.bffkit.core.observe.LineWriter;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.RequestObserver;
import dev.bffkit.core.observe.RotatingFile;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit trail: for each request on an audited route, one record of who did what and what
 * came back (time, route, method, subject, status, request id, SHA-256 of both bodies), chained
 * by {@link AuditChain} on the writer thread into an append-only file. On the event loop it only
 * builds the record's fields (a few hundred chars, no hashing) and offers them to the bounded
 * queue: a full queue drops the record, counts it ({@code bff.observe.dropped{sink="audit"}})
 * and chains a {@code gap} record with how many were lost, so loss is never silent.
 *
 * <p>Requests refused before routing (404, edge refusals) are not audited: they reached no
 * service, and a scan of junk paths must not be able to push real records out of the queue.
 */
public final class AuditTrail implements RequestObserver {
  private static final int MAX_TEXT = 128;

  private final LineWriter writer;
  /** By route id; null = every route. */
  private final boolean[] audited;

  public AuditTrail(LineWriter writer, boolean[] audited) {
    this.writer = writer;
    this.audited = audited;
  }

  /**
   * When {@code observe.audit} names a file: checks that every route it lists exists (else a
   * {@link ConfigException} naming {@code observe.audit.routes} and the routes there are) and
   * that the file's folder exists, starts the chain's writer thread (which reads the file's last
   * line there, never on an event loop), registers the trail as an observer and closes it with
   * the BFF. Returns it, or null when auditing is off.
   */
  public static AuditTrail install(Observability o, BffConfig config, RouteTable routes) {
    ObserveConfig.Audit c = config.observe().audit();
    if (!c.enabled()) return null;
    if (c.file() == null || c.file().isBlank()) {
      throw new ConfigException("bff.yaml", 0, "observe.audit.file: name the audit file, e.g. file: /var/log/bff/audit.log");
    }
    boolean[] audited = audited(c.routes(), routes);
    Path file = Path.of(c.file()).toAbsolutePath();
    RotatingFile sink = new RotatingFile(file, Long.MAX_VALUE, 1, true); // never rotated: one chain per file
    sink.claim("observe.audit.file");
    LineWriter writer = LineWriter.start(config.name(), "audit", sink, c.queue(),
        new AuditChain(file, config.name(), c.checkpointEvery()), o.metrics().registry());
    AuditTrail trail = new AuditTrail(writer, audited);
    o.digestBodies(audited);
    o.observe(trail);
    o.closeWith(writer);
    return trail;
  }

  /** The audited route ids, or null for every route. */
  public static boolean[] audited(List<String> names, RouteTable routes) {
    if (names.isEmpty()) return null;
    boolean[] on = new boolean[routes.idLimit()];
    List<String> unknown = new ArrayList<>();
    for (String n : names) {
      Route r = routes.named(n);
      if (r == null) unknown.add(n);
      else on[r.id()] = true;
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException("bff.yaml", 0, "observe.audit.routes: " + unknown + (unknown.size() == 1 ? " is not a route" : " are not routes")
          + "; the routes are " + String.join(", ", routes.names()) + " (print them with --routes)");
    }
    return on;
  }

  public LineWriter writer() {
    return writer;
  }

  @Override
  public void completed(RequestLog log) {
    Route r = log.route();
    if (r == null || (audited != null && (r.id() >= audited.length || !audited[r.id()]))) return; // (a route added by a reload is not in the list)
    writer.offer(fields(log));
  }

  /**
   * The request's part of its record, ASCII only (non-ASCII escaped, so the bytes hashed are the
   * bytes written): {@code "time":..,"route":..,"method":..,"subject":..,"status":..,
   * "request_id":..,"req_sha256":..,"resp_sha256":..}.
   */
  public static String fields(RequestLog log) {
    StringBuilder b = new StringBuilder(384);
    b.append("\"time\":");
    JsonText.isoTime(b, log.startEpochMillis());
    b.append(",\"route\":");
    JsonText.string(b, log.route() == null ? null : log.route().name(), MAX_TEXT * 2, true);
    b.append(",\"method\":");
    JsonText.string(b, log.method(), 16, true);
    b.append(",\"subject\":");
    JsonText.string(b, log.subject(), MAX_TEXT, true);
    b.append(",\"status\":").append(log.status());
    b.append(",\"request_id\":");
    JsonText.string(b, log.requestId(), MAX_TEXT, true);
    b.append(",\"req_sha256\":");
    JsonText.string(b, log.requestBodySha256(), 64, true);
    b.append(",\"resp_sha256\":");
    JsonText.string(b, log.responseBodySha256(), 64, true);
    return b.toString();
  }
}
