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
 * {@code errors} with {@code extensions: {code, service[, status][, fallback: true]}}. The error
 * is kept when a fallback is served (flagged {@code fallback: true}) so clients and logs still see
 * that the data is a stand-in.
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
      message = f.getMessage();
      ext.put("code", f.code);
      if (f.status > 0) ext.put("status", f.status);
    } else if (e instanceof UpstreamException u) {
      message = u.getMessage();
      ext.put("code", u.kind() == UpstreamException.Kind.TIMEOUT ? "UPSTREAM_TIMEOUT" : "UPSTREAM_UNAVAILABLE");
    } else if (e instanceof TemplateValueException v) {
      LOG.fine(() -> "field=" + b.coordinates() + " bad_value=\"" + v.getMessage() + "\"");
      message = v.publicMessage();
      ext.put("code", "BAD_VALUE");
    } else {
      LOG.log(Level.SEVERE, "unexpected failure fetching " + b.coordinates(), e);
      message = "internal error while fetching " + b.service();
      ext.put("code", "INTERNAL");
    }
    ext.put("service", b.service());
    if (b.hasFallback()) ext.put("fallback", true);
    return new Described(message, ext);
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
