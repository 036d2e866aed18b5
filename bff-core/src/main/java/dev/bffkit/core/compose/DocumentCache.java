package dev.bffkit.core.compose;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import graphql.ExecutionInput;
import graphql.ParseAndValidate;
import graphql.ParseAndValidateResult;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;
import graphql.language.Document;
import graphql.schema.GraphQLSchema;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import graphql.validation.ValidationError;

/**
 * Parsed and validated documents by query text, so no request parses or validates a screen:
 * screens are fixed at start-up; ad-hoc queries share a bounded cache (Caffeine: lock-free reads
 * from every event loop, and a client cycling new texts evicts by frequency instead of clearing
 * what everyone else uses).
 */
final class DocumentCache implements PreparsedDocumentProvider {
  private static final int MAX_CACHED_QUERY_CHARS = 16 * 1024;

  private final GraphQLSchema schema;
  private final Map<String, PreparsedDocumentEntry> screens;
  private final Cache<String, PreparsedDocumentEntry> adhoc;

  DocumentCache(GraphQLSchema schema, Iterable<Screen> screenList, int maxAdhoc) {
    this.schema = schema;
    Map<String, PreparsedDocumentEntry> m = new HashMap<>();
    for (Screen s : screenList) m.put(s.query(), new PreparsedDocumentEntry(s.document()));
    this.screens = Map.copyOf(m);
    this.adhoc = Caffeine.newBuilder().maximumSize(maxAdhoc).executor(Runnable::run).recordStats().build();
  }

  @Override
  public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(ExecutionInput input,
      Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
    PreparsedDocumentEntry e = cached(input.getQuery());
    if (e == null) {
      e = withIncrementalRules(input.getQuery(), parseAndValidate.apply(input));
      remember(input.getQuery(), e);
    }
    return CompletableFuture.completedFuture(e);
  }

  /** The entry for a query, parsing and validating it (and caching) when needed. */
  PreparsedDocumentEntry entry(String query) {
    PreparsedDocumentEntry e = cached(query);
    if (e != null) return e;
    ParseAndValidateResult r = ParseAndValidate.parseAndValidate(schema,
        ExecutionInput.newExecutionInput(query).build());
    if (r.getSyntaxException() != null) {
      e = new PreparsedDocumentEntry(r.getSyntaxException().toInvalidSyntaxError());
    } else {
      Document doc = r.getDocument();
      List<?> errors = r.getValidationErrors();
      e = errors == null || errors.isEmpty() ? new PreparsedDocumentEntry(doc)
          : new PreparsedDocumentEntry(doc, r.getValidationErrors());
    }
    e = withIncrementalRules(query, e);
    remember(query, e);
    return e;
  }

  /** A valid entry that breaks the {@code @defer}/{@code @stream} rules becomes invalid ({@link IncrementalRules}). */
  private PreparsedDocumentEntry withIncrementalRules(String query, PreparsedDocumentEntry e) {
    if (e.hasErrors() || e.getDocument() == null || !IncrementalRules.mentions(query)) return e;
    List<ValidationError> errors = IncrementalRules.check(schema, e.getDocument());
    return errors.isEmpty() ? e : new PreparsedDocumentEntry(e.getDocument(), errors);
  }

  private PreparsedDocumentEntry cached(String query) {
    PreparsedDocumentEntry e = screens.get(query);
    return e != null ? e : adhoc.getIfPresent(query);
  }

  private void remember(String query, PreparsedDocumentEntry e) {
    if (query.length() > MAX_CACHED_QUERY_CHARS) return;
    adhoc.put(query, e);
  }

  /** The ad-hoc cache (screens are not in it), for its hit ratio in metrics. */
  Cache<?, ?> adhoc() {
    return adhoc;
  }
}
