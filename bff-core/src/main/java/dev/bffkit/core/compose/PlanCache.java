package dev.bffkit.core.compose;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.schema.GraphQLSchema;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Operation plans by (query, operation name): screens planned at start-up, ad-hoc queries on
 * first use in a bounded cache (Caffeine, like {@link DocumentCache}). An
 * operation that does not parse, validate or plan maps to "no plan" and runs on graphql-java.
 */
final class PlanCache {
  private static final int MAX_CACHED_QUERY_CHARS = 16 * 1024;

  private record Key(String query, String operationName) {}

  private final GraphQLSchema schema;
  private final DocumentCache documents;
  private final Map<Key, Optional<OperationPlan>> screens;
  private final Cache<Key, Optional<OperationPlan>> adhoc;

  PlanCache(GraphQLSchema schema, DocumentCache documents, Iterable<Screen> screenList, int maxAdhoc) {
    this.schema = schema;
    this.documents = documents;
    this.adhoc = Caffeine.newBuilder().maximumSize(maxAdhoc).executor(Runnable::run).recordStats().build();
    Map<Key, Optional<OperationPlan>> m = new HashMap<>();
    for (Screen s : screenList) {
      OperationPlan plan = OperationPlan.compile(schema, s.document(), s.operationName());
      if (plan != null && plan.defers() != null) { // the incremental variant a screen's multipart clients use, at start-up
        plan.defers().root(plan.defers().mask(graphql.execution.CoercedVariables.emptyVariables()));
      }
      m.put(new Key(s.query(), s.operationName()), Optional.ofNullable(plan));
    }
    this.screens = Map.copyOf(m);
  }

  /** The plan, or null when this operation runs on graphql-java. */
  OperationPlan get(String query, String operationName) {
    String op = operationName == null || operationName.isEmpty() ? null : operationName;
    Key key = new Key(query, op);
    Optional<OperationPlan> plan = screens.get(key);
    if (plan == null) plan = adhoc.getIfPresent(key);
    if (plan == null) {
      PreparsedDocumentEntry e = documents.entry(query);
      plan = Optional.ofNullable(e.hasErrors() || e.getDocument() == null ? null
          : OperationPlan.compile(schema, e.getDocument(), op));
      if (query.length() <= MAX_CACHED_QUERY_CHARS) adhoc.put(key, plan); // the key holds the text
    }
    return plan.orElse(null);
  }

  /** The ad-hoc cache (screens are not in it), for its hit ratio in metrics. */
  Cache<?, ?> adhoc() {
    return adhoc;
  }
}
