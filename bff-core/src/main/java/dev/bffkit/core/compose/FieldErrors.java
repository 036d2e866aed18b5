package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.UpstreamException;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherResult;
import graphql.schema.DataFetchingEnvironment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns a failed fetch into the field's value: null, or its {@code @fallback}, plus one entry in
 * {@code errors} with {@code extensions: {code[, service][, status][, fallback: true]}}. The error
 * is kept when a fallback is served (flagged {@code fallback: true}) so clients and logs still see
 * that the data is a stand-in. The service is named only with {@code limits.graphql.serviceNamesInErrors}
 * (otherwise "the service answered 503"); no message names a path, template or protobuf type.
 */
final class FieldErrors {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.compose");

  private FieldErrors() {}

  /** What a failed fetch tells the client: a message and the {@code extensions} of its error. */
  record Described(String message, Map<String, Object> extensions) {}

  static Described describe(RestBinding b, Throwable t) {
    Throwable e = unwrap(t);
    Map<String, Object> ext = new LinkedHashMap<>(4);
    String message;
    if (e instanceof FetchFailure f) {
      message = unnamed(b, f.getMessage(), "the service failed");
      ext.put("code", f.code);
      if (f.status > 0) ext.put("status", f.status);
    } else if (e instanceof UpstreamException u) {
      message = b.serviceInErrors() ? u.getMessage() : unnamed(u.kind()) + detail(u.getMessage(), b.service());
      ext.put("code", u.kind() == UpstreamException.Kind.TIMEOUT ? "UPSTREAM_TIMEOUT" : "UPSTREAM_UNAVAILABLE");
    } else if (e instanceof TemplateValueException v) {
      LOG.fine(() -> "field=" + b.coordinates() + " bad_value=\"" + v.getMessage() + "\"");
      message = v.publicMessage();
      ext.put("code", "BAD_VALUE");
    } else {
      LOG.log(Level.SEVERE, "unexpected failure fetching " + b.coordinates(), e);
      message = "internal error while fetching " + (b.serviceInErrors() ? b.service() : "the field");
      ext.put("code", "INTERNAL");
    }
    if (b.serviceInErrors()) ext.put("service", b.service());
    if (b.hasFallback()) ext.put("fallback", true);
    return new Described(message, ext);
  }

  /** What a failed call says when the service stays unnamed. */
  private static String unnamed(UpstreamException.Kind kind) {
    return switch (kind) {
      case TIMEOUT -> "the service did not answer before the deadline";
      case BREAKER_OPEN -> "the service is unavailable, breaker open";
      case OVERLOADED -> "the service is overloaded";
      case CONNECT -> "the service is unreachable";
      case RESET -> "the service closed the connection";
      case CANCELLED -> "the call was cancelled";
      case CLIENT_CANCELLED -> "the client went away";
      case CLIENT_DEADLINE -> "the deadline the client chose ran out";
      case UNKNOWN_SERVICE, UNAVAILABLE -> "the service is unavailable";
    };
  }

  /** The part after ": " of an upstream message ("...: TLS handshake failed"), unless it names the service. */
  private static String detail(String message, String service) {
    int colon = message == null ? -1 : message.indexOf(": ");
    if (colon < 0) return "";
    String detail = message.substring(colon);
    return detail.contains(service) ? "" : detail;
  }

  /**
   * The message without the service's name: messages of the upstream layer start with it
   * ("posts answered 503" → "the service answered 503"); one naming it elsewhere is replaced by
   * {@code otherwise}.
   */
  static String unnamed(RestBinding b, String message, String otherwise) {
    if (b.serviceInErrors()) return message;
    String service = b.service();
    if (message == null) return otherwise;
    if (message.startsWith(service + " ") && message.indexOf(service, service.length()) < 0) {
      return "the service" + message.substring(service.length());
    }
    return message.contains(service) ? otherwise : message;
  }

  static DataFetcherResult<Object> failed(DataFetchingEnvironment env, RestBinding b, Throwable t) {
    Described d = describe(b, t);
    GraphQLError error = GraphqlErrorBuilder.newError(env).message(d.message()).extensions(d.extensions()).build();
    return DataFetcherResult.newResult().data(b.hasFallback() ? b.fallback() : null).error(error).build();
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
