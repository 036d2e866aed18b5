package dev.bffkit.core.compose;

import dev.bffkit.core.cache.CachePolicy;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.config.Units;
import dev.bffkit.core.grpc.DescriptorRegistry;
import dev.bffkit.core.grpc.GrpcFault;
import dev.bffkit.core.grpc.GrpcMetadata;
import dev.bffkit.core.grpc.GrpcMethod;
import graphql.GraphQLError;
import graphql.language.Argument;
import graphql.language.ArrayValue;
import graphql.language.Directive;
import graphql.language.EnumValue;
import graphql.language.FieldDefinition;
import graphql.language.InputValueDefinition;
import graphql.language.IntValue;
import graphql.language.InterfaceTypeDefinition;
import graphql.language.ObjectField;
import graphql.language.ObjectTypeDefinition;
import graphql.language.NullValue;
import graphql.language.ObjectValue;
import graphql.language.SourceLocation;
import graphql.language.StringValue;
import graphql.language.UnionTypeDefinition;
import graphql.language.Value;
import graphql.schema.DataFetcher;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLCodeRegistry;
import graphql.schema.GraphQLSchema;
import graphql.schema.PropertyDataFetcher;
import graphql.schema.TypeResolver;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.TypeRuntimeWiring;
import graphql.schema.idl.errors.SchemaProblem;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.dataloader.DataLoaderOptions;

/**
 * Parses the client schema, compiles every field's directives into fetchers and builds the
 * executable schema, once at start-up. Every problem is a {@link ConfigException} naming the
 * schema file and the line of the field.
 */
final class SchemaLoader {
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  /** Request headers that say who calls: a PUBLIC @cache field must not read them. */
  private static final Set<String> IDENTITY_HEADERS = Set.of("authorization", "cookie", "x-api-key", "proxy-authorization");
  private static final Set<Template.Root> TAG_ROOTS = EnumSet.of(Template.Root.ARGS, Template.Root.CTX,
      Template.Root.HEADER);
  /**
   * {@code #} comments are notes for the team, not descriptions (graphql-java would otherwise
   * publish a comment without a description as one). The schema keeps no AST either: the
   * bindings were compiled from the registry above, and nothing served should carry source text.
   */
  private static final SchemaGenerator.Options GENERATOR_OPTIONS = SchemaGenerator.Options.defaultOptions()
      .useCommentsAsDescriptions(false)
      .captureAstDefinitions(false);

  /** The executable schema and the bindings it was wired with. */
  record Loaded(GraphQLSchema schema, List<RestBinding> bindings) {}

  private final SourceFile file;
  private final Set<String> services;
  private final DataLoaderOptions batchOptions;
  private final Set<String> grpcServices;
  private final DescriptorRegistry grpc;
  private final boolean serviceInErrors;
  /** --check's collecting path: each field's problem is kept here and the next field compiled (null: throw). */
  private List<ConfigException> collected;

  private SchemaLoader(ClientBundle bundle, DescriptorRegistry grpc) {
    this.file = bundle.schema();
    this.serviceInErrors = bundle.config().limits().graphql().serviceNamesInErrors();
    this.grpc = grpc;
    this.grpcServices = bundle.config().grpc().services();
    this.services = bundle.config().services().keySet();
    this.batchOptions = BatchLoader.options(bundle.config().composition().maxBatchSize());
  }

  static Loaded load(ClientBundle bundle) {
    return load(bundle, DescriptorRegistry.load(bundle.config().grpc(), null));
  }

  static Loaded load(ClientBundle bundle, DescriptorRegistry grpc) {
    return new SchemaLoader(bundle, grpc).load();
  }

  /**
   * Every problem start-up would stop at, not only the first: each field's directives compiled on their own, then
   * the schema generated (for {@code --check}).
   */
  static Collected collect(ClientBundle bundle, DescriptorRegistry grpc) {
    SchemaLoader loader = new SchemaLoader(bundle, grpc);
    loader.collected = new ArrayList<>();
    Loaded loaded = null;
    try {
      loaded = loader.load();
    } catch (ConfigException e) {
      loader.collected.add(e);
    }
    return new Collected(loader.collected.isEmpty() ? loaded : null, List.copyOf(loader.collected), loaded);
  }

  /** {@code loaded} when no problem; {@code generated}: the schema even when some fields did not compile. */
  record Collected(Loaded loaded, List<ConfigException> problems, Loaded generated) {}

  private Loaded load() {
    TypeDefinitionRegistry registry;
    try {
      registry = new SchemaParser().parse(file.text());
      registry.merge(new SchemaParser().parse(Directives.SDL));
    } catch (SchemaProblem p) {
      throw problem(p);
    }
    GraphQLCodeRegistry.Builder code = GraphQLCodeRegistry.newCodeRegistry();
    List<RestBinding> bindings = new ArrayList<>();
    List<ObjectTypeDefinition> types = new ArrayList<>(registry.getTypes(ObjectTypeDefinition.class));
    registry.objectTypeExtensions().values().forEach(types::addAll);
    for (ObjectTypeDefinition type : types) {
      for (FieldDefinition field : type.getFieldDefinitions()) {
        try {
          wire(type.getName(), field, code, bindings);
        } catch (ConfigException e) {
          if (collected == null) throw e;
          collected.add(e);
        }
      }
    }
    // Interfaces and unions resolve by the upstream's "__typename".
    TypeResolver byTypename = env -> env.getObject() instanceof Map<?, ?> m && m.get("__typename") instanceof String t
        ? env.getSchema().getObjectType(t) : null;
    // Declared as type wirings: graphql-java's schema check looks for them there, not in the code registry.
    RuntimeWiring.Builder wiring = RuntimeWiring.newRuntimeWiring().scalar(JsonScalar.JSON).codeRegistry(code);
    for (InterfaceTypeDefinition i : registry.getTypes(InterfaceTypeDefinition.class)) {
      wiring.type(TypeRuntimeWiring.newTypeWiring(i.getName()).typeResolver(byTypename));
    }
    for (UnionTypeDefinition u : registry.getTypes(UnionTypeDefinition.class)) {
      wiring.type(TypeRuntimeWiring.newTypeWiring(u.getName()).typeResolver(byTypename));
    }

    try {
      GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(GENERATOR_OPTIONS, registry, wiring.build());
      return new Loaded(PublicSchema.of(schema), List.copyOf(bindings));
    } catch (SchemaProblem p) {
      throw problem(p);
    }
  }

  private void wire(String typeName, FieldDefinition field, GraphQLCodeRegistry.Builder code, List<RestBinding> out) {
    int line = line(field.getSourceLocation());
    String where = typeName + "." + field.getName() + ": ";
    Directive rest = one(field, Directives.REST, where, line);
    Directive grpcCall = one(field, Directives.GRPC, where, line);
    if (grpcCall != null && rest != null) {
      throw new ConfigException(file.name(), line, where + "@grpc and @rest exclude each other");
    }
    Directive map = one(field, Directives.MAP, where, line);
    Directive timeout = one(field, Directives.TIMEOUT, where, line);
    Directive fallback = one(field, Directives.FALLBACK, where, line);
    Directive auth = one(field, Directives.AUTH, where, line);
    Directive hedge = one(field, Directives.HEDGE, where, line);
    Directive cache = one(field, Directives.CACHE, where, line);
    if (cache != null && rest == null && grpcCall == null) {
      throw new ConfigException(file.name(), line, where + "@cache needs @rest (a GET) or @grpc on the same field: it"
          + " keeps a service's answer");
    }
    if (hedge != null && rest == null) {
      throw new ConfigException(file.name(), line, where + "@hedge needs @rest on the same field (gRPC calls are never hedged)");
    }
    FieldCoordinates coords = FieldCoordinates.coordinates(typeName, field.getName());
    DataFetcher<?> fetcher = wireFetch(typeName, field, out, rest, grpcCall, map, timeout, fallback, hedge,
        cache, where, line);
    if (auth != null) {
      // The check wraps whatever fetches the field (a bound call, a @map or a plain property).
      fetcher = new AuthFetcher(fetcher != null ? fetcher : PropertyDataFetcher.fetching(field.getName()),
          scopes(auth, where, line));
    }
    if (fetcher != null) code.dataFetcher(coords, fetcher);
  }

  private Set<String> scopes(Directive auth, String where, int line) {
    Argument a = auth.getArgument("scopes");
    Set<String> out = new LinkedHashSet<>();
    if (a != null && a.getValue() instanceof ArrayValue arr) {
      for (Value<?> v : arr.getValues()) if (v instanceof StringValue s && !s.getValue().isBlank()) out.add(s.getValue().trim());
    } else if (a != null && a.getValue() instanceof StringValue s && !s.getValue().isBlank()) {
      out.add(s.getValue().trim());
    }
    if (out.isEmpty()) throw new ConfigException(file.name(), line, where + "@auth needs scopes: [\"...\"] (at least one)");
    return out;
  }

  /** The field's fetcher from its directives, or null for a plain property. */
  private DataFetcher<?> wireFetch(String typeName, FieldDefinition field, List<RestBinding> out,
      Directive rest, Directive grpcCall, Directive map, Directive timeout, Directive fallback, Directive hedge,
      Directive cache, String where, int line) {
    DataFetcher<?> fetcher = null;
    if (map != null) {
      if (rest != null || grpcCall != null) {
        throw new ConfigException(file.name(), line, where + "@map and @" + (rest != null ? "rest" : "grpc")
            + " exclude each other");
      }
      String from = string(map, "from", true, where, line);
      fetcher = new MapFetcher(selector(from, where + "@map(from:) ", line));
    }
    if (grpcCall != null) {
      try {
        RestBinding b = compileGrpc(typeName, field, grpcCall, timeout, fallback, where, line)
            .withServiceInErrors(serviceInErrors);
        if (cache != null) b = b.withCache(cacheBinding(b, cache, where, line));
        out.add(b);
        return new RestFetcher(b, batchOptions);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(file.name(), line, where + "@grpc: " + e.getMessage());
      }
    }
    if (rest == null) {
      if (timeout != null || fallback != null) {
        throw new ConfigException(file.name(), line, where + "@timeout and @fallback need @rest or @grpc on the same field");
      }
      return fetcher;
    }
    try {
      RestBinding b = compile(typeName, field, rest, timeout, fallback, where, line).withServiceInErrors(serviceInErrors);
      if (hedge != null) b = b.withHedge(hedge(hedge));
      if (cache != null) b = b.withCache(cacheBinding(b, cache, where, line));
      out.add(b);
      return new RestFetcher(b, batchOptions);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file.name(), line, where + "@rest: " + e.getMessage());
    }
  }

  /**
   * {@code @cache}: a GET (or gRPC) call, not batched; durations in bff.yaml's grammar; a PUBLIC answer is shared by
   * every caller, so its request must not read who calls ({@code {ctx.*}}, credentials headers).
   */
  private CacheBinding cacheBinding(RestBinding b, Directive d, String where, int line) {
    String at = where + "@cache";
    if (b.grpc() == null && b.method() != HttpMethod.GET) {
      throw new ConfigException(file.name(), line, at + " keeps GET answers only; this @rest uses " + b.method().name()
          + " (remove @cache, or bind a GET)");
    }
    if (b.batch() != null || (b.grpc() != null && b.grpc().batch() != null)) {
      throw new ConfigException(file.name(), line, at + " does not cache batched fields (batch:): their keys go out"
          + " together; remove @cache or batch:");
    }
    Duration maxAge = cacheDuration(d, "maxAge", true, at, line);
    Duration swr = cacheDuration(d, "staleWhileRevalidate", false, at, line);
    Duration sie = cacheDuration(d, "staleIfError", false, at, line);
    CachePolicy.Scope scope = CachePolicy.Scope.PRIVATE;
    Argument sc = d.getArgument("scope");
    if (sc != null && sc.getValue() instanceof EnumValue ev) scope = CachePolicy.Scope.valueOf(ev.getName());
    if (scope == CachePolicy.Scope.PUBLIC) {
      List<Template.Ref> refs = new ArrayList<>();
      if (b.path() != null) refs.addAll(b.path().refs());
      if (b.body() != null) refs.addAll(b.body().refs());
      if (b.grpc() != null) {
        if (b.grpc().request() != null) refs.addAll(b.grpc().request().refs());
        for (RestBinding.Metadata md : b.grpc().metadata()) if (md.ref() != null) refs.add(md.ref());
      }
      for (Template.Ref r : refs) {
        if (r.root() == Template.Root.CTX || r.root() == Template.Root.HEADER && IDENTITY_HEADERS.contains(
            r.name().toLowerCase(Locale.ROOT))) {
          throw new ConfigException(file.name(), line, at + "(scope: PUBLIC) shares one answer with every caller, but"
              + " the request reads " + r.text() + " (who calls); use scope: PRIVATE");
        }
      }
    }
    Set<String> fixed = new LinkedHashSet<>();
    fixed.add("field:" + b.coordinates());
    fixed.add("service:" + b.service());
    List<Template> templates = new ArrayList<>();
    List<String> declared = new ArrayList<>();
    Argument tags = d.getArgument("tags");
    if (tags != null && tags.getValue() instanceof ArrayValue arr) {
      for (Value<?> v : arr.getValues()) if (v instanceof StringValue sv) declared.add(sv.getValue());
    } else if (tags != null && tags.getValue() instanceof StringValue sv) {
      declared.add(sv.getValue());
    }
    for (String t : declared) {
      if (t.isBlank() || t.length() > 200) {
        throw new ConfigException(file.name(), line, at + "(tags:) a tag must be 1 to 200 characters");
      }
      if (t.indexOf('{') < 0) {
        fixed.add(t);
        continue;
      }
      try {
        templates.add(Template.compile("/" + t, TAG_ROOTS));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(file.name(), line, at + "(tags:) '" + t + "': " + e.getMessage()
            + " (tags may read {args.x}, {ctx.x} and {header.x})");
      }
    }
    return new CacheBinding(b.coordinates(), new CachePolicy(maxAge, scope, swr, sie, declared), fixed, templates);
  }

  private Duration cacheDuration(Directive d, String arg, boolean positive, String at, int line) {
    String text = string(d, arg, positive, at.substring(0, at.length() - "@cache".length()), line);
    if (text == null) return Duration.ZERO;
    Duration v = Units.duration(text);
    if (v == null || (positive && v.isZero())) {
      throw new ConfigException(file.name(), line, at + "(" + arg + ": \"" + text + "\") must be a "
          + (positive ? "positive " : "") + "duration such as \"30s\", \"5m\" or \"250ms\"");
    }
    return v;
  }

  /** {@code @timeout(ms:)}: 0 without the directive. */
  private static long timeoutMs(Directive timeout) {
    if (timeout == null) return 0;
    Argument ms = timeout.getArgument("ms");
    if (ms == null || !(ms.getValue() instanceof IntValue iv) || iv.getValue().signum() <= 0
        || iv.getValue().bitLength() > 31) {
      throw new IllegalArgumentException("@timeout(ms:) must be a positive Int");
    }
    return iv.getValue().longValue();
  }

  /** {@code @fallback(value:)} as a plain value (null without the directive). */
  private static Object fallbackValue(Directive fallback) {
    if (fallback == null) return null;
    Argument v = fallback.getArgument("value");
    return v == null ? null : JsonScalar.toJava(v.getValue(), Map.of());
  }

  /** {@code @hedge(delayMs:, attempts:)}: no delay = the service's observed p95. */
  private static ServiceConfig.Hedge hedge(Directive d) {
    Argument delay = d.getArgument("delayMs");
    Argument attempts = d.getArgument("attempts");
    Duration delayD = null;
    if (delay != null) {
      if (!(delay.getValue() instanceof IntValue iv) || iv.getValue().signum() <= 0 || iv.getValue().bitLength() > 31) {
        throw new IllegalArgumentException("@hedge(delayMs:) must be a positive Int");
      }
      delayD = Duration.ofMillis(iv.getValue().longValue());
    }
    int n = 2;
    if (attempts != null) {
      if (!(attempts.getValue() instanceof IntValue iv) || iv.getValue().intValue() < 2 || iv.getValue().intValue() > 5) {
        throw new IllegalArgumentException("@hedge(attempts:) must be 2 to 5");
      }
      n = iv.getValue().intValue();
    }
    return new ServiceConfig.Hedge(true, delayD, Duration.ofMillis(5), n);
  }

  private RestBinding compile(String typeName, FieldDefinition field, Directive rest, Directive timeout,
      Directive fallback, String where, int line) {
    String service = string(rest, "service", true, where, line);
    if (!services.contains(service)) {
      throw new IllegalArgumentException("unknown service '" + service + "'; bff.yaml services: "
          + String.join(", ", new TreeSet<>(services)));
    }
    if (grpcServices.contains(service)) {
      throw new IllegalArgumentException("service '" + service + "' speaks gRPC (protocol: grpc); bind the field with @grpc");
    }
    String methodName = string(rest, "method", false, where, line);
    methodName = methodName == null ? "GET" : methodName.toUpperCase();
    if (!METHODS.contains(methodName)) throw new IllegalArgumentException("method '" + methodName + "' is not one of " + METHODS);

    Set<String> argNames = new TreeSet<>();
    for (InputValueDefinition a : field.getInputValueDefinitions()) argNames.add(a.getName());

    Template path = Template.compile(string(rest, "path", true, where, line), Template.FIELD_ROOTS);
    checkArgs(path.refs(), argNames);
    String bodyText = string(rest, "body", false, where, line);
    JsonTemplate body = null;
    if (bodyText != null) {
      body = JsonTemplate.compile(bodyText, Template.FIELD_ROOTS);
      checkArgs(body.refs(), argNames);
    }
    Selector select = selector(string(rest, "select", false, where, line), where + "@rest(select:) ", line);

    RestBinding.Batch batch = null;
    Argument batchArg = rest.getArgument("batch");
    if (batchArg != null && batchArg.getValue() instanceof ObjectValue ov) {
      batch = batch(typeName, field, path, ov);
    }
    long timeoutMs = timeoutMs(timeout);
    Object fallbackValue = fallbackValue(fallback);
    return new RestBinding(typeName, field.getName(), service, HttpMethod.valueOf(methodName), path, body, select,
        batch, timeoutMs, fallback != null, fallbackValue);
  }

  private RestBinding compileGrpc(String typeName, FieldDefinition field, Directive d, Directive timeout,
      Directive fallback, String where, int line) {
    String service = string(d, "service", true, where, line);
    if (!grpcServices.contains(service)) {
      throw new IllegalArgumentException(services.contains(service)
          ? "service '" + service + "' is not a gRPC service; add protocol: grpc to services." + service + " in bff.yaml"
          : "unknown service '" + service + "'; gRPC services in bff.yaml: "
              + (grpcServices.isEmpty() ? "none (mark one with protocol: grpc)" : String.join(", ", new TreeSet<>(grpcServices))));
    }
    GrpcMethod method = grpc.require(string(d, "method", true, where, line));
    if (method.clientStreaming()) {
      throw new IllegalArgumentException("'" + method.fullName() + "' is client-streaming; fields can call unary and"
          + " server-streaming methods");
    }
    Set<String> argNames = new TreeSet<>();
    for (InputValueDefinition a : field.getInputValueDefinitions()) argNames.add(a.getName());
    String requestText = string(d, "request", false, where, line);
    JsonTemplate request = null;
    if (requestText != null) {
      request = JsonTemplate.compile(requestText, Template.FIELD_ROOTS);
      checkArgs(request.refs(), argNames);
      // Rendered with nulls it must already fit the request message (field names, shapes).
      try {
        String empty = request.render(ref -> null).toString().trim();
        if (!empty.equals("null")) method.requestFromJson(empty); // a whole-message reference may be null
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("request does not fit " + method.input().getFullName() + ": " + e.getMessage());
      }
    }
    List<RestBinding.Metadata> metadata = new ArrayList<>();
    Argument md = d.getArgument("metadata");
    if (md != null && md.getValue() instanceof ArrayValue av) {
      for (Value<?> v : av.getValues()) {
        String entry = v instanceof StringValue sv ? sv.getValue() : "";
        int colon = entry.indexOf(':');
        String name = colon < 0 ? "" : entry.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = colon < 0 ? "" : entry.substring(colon + 1).trim();
        // gRPC PROTOCOL-HTTP2.md: Header-Name → 1*( %x30-39 / %x61-7A / "_" / "-" / "." ), grpc-* reserved
        if (name.isEmpty() || !name.matches("[a-z0-9][a-z0-9._-]*") || GrpcMetadata.reserved(name)) {
          throw new IllegalArgumentException("metadata entry '" + entry + "' must be \"name: value\" or"
              + " \"name: {ctx.x}\" (lower-case name, not grpc-* nor an HTTP/2 framing header)");
        }
        if (value.startsWith("{") && value.endsWith("}")) {
          List<Template.Ref> refs = JsonTemplate.compile(value, Template.FIELD_ROOTS).refs();
          if (refs.size() != 1) throw new IllegalArgumentException("metadata value '" + value + "' must be one reference");
          checkArgs(refs, argNames);
          metadata.add(new RestBinding.Metadata(name, null, refs.get(0)));
        } else {
          try {
            GrpcMetadata.add(MultiMap.caseInsensitiveMultiMap(), name, value);
          } catch (GrpcFault.Refused r) {
            throw new IllegalArgumentException("metadata entry '" + name + "': " + r.getMessage());
          }
          metadata.add(new RestBinding.Metadata(name, value, null));
        }
      }
    }
    Selector select = selector(string(d, "select", false, where, line), where + "@grpc(select:) ", line);
    GrpcSelect.check(method, select); // a select naming no field of the answer would read null forever
    RestBinding.Batch batch = null;
    RestBinding.GrpcBatch grpcBatch = null;
    Argument batchArg = d.getArgument("batch");
    if (batchArg != null && batchArg.getValue() instanceof ObjectValue ov) {
      if (method.serverStreaming()) {
        throw new IllegalArgumentException("'" + method.fullName() + "' is server-streaming; batch needs a unary method");
      }
      for (RestBinding.Metadata m : metadata) {
        if (m.ref() != null && m.ref().root() != Template.Root.CTX && m.ref().root() != Template.Root.HEADER) {
          throw new IllegalArgumentException("metadata " + m.ref().text() + ": a batched call serves many fields at once;"
              + " its metadata may use {ctx.x} and {header.x} only");
        }
      }
      List<Template.Ref> sources = request == null ? List.of()
          : request.refs().stream().filter(r -> r.root() == Template.Root.SOURCE).toList();
      if (sources.size() != 1) {
        throw new IllegalArgumentException("a batched field's request must contain exactly one {source.x} (the key), found "
            + sources.size() + (request == null ? "" : " in '" + request + "'"));
      }
      grpcBatch = grpcBatch(method, ov);
      String key = objectString(ov, "key");
      Selector batchSelect = Selector.compile(objectString(ov, "select"));
      grpcBatch.keys().checkAnswer(grpcBatch.method(), batchSelect, key);
      batch = new RestBinding.Batch(null, key, batchSelect, sources.get(0), typeName + "." + field.getName());
    }
    long timeoutMs = timeoutMs(timeout);
    Object fallbackValue = fallbackValue(fallback);
    return new RestBinding(typeName, field.getName(), service, HttpMethod.POST, null, null, select, batch, timeoutMs,
        fallback != null, fallbackValue, new RestBinding.GrpcTarget(method, request, List.copyOf(metadata), grpcBatch),
        null);
  }

  /**
   * {@code batch: {method:, request:, select:, key:}} of a {@code @grpc} field. A method without a
   * service ({@code "BatchGetItems"}) is one of the single method's service.
   */
  private RestBinding.GrpcBatch grpcBatch(GrpcMethod single, ObjectValue ov) {
    String name = objectString(ov, "method");
    String requestText = objectString(ov, "request");
    String key = objectString(ov, "key");
    if (name == null || requestText == null || key == null || key.isEmpty()) {
      throw new IllegalArgumentException("batch needs method, request and key strings, e.g. batch: {method: \"BatchGetItems\","
          + " request: \"{\\\"ids\\\": {keys}}\", select: \"items\", key: \"id\"}");
    }
    if (name.indexOf('/') < 0) name = single.descriptor().getService().getFullName() + "/" + name;
    GrpcMethod m = grpc.require(name);
    if (m.clientStreaming() || m.serverStreaming()) {
      throw new IllegalArgumentException("batch method '" + m.fullName() + "' is streaming; batch needs a unary method");
    }
    JsonTemplate request = JsonTemplate.compile(requestText, Template.BATCH_ROOTS);
    return new RestBinding.GrpcBatch(m, request, GrpcKeys.of(m, request));
  }

  private static String objectString(ObjectValue ov, String name) {
    for (ObjectField f : ov.getObjectFields()) {
      if (f.getName().equals(name)) return f.getValue() instanceof StringValue sv ? sv.getValue() : null;
    }
    return null;
  }

  private RestBinding.Batch batch(String typeName, FieldDefinition field, Template single, ObjectValue ov) {
    String pathText = null;
    String key = null;
    String select = null;
    for (ObjectField f : ov.getObjectFields()) {
      String s = f.getValue() instanceof StringValue sv ? sv.getValue() : null;
      switch (f.getName()) {
        case "path" -> pathText = s;
        case "key" -> key = s;
        case "select" -> select = s;
        default -> { }
      }
    }
    if (pathText == null || key == null || key.isEmpty()) throw new IllegalArgumentException("batch needs path and key strings");
    Template path = Template.compile(pathText, Template.BATCH_ROOTS);
    if (path.refs().stream().noneMatch(r -> r.root() == Template.Root.KEYS)) {
      throw new IllegalArgumentException("batch path '" + pathText + "' must contain {keys}");
    }
    List<Template.Ref> sources = single.refs().stream().filter(r -> r.root() == Template.Root.SOURCE).toList();
    if (sources.size() != 1) {
      throw new IllegalArgumentException("a batched field's path must contain exactly one {source.x} (the key), found "
          + sources.size() + " in '" + single.text() + "'");
    }
    return new RestBinding.Batch(path, key, Selector.compile(select), sources.get(0), typeName + "." + field.getName());
  }

  private static void checkArgs(List<Template.Ref> refs, Set<String> argNames) {
    for (Template.Ref r : refs) {
      if (r.root() == Template.Root.ARGS && !argNames.contains(r.name())) {
        throw new IllegalArgumentException(r.text() + " is not an argument of this field"
            + (argNames.isEmpty() ? " (it has none)" : "; arguments: " + String.join(", ", argNames)));
      }
    }
  }

  private Selector selector(String text, String what, int line) {
    try {
      return Selector.compile(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file.name(), line, what + e.getMessage());
    }
  }

  private Directive one(FieldDefinition field, String name, String where, int line) {
    List<Directive> ds = field.getDirectives(name);
    if (ds.size() > 1) throw new ConfigException(file.name(), line, where + "@" + name + " given more than once");
    return ds.isEmpty() ? null : ds.get(0);
  }

  private String string(Directive d, String arg, boolean required, String where, int line) {
    Argument a = d.getArgument(arg);
    Value<?> v = a == null ? null : a.getValue();
    if (v instanceof StringValue s) return s.getValue();
    if (v == null && !required) return null;
    if (v == null) throw new ConfigException(file.name(), line, where + "@" + d.getName() + " needs " + arg + ": \"...\"");
    if (v instanceof NullValue && !required) return null;
    throw new ConfigException(file.name(), line, where + "@" + d.getName() + "(" + arg + ":) must be a string");
  }

  private ConfigException problem(SchemaProblem p) {
    List<GraphQLError> errors = p.getErrors();
    GraphQLError first = errors.isEmpty() ? null : errors.get(0);
    int line = first == null || first.getLocations() == null || first.getLocations().isEmpty()
        ? 0 : line(first.getLocations().get(0));
    String msg = first == null ? p.getMessage() : first.getMessage();
    if (errors.size() > 1) msg += " (and " + (errors.size() - 1) + " more)";
    return new ConfigException(file.name(), line, msg);
  }

  private static int line(SourceLocation loc) {
    return loc == null ? 0 : loc.getLine();
  }
}
