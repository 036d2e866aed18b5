package dev.bffkit.core.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.route.PathGuard;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Fuzzes what a client controls at the edge: request heads (framing, Host, HTTP/2 fields, the
 * headers it may not send) and paths. Nothing throws, and what is accepted keeps the promises:
 * an accepted HTTP/1 head has at most one Content-Length, made of digits, and no
 * Transfer-Encoding but exactly "chunked", never both; an accepted HTTP/2 head has no control
 * character; no look-alike of a gateway header survives; an accepted path has no dot segment,
 * with or without path parameters.
 */
class EdgeFuzzTest {
  private static final String[] NAMES = {"Transfer-Encoding", "transfer-encoding", "Content-Length", "content-length",
      "Host", "Connection", "te", "upgrade", "keep-alive", "Authorization", "x-api-key", "x_user_id", "X-User-Id",
      "x-request-timeout-ms", "X_FORWARDED_HOST", "x-forwarded-for", "x_forwarded_for", "x-a"};
  private static final HeaderTrust TRUST = new HeaderTrust(List.of("x-user-id", "x-user-scopes"), "x-api-key");

  @FuzzTest(maxDuration = "10s")
  void heads(FuzzedDataProvider data) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    int n = data.consumeInt(0, 6);
    for (int i = 0; i < n; i++) {
      String name = data.consumeBoolean() ? NAMES[data.consumeInt(0, NAMES.length - 1)] : data.consumeAsciiString(12);
      headers.add(name.isEmpty() ? "x" : name, data.consumeString(24));
    }
    HttpVersion version = data.pickValue(new HttpVersion[] {HttpVersion.HTTP_1_0, HttpVersion.HTTP_1_1, HttpVersion.HTTP_2});
    if (version != HttpVersion.HTTP_2 && RequestFraming.http1(version, headers) == null) {
      List<String> te = headers.getAll("transfer-encoding");
      List<String> cl = headers.getAll("content-length");
      if (cl.size() > 1 || (!te.isEmpty() && !cl.isEmpty())) throw new AssertionError("accepted ambiguous framing: " + headers);
      for (String v : cl) if (!v.trim().chars().allMatch(Character::isDigit) || v.isBlank()) throw new AssertionError("CL " + v);
      for (String v : te) if (!v.trim().equalsIgnoreCase("chunked")) throw new AssertionError("TE " + v);
    }
    RequestFraming.host(version, headers);
    if (RequestFraming.http2(headers) == null) {
      headers.forEach(h -> {
        if (!RequestFraming.fieldValue(h.getValue())) throw new AssertionError("accepted a control character");
      });
    }
    if (TRUST.apply(headers) == null) {
      for (var h : headers) {
        String folded = h.getKey().toLowerCase(Locale.ROOT).replace('_', '-');
        if (Set.of("x-user-id", "x-user-scopes", "x-request-timeout-ms", "x-forwarded-host").contains(folded)) {
          throw new AssertionError("look-alike survived: " + h.getKey());
        }
      }
    }
  }

  @FuzzTest(maxDuration = "10s")
  void paths(FuzzedDataProvider data) {
    String path = data.consumeRemainingAsString();
    if (PathGuard.check(path) != null) return;
    for (String segment : path.split("/", -1)) {
      String base = segment;
      int semi = base.indexOf(';');
      if (semi >= 0) base = base.substring(0, semi);
      int encoded = base.toLowerCase(Locale.ROOT).indexOf("%3b");
      if (encoded >= 0) base = base.substring(0, encoded);
      if (base.equals(".") || base.equals("..")) throw new AssertionError("accepted a dot segment: " + path);
    }
  }

  /** A query the edge lets through decodes on every route without an exception (screens, GraphQL GET, transcoding, rules). */
  @FuzzTest(maxDuration = "10s")
  void queries(FuzzedDataProvider data) {
    String query = data.consumeRemainingAsString();
    if (query.indexOf('#') >= 0 || PathGuard.malformedEscape(query, "query") != null) return;
    new QueryStringDecoder("/p?" + query).parameters();
  }
}
