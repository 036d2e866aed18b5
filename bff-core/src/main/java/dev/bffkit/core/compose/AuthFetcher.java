package dev.bffkit.core.compose;

import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherResult;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A field with {@code @auth(scopes: [...])}: callers without every scope get null plus a
 * {@code FORBIDDEN} error and the field's fetch never runs; others get the wrapped fetcher's
 * value. The plan executor ({@link PlanRun}) makes the same check with {@link #allowed} and
 * {@link #message}.
 */
final class AuthFetcher implements DataFetcher<Object> {
  private final DataFetcher<?> delegate;
  private final Set<String> scopes;
  private final String message;

  AuthFetcher(DataFetcher<?> delegate, Set<String> scopes) {
    this.delegate = delegate;
    this.scopes = Set.copyOf(scopes);
    this.message = message(scopes);
  }

  DataFetcher<?> delegate() {
    return delegate;
  }

  Set<String> scopes() {
    return scopes;
  }

  static boolean allowed(Set<String> required, ComposeContext cx) {
    return cx.scopes() != null && cx.scopes().containsAll(required);
  }

  static String message(Set<String> scopes) {
    return "forbidden: this field needs the scopes " + String.join(" ", new java.util.TreeSet<>(scopes));
  }

  static Map<String, Object> extensions(Set<String> scopes) {
    Map<String, Object> ext = new java.util.LinkedHashMap<>(4);
    ext.put("code", "FORBIDDEN");
    ext.put("scopes", List.copyOf(new java.util.TreeSet<>(scopes)));
    return ext;
  }

  @Override
  public Object get(DataFetchingEnvironment env) throws Exception {
    RequestScope scope = env.getGraphQlContext().get(RequestScope.class);
    if (scope != null && allowed(scopes, scope.cx)) return delegate.get(env);
    return DataFetcherResult.newResult().data(null)
        .error(GraphqlErrorBuilder.newError(env).message(message).extensions(extensions(scopes)).build())
        .build();
  }
}
