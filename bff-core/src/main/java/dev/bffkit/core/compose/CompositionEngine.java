package dev.bffkit.core.compose;

import dev.bffkit.core.cache.FieldCache;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.grpc.DescriptorRegistry;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.ExecutionResultImpl;
import graphql.GraphQL;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.language.Definition;
import graphql.language.OperationDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.validation.Validator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.dataloader.DataLoaderRegistry;

/**
 * The composition engine of one client bundle: schema with directive-bound fetchers, and the
 * screens. Built once by {@link #create} and shared by all event loops (immutable); each run
 * gets only a fresh DataLoaderRegistry and ExecutionInput.
 */
public final class CompositionEngine {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.compose");
  private static final int MAX_CACHED_ADHOC = 256;

  private final GraphQLSchema schema;
  private final CompositionConfig config;
  private final ScreenCatalog screens;
  private final DocumentCache documents;
  private final GraphQL graphQL;
  /** Compiled plans of screens and ad-hoc queries; null when disabled. */
  private final PlanCache plans;
  private final DescriptorRegistry grpc;
  /** APQ registrations, shared by every event loop of this BFF. */
  private final PersistedQueries persisted = new PersistedQueries();
  /** Coordinates of the {@code @cache} fields. */
  private final List<String> cachedFields;
  /** Set once at start-up, before serving. */
  private volatile FieldCache fieldCache;

  private CompositionEngine(GraphQLSchema schema, CompositionConfig config, ScreenCatalog screens, boolean usePlans,
      DescriptorRegistry grpc, List<RestBinding> bindings) {
    this.grpc = grpc;
    this.cachedFields = bindings.stream().filter(b -> b.cache() != null).map(RestBinding::coordinates).toList();
    this.schema = schema;
    this.config = config;
    this.screens = screens;
    this.documents = new DocumentCache(schema, screens.all(), MAX_CACHED_ADHOC);
    this.plans = usePlans ? new PlanCache(schema, documents, screens.all(), MAX_CACHED_ADHOC) : null;
    this.graphQL = GraphQL.newGraphQL(schema)
        .preparsedDocumentProvider(documents)
        .defaultDataFetcherExceptionHandler(HIDE_INTERNALS)
        .build();
  }

  /** Parses + validates schema and screens once; ConfigException names file:line:problem. */
  public static CompositionEngine create(ClientBundle bundle) {
    return create(bundle, true);
  }

  /**
   * With {@code usePlans} false every operation runs on graphql-java: the reference that plans are
   * tested and benchmarked against.
   */
  public static CompositionEngine create(ClientBundle bundle, boolean usePlans) {
    DescriptorRegistry grpc = DescriptorRegistry.load(bundle.config().grpc(), null);
    SchemaLoader.Loaded loaded = SchemaLoader.load(bundle, grpc);
    return new CompositionEngine(loaded.schema(), bundle.config().composition(),
        ScreenCatalog.load(bundle.screens(), loaded.schema()), usePlans, grpc, loaded.bindings());
  }

  /**
   * What {@link #create} would refuse, every problem rather than the first (for {@code --check}): the descriptor set,
   * each field's directives, the schema, each screen. Empty when {@code create} would succeed.
   */
  public static List<ConfigException> problems(ClientBundle bundle) {
    DescriptorRegistry grpc;
    try {
      grpc = DescriptorRegistry.load(bundle.config().grpc(), null);
    } catch (ConfigException e) {
      return List.of(e); // every @grpc field would be unknown: the set is the one problem
    }
    SchemaLoader.Collected schema = SchemaLoader.collect(bundle, grpc);
    List<ConfigException> out = new ArrayList<>(schema.problems());
    if (schema.generated() != null) out.addAll(ScreenCatalog.problems(bundle.screens(), schema.generated().schema()));
    return out;
  }

  /** The protobuf schemas of {@code grpc.descriptors} (empty without them); for transcoding and gRPC-Web. */
  public DescriptorRegistry grpc() { return grpc; }

  /**
   * The engine's caches in metrics ({@code cache_gets_total{cache=..., result=hit|miss}}, sizes,
   * evictions): APQ registrations and the ad-hoc documents and plans. Once, at start-up.
   */
  public void bindMetrics(MeterRegistry registry) {
    CaffeineCacheMetrics.monitor(registry, persisted.cache(), "apq");
    CaffeineCacheMetrics.monitor(registry, documents.adhoc(), "graphql_documents");
    if (plans != null) CaffeineCacheMetrics.monitor(registry, plans.adhoc(), "graphql_plans");
  }

  /**
   * The BFF's field cache for this engine's {@code @cache} fields (kept across reloads: the next engine gets the
   * same one); their meters are made now. Null or off: every field calls its service.
   */
  public void useFieldCache(FieldCache cache) {
    this.fieldCache = cache == null || !cache.enabled() ? null : cache;
    if (fieldCache != null) for (String f : cachedFields) fieldCache.register(f);
  }

  /** The field cache requests run with (null: none). */
  public FieldCache fieldCache() { return fieldCache; }

  /** Registrations learnt by one instance are shared with the fleet through {@code shared} (null: this instance alone). */
  public void shareRegistrations(SharedPersistedQueries shared) {
    persisted.share(shared);
  }

  /** Apollo APQ hashes learnt at run time; one store per BFF so every event loop sees them. */
  PersistedQueries persistedQueries() { return persisted; }

  /** The screen of that name, or null. */
  public Screen screen(String name) { return screens.get(name); }

  /**
   * Loads and JIT-touches graphql-java, Jackson and the plan compiler on a throw-away schema, so
   * that a launcher can do it while it reads the bundle (start-up is mostly cold class loading).
   */
  public static void warmUp() {
    try {
      var registry = new SchemaParser().parse(
          "type Query { a(x: Int = 1): A }\ntype A { b: String c: [A!] }\n" + Directives.SDL);
      var schema = new SchemaGenerator().makeExecutableSchema(registry,
          RuntimeWiring.newRuntimeWiring().scalar(JsonScalar.JSON).build());
      var doc = Parser.parse("query Q($x: Int) { a(x: $x) { b c { b } } }");
      new Validator().validateDocument(schema, doc, Locale.ROOT);
      OperationPlan.compile(schema, doc, "Q");
      Json.toBuffer(Json.parse("{\"a\":[1,2.5,\"x\",true,null,{}]}"));
    } catch (Exception | LinkageError ignored) {
      // only a warm-up: the real start reports any real problem
    }
  }

  /**
   * Runs every screen once against instant empty answers (no network), so that the first real
   * request does not pay for the first use of the request path; see {@link DryRun}. Call on an
   * event loop as the BFF becomes ready. Never fails.
   */
  public Future<Void> dryRun() {
    return DryRun.screens(this);
  }

  /**
   * The composition directives' definitions, which the engine adds to every client schema: for
   * tools and tests that read a client schema on their own.
   */
  public static String directiveDefinitions() {
    return Directives.SDL;
  }

  /** All screens, sorted by name. */
  public Collection<Screen> screens() { return screens.all(); }

  public GraphQLSchema schema() { return schema; }

  /** The bundle's {@code composition:} settings (paths, deadline, batch size). */
  public CompositionConfig config() { return config; }

  /** Runs a persisted screen with already-coerced variables. */
  public Future<ComposeResult> run(Screen screen, Map<String, Object> variables, ComposeContext cx) {
    return execute(screen.query(), screen.operationName(), variables, cx);
  }

  /** Runs an ad-hoc query (parse + validate errors → ComposeResult with requestError). */
  public Future<ComposeResult> runQuery(String query, String operationName, Map<String, Object> variables,
      ComposeContext cx) {
    OperationDefinition.Operation op = operationType(query, operationName);
    if (op == OperationDefinition.Operation.SUBSCRIPTION) {
      return Future.succeededFuture(ComposeResult.of(ExecutionResultImpl.newExecutionResult()
          .addError(GraphqlErrorBuilder.newError().message("subscriptions are not supported").build()).build()));
    }
    return execute(query, operationName, variables, cx);
  }

  /**
   * The type of the operation the request would run (query, mutation, subscription), or null
   * when the document does not parse/validate or names no such operation. Parses through the
   * shared cache, so a following {@link #runQuery} does not parse again.
   */
  public OperationDefinition.Operation operationType(String query, String operationName) {
    PreparsedDocumentEntry e = documents.entry(query);
    if (e.getDocument() == null) return null;
    OperationDefinition found = null;
    int count = 0;
    for (Definition<?> d : e.getDocument().getDefinitions()) {
      if (d instanceof OperationDefinition o) {
        count++;
        if (operationName == null || operationName.isEmpty() ? found == null : operationName.equals(o.getName())) {
          found = o;
        }
      }
    }
    if ((operationName == null || operationName.isEmpty()) && count > 1) return null;
    return found == null ? null : found.getOperation();
  }

  /**
   * The screen as an incremental run ({@code @defer}/{@code @stream} active for these variables),
   * or null when it is answered in one piece by {@link #run}: no active directive, no plan (the
   * graphql-java fallback inlines everything, as the incremental delivery RFC allows), a variable
   * error. Call on the event loop that will start it.
   */
  IncrementalRun incremental(Screen screen, Map<String, Object> variables, ComposeContext cx) {
    return incremental(screen.query(), screen.operationName(), variables, cx);
  }

  /** {@link #incremental(Screen, Map, ComposeContext)} for an ad-hoc query (null also for request errors). */
  IncrementalRun incremental(String query, String operationName, Map<String, Object> variables, ComposeContext cx) {
    if (plans == null || Vertx.currentContext() == null) return null;
    OperationPlan plan = plans.get(query, operationName);
    if (plan == null || plan.defers() == null) return null;
    try {
      return PlanRun.incremental(schema, plan, variables == null ? Map.of() : variables, cx, config.maxBatchSize());
    } catch (graphql.GraphQLException variableError) {
      return null; // the one-piece path reports it in its usual shape
    }
  }

  /** The plan compiled for {@code screen} at start-up; null when it runs on graphql-java (or plans are off). */
  OperationPlan plan(Screen screen) {
    return plans == null ? null : plans.get(screen.query(), screen.operationName());
  }

  private Future<ComposeResult> execute(String query, String operationName, Map<String, Object> variables,
      ComposeContext cx) {
    // Plans keep single-threaded state, so they run only on an event loop (always, when served).
    if (plans != null && Vertx.currentContext() != null) {
      OperationPlan plan = plans.get(query, operationName);
      if (plan != null) {
        try {
          return PlanRun.run(schema, plan, variables == null ? Map.of() : variables, cx, config.maxBatchSize());
        } catch (graphql.GraphQLException variableError) {
          // graphql-java below reports it in its usual shape
        }
      }
    }
    RequestScope scope = new RequestScope(cx);
    ExecutionInput input = ExecutionInput.newExecutionInput(query)
        .operationName(operationName == null || operationName.isEmpty() ? null : operationName)
        .variables(variables == null ? Map.of() : variables)
        .graphQLContext(b -> b.of(RequestScope.class, scope))
        .dataLoaderRegistry(new DataLoaderRegistry())
        .build();
    CompletableFuture<ExecutionResult> cf;
    try {
      cf = graphQL.executeAsync(input);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // Continue on the caller's event loop, whichever thread completed the last fetch.
    Context vc = Vertx.currentContext();
    // (An execution that finished synchronously needs no hop back.)
    Future<ExecutionResult> f = vc != null && !cf.isDone() ? Future.fromCompletionStage(cf, vc) : Future.fromCompletionStage(cf);
    return f.map(er -> ComposeResult.of(er, cx.extensions()));
  }

  /** Exceptions thrown by fetchers (ours never throw) become a generic error; the log has the rest. */
  private static final DataFetcherExceptionHandler HIDE_INTERNALS = params -> {
    LOG.log(Level.SEVERE, "fetch failed at " + params.getPath(), params.getException());
    return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(
        GraphqlErrorBuilder.newError()
            .message("internal error")
            .path(params.getPath())
            .location(params.getSourceLocation())
            .extensions(Map.of("code", "INTERNAL"))
            .build()).build());
  };

  static List<String> names(Collection<Screen> screens) {
    return screens.stream().map(Screen::name).toList();
  }
}
