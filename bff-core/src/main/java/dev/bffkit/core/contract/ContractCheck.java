package dev.bffkit.core.contract;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Template;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.grpc.DescriptorRegistry;
import dev.bffkit.core.grpc.GrpcMethod;
import graphql.ParseAndValidate;
import graphql.analysis.QueryTraversalOptions;
import graphql.analysis.QueryTraverser;
import graphql.analysis.QueryVisitorFieldEnvironment;
import graphql.analysis.QueryVisitorStub;
import graphql.execution.CoercedVariables;
import graphql.language.Document;
import graphql.language.InputValueDefinition;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.OperationDefinition;
import graphql.language.Type;
import graphql.language.TypeName;
import graphql.language.VariableDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import graphql.schema.idl.errors.SchemaProblem;
import graphql.validation.ValidationError;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code --check}: everything the BFF checks at start-up, then every field against its service's contract (OpenAPI
 * document or gRPC descriptors) and every {@code {source.x}} against its parent, reporting every problem with its
 * file:line rather than the first. Nothing listens and nothing is called.
 *
 * <p>What the screens read is what must exist: for each object type, the JSON its values come from (the answers of
 * the fields that return it, after {@code select}, and nested objects inside those) is followed from the contracts,
 * and each field a screen selects on it must be in that JSON (its name, or its {@code @map(from)} path) with a
 * compatible kind.
 */
public final class ContractCheck {
  /** What {@code @rest(method:)} accepts at start-up. */
  private static final Set<String> REST_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private final ClientBundle bundle;
  private final Path folder;
  private final List<Problem> problems = new ArrayList<>();
  private final String schemaFile;
  private SchemaBindings bindings;
  private OpenApiDocuments openapi;
  private DescriptorRegistry grpc = DescriptorRegistry.empty();
  /** The JSON each object type's values come from, where a contract says (identity-distinct shapes). */
  private final Map<String, Map<Shape, String>> sources = new LinkedHashMap<>();
  /** Type → fields the screens select on it. */
  private final Map<String, Set<String>> read = new LinkedHashMap<>();
  private int fieldsChecked;
  /** file:line of each start-up problem, so a screen's own validation does not name the same place twice. */
  private final Set<String> startUp = new LinkedHashSet<>();

  private ContractCheck(ClientBundle bundle, Path folder) {
    this.bundle = bundle;
    this.folder = folder;
    this.schemaFile = bundle.schema().name();
  }

  /** The result: problems sorted by file and line, and what was looked at. */
  public record Report(List<Problem> problems, int screens, int fields) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Runs the checks and prints {@code ok: ...} or one problem per line; 0 when clean, 2 otherwise. */
  public static int run(ClientBundle bundle, Path folder, PrintStream out) {
    return run(bundle, folder, null, out);
  }

  /**
   * As above and, with {@code installed} (the version installed apps were built against; may be null), its breaking
   * changes as problems and its dangerous ones as {@code warning:} lines.
   */
  public static int run(ClientBundle bundle, Path folder, ClientBundle installed, PrintStream out) {
    Report r = check(bundle, folder);
    List<Problem> all = new ArrayList<>(r.problems());
    if (installed != null && r.ok()) {
      Breaking.Result b = Breaking.between(installed, bundle);
      b.dangerous().forEach(p -> out.println("warning: " + p));
      all.addAll(b.breaking());
    }
    if (all.isEmpty()) {
      out.println("ok: " + r.screens() + " screens, " + r.fields() + " fields checked"
          + (installed == null ? "" : "; no breaking change against " + installed.config().name() + "'s installed version"));
      return 0;
    }
    all.forEach(out::println);
    out.println(all.size() + (all.size() == 1 ? " problem" : " problems"));
    return 2;
  }

  /** {@code folder}: the client folder for relative paths (null for a folder built into a jar). */
  public static Report check(ClientBundle bundle, Path folder) {
    return new ContractCheck(bundle, folder).check();
  }

  private Report check() {
    // The start-up checks (descriptors, every field's directives and templates, every screen), all of them.
    for (ConfigException e : CompositionEngine.problems(bundle)) {
      add(e);
      startUp.add(e.file() + ":" + e.line());
    }
    // The contracts before the schema: a broken document is reported even when the schema does not parse.
    Vertx vertx = Vertx.vertx();
    try {
      openapi = OpenApiDocuments.load(vertx, bundle.config().contracts(), folder, problems);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    try {
      grpc = DescriptorRegistry.load(bundle.config().grpc(), folder);
    } catch (ConfigException e) {
      add(e);
    }
    TypeDefinitionRegistry registry;
    try {
      registry = new SchemaParser().parse(bundle.schema().text());
      registry.merge(new SchemaParser().parse(CompositionEngine.directiveDefinitions()));
    } catch (SchemaProblem | InvalidSyntaxException e) {
      return report(0); // the engine's error above names it
    }
    GraphQLSchema schema;
    try {
      schema = UnExecutableSchemaGenerator.makeUnExecutableSchema(registry);
    } catch (RuntimeException e) {
      return report(0);
    }
    bindings = new SchemaBindings(registry);
    int screens = screens(schema);
    fetchedShapes();
    nestedShapes();
    fieldReads();
    return report(screens);
  }

  private Report report(int screens) {
    List<Problem> sorted = new ArrayList<>(new LinkedHashSet<>(problems));
    sorted.sort(null);
    return new Report(List.copyOf(sorted), screens, fieldsChecked);
  }

  /**
   * A folder whose bff.yaml, includes or files do not load: the one problem, printed as any other (stdout,
   * {@code file:line: message}, then the count); 2.
   */
  public static int unloadable(ConfigException e, PrintStream out) {
    out.println(problem(e));
    out.println("1 problem");
    return 2;
  }

  private void add(ConfigException e) {
    problems.add(problem(e));
  }

  private static Problem problem(ConfigException e) {
    String prefix = e.line() > 0 ? e.file() + ":" + e.line() + ": " : e.file() + ": ";
    String msg = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    return new Problem(e.file(), e.line(), msg);
  }

  private void add(SchemaBindings.Field f, String message) {
    problems.add(new Problem(schemaFile, f.line(), f.where() + ": " + message));
  }

  /** Every screen validated on its own (all their problems, not the first), and what each reads. */
  private int screens(GraphQLSchema schema) {
    int n = 0;
    for (SourceFile f : bundle.screens()) {
      n++;
      Document doc;
      try {
        doc = Parser.parse(f.text());
      } catch (InvalidSyntaxException e) {
        int line = e.getLocation() == null ? 0 : e.getLocation().getLine();
        problems.add(new Problem(f.name(), line, e.getMessage()));
        continue;
      }
      List<ValidationError> errors = ParseAndValidate.validate(schema, doc);
      for (ValidationError e : errors) {
        int line = e.getLocations() == null || e.getLocations().isEmpty() ? 0 : e.getLocations().get(0).getLine();
        // The start-up check already named this place (its first error for the screen): one problem per place.
        if (startUp.contains(f.name() + ":" + line)) continue;
        problems.add(new Problem(f.name(), line, e.getDescription() != null ? e.getDescription() : e.getMessage()));
      }
      if (!errors.isEmpty() || doc.getDefinitionsOfType(OperationDefinition.class).size() != 1) continue;
      // Arguments are not coerced (a screen's required variables have no value here), and every Boolean variable is
      // true: an @include field is checked (an @skip one is not; its twin usually is).
      Map<String, Object> flags = new LinkedHashMap<>();
      for (VariableDefinition v : doc.getDefinitionsOfType(OperationDefinition.class).get(0).getVariableDefinitions()) {
        Type<?> t = v.getType() instanceof NonNullType nn ? nn.getType() : v.getType();
        if (t instanceof TypeName name && name.getName().equals("Boolean")) flags.put(v.getName(), true);
      }
      try {
        QueryTraverser.newQueryTraverser().schema(schema).document(doc).coercedVariables(CoercedVariables.of(flags))
            .options(QueryTraversalOptions.defaultOptions().coerceFieldArguments(false)).build()
            .visitPreOrder(new QueryVisitorStub() {
              @Override
              public void visitField(QueryVisitorFieldEnvironment env) {
                if (env.isTypeNameIntrospectionField()) return;
                read.computeIfAbsent(env.getFieldsContainer().getName(), k -> new LinkedHashSet<>())
                    .add(env.getFieldDefinition().getName());
              }
            });
      } catch (RuntimeException e) {
        problems.add(new Problem(f.name(), 0, "cannot follow the screen's fields to check them: " + e.getMessage()));
      }
    }
    return n;
  }

  /** The JSON each @rest / @grpc field's call answers, after select, as the source of the type it returns. */
  private void fetchedShapes() {
    for (Map<String, SchemaBindings.Field> fields : bindings.types().values()) {
      for (SchemaBindings.Field f : fields.values()) {
        Shape answer = null;
        String from = null;
        if (f.rest() != null && openapi.has(f.arg("service"))) {
          Operation op = restOperation(f, f.arg("path"), f.arg("method"));
          if (op != null) {
            answer = OpenApiDocuments.answer(op);
            from = f.arg("service") + " " + op.getHttpMethod() + " " + op.getOpenAPIPath();
            restBatch(f);
          }
        } else if (f.grpc() != null) {
          GrpcMethod m = grpc.method(f.arg("method"));
          if (m != null) {
            answer = Shape.of(m.output());
            if (m.serverStreaming()) answer = new Shape(Shape.Kind.ARRAY, Map.of(), false, answer);
            from = f.arg("service") + " " + m.fullName();
            String request = f.arg("request");
            if (request != null) {
              GrpcRequestTypes.check(f, request, m.input(), bindings.types().get(f.type())).forEach(msg -> add(f, msg));
            }
            grpcBatch(f);
          }
        }
        if (answer == null) continue;
        String select = f.arg("select");
        Shape value = select == null || select.isEmpty() ? answer : answer.path(select);
        if (value == null) {
          add(f, "select '" + select + "' is not in the answer of " + from + " (it has: " + answer.reach(select).names() + ");"
              + " fix the select or the contract");
          continue;
        }
        source(f, value, from);
      }
    }
  }

  /** Records {@code value} as JSON of {@code f}'s type (its items when {@code f} is a list). */
  private void source(SchemaBindings.Field f, Shape value, String from) {
    if (f.returnsList()) {
      if (value.kind() == Shape.Kind.ANY) value = Shape.ANY;
      else if (value.kind() != Shape.Kind.ARRAY) {
        add(f, "is a list but " + from + " gives " + value.kind().name().toLowerCase(Locale.ROOT) + " here;"
            + " select the array (e.g. select: \"items\") or make the field a single value");
        return;
      } else {
        value = value.items() == null ? Shape.ANY : value.items();
      }
    } else if (value.kind() == Shape.Kind.ARRAY) {
      add(f, "is a single value but " + from + " gives an array here; make the field a list or select one item");
      return;
    }
    if (bindings.isObjectType(f.returns()) && value != Shape.ANY) {
      sources.computeIfAbsent(f.returns(), k -> new IdentityHashMap<>()).putIfAbsent(value, from);
    }
  }

  /** Objects inside an object's JSON (a field without a call returning an object type) are JSON of that type. */
  private void nestedShapes() {
    boolean changed = true;
    int rounds = 0;
    while (changed && rounds++ < 50) {
      changed = false;
      for (Map.Entry<String, Map<Shape, String>> e : new ArrayList<>(sources.entrySet())) {
        for (SchemaBindings.Field f : bindings.types().get(e.getKey()).values()) {
          if (f.fetches() || !bindings.isObjectType(f.returns())) continue;
          for (Map.Entry<Shape, String> s : new ArrayList<>(e.getValue().entrySet())) {
            Shape v = s.getKey().path(f.mapFrom() != null ? f.mapFrom() : f.name());
            if (v == null || v == Shape.ANY) continue;
            if (f.returnsList() && v.kind() == Shape.Kind.ARRAY) v = v.items() == null ? Shape.ANY : v.items();
            if (v.kind() != Shape.Kind.OBJECT) continue; // the field check names the mismatch
            Map<Shape, String> target = sources.computeIfAbsent(f.returns(), k -> new IdentityHashMap<>());
            changed |= target.putIfAbsent(v, s.getValue()) == null;
          }
        }
      }
    }
  }

  /** Each field a screen reads against the JSON of its type; each {@code {source.x}} against its parent. */
  private void fieldReads() {
    for (Map.Entry<String, Map<String, SchemaBindings.Field>> t : bindings.types().entrySet()) {
      Map<Shape, String> jsons = sources.getOrDefault(t.getKey(), Map.of());
      Set<String> readHere = read.getOrDefault(t.getKey(), Set.of());
      for (SchemaBindings.Field f : t.getValue().values()) {
        if (f.fetches()) {
          fieldsChecked++;
          for (Template.Ref ref : f.sourceRefs()) sourceRef(f, ref, t.getValue(), jsons);
          continue;
        }
        if (!readHere.contains(f.name())) continue;
        fieldsChecked++;
        String path = f.mapFrom() != null ? f.mapFrom() : f.name();
        for (Map.Entry<Shape, String> s : jsons.entrySet()) {
          Shape v = s.getKey().path(path);
          if (v == null) {
            add(f, (f.mapFrom() != null ? "@map(from: \"" + path + "\") reads '" + path + "'" : "reads '" + path + "'")
                + ", which " + s.getValue() + " does not answer (it has: " + s.getKey().reach(path).names() + "); fix the "
                + (f.mapFrom() != null ? "path" : "name or add @map(from: \"...\")") + ", or the contract");
          } else {
            String mismatch = mismatch(f, v);
            if (mismatch != null) add(f, "is " + mismatch + " in " + s.getValue() + "; fix the field's type or the contract");
          }
        }
      }
    }
  }

  private void sourceRef(SchemaBindings.Field f, Template.Ref ref, Map<String, SchemaBindings.Field> parent,
      Map<Shape, String> jsons) {
    String path = ref.text().substring("{source.".length(), ref.text().length() - 1);
    if (jsons.isEmpty()) {
      // No contract for the parent's JSON: the parent type must at least declare what is read.
      String first = ref.name();
      boolean declared = parent.containsKey(first) || parent.values().stream()
          .anyMatch(g -> g.mapFrom() != null && (g.mapFrom().equals(first) || g.mapFrom().startsWith(first + ".")));
      if (!declared) {
        add(f, ref.text() + " reads '" + first + "' of its parent, which " + f.type() + " does not declare and no"
            + " contract describes; declare it on " + f.type() + " (e.g. " + first + ": ID) or give the parent's"
            + " service an OpenAPI document (services.<name>.openapi)");
      }
      return;
    }
    for (Map.Entry<Shape, String> s : jsons.entrySet()) {
      if (s.getKey().path(path) == null) {
        add(f, ref.text() + " is not in the parent's JSON from " + s.getValue() + " (it has: " + s.getKey().reach(path).names()
            + "); fix the reference or the contract");
      }
    }
  }

  /** Why a field of this GraphQL type cannot hold this JSON, or null when it can. */
  private String mismatch(SchemaBindings.Field f, Shape v) {
    if (v.kind() == Shape.Kind.ANY) return null;
    if (f.returnsList()) {
      return v.kind() == Shape.Kind.ARRAY ? null : "a list but the JSON is " + kind(v);
    }
    if (v.kind() == Shape.Kind.ARRAY) return "a single value but the JSON is an array";
    String type = f.returns();
    boolean ok = switch (type) {
      case "String" -> v.kind() == Shape.Kind.STRING;
      case "ID" -> v.kind() == Shape.Kind.STRING || v.kind() == Shape.Kind.INTEGER;
      case "Int" -> v.kind() == Shape.Kind.INTEGER;
      case "Float" -> v.kind() == Shape.Kind.NUMBER || v.kind() == Shape.Kind.INTEGER;
      case "Boolean" -> v.kind() == Shape.Kind.BOOLEAN;
      case "JSON" -> true;
      default -> bindings.isObjectType(type) ? v.kind() == Shape.Kind.OBJECT : v.kind() == Shape.Kind.STRING; // enums
    };
    return ok ? null : type + " but the JSON is " + kind(v);
  }

  private static String kind(Shape v) {
    return v.kind().name().toLowerCase(Locale.ROOT);
  }

  /** The operation a REST template calls, or null after reporting why none matches. */
  private Operation restOperation(SchemaBindings.Field f, String template, String methodName) {
    if (template == null || !template.startsWith("/")) return null; // the start-up check names it
    String service = f.arg("service");
    String verb = (methodName == null ? "GET" : methodName).toUpperCase(Locale.ROOT);
    if (!REST_METHODS.contains(verb)) return null; // the start-up check names it
    HttpMethod method = HttpMethod.valueOf(verb);
    int q = template.indexOf('?');
    String pathPart = q < 0 ? template : template.substring(0, q);
    List<String> segments = List.of(pathPart.split("/", -1));
    Operation op = openapi.find(service, method, segments);
    if (op == null) {
      add(f, method + " " + pathPart + " is not an operation in the OpenAPI document of " + service + " (it has: "
          + openapi.operations(service) + "); fix the path or the document");
      return null;
    }
    pathParameters(f, segments, op, service);
    queryParameters(f, template, q < 0 ? "" : template.substring(q + 1), op, service);
    return op;
  }

  /** An argument sent whole as a path segment ({@code /users/{args.id}}) has a type the document's parameter takes. */
  private void pathParameters(SchemaBindings.Field f, List<String> segments, Operation op, String service) {
    String[] doc = op.getOpenAPIPath().split("/", -1);
    for (int i = 0; i < doc.length; i++) {
      String s = segments.get(i);
      if (!doc[i].startsWith("{") || !s.startsWith("{args.") || s.indexOf('}') != s.length() - 1) continue;
      String name = doc[i].substring(1, doc[i].length() - 1);
      for (Parameter p : op.getParameters()) {
        if (p.getIn() == Location.PATH && p.getName().equals(name)) {
          argumentType(f, s.substring("{args.".length(), s.length() - 1), p, "path", service);
        }
      }
    }
  }

  /** The template's query parameters exist in the operation, and an argument sent whole has a compatible type. */
  private void queryParameters(SchemaBindings.Field f, String template, String query, Operation op, String service) {
    Map<String, Parameter> declared = new LinkedHashMap<>();
    for (Parameter p : op.getParameters()) if (p.getIn() == Location.QUERY) declared.put(p.getName(), p);
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      Parameter p = declared.get(name);
      if (p == null) {
        add(f, "query parameter '" + name + "' of " + template + " is not in " + service + " " + op.getHttpMethod()
            + " " + op.getOpenAPIPath() + " (it has: " + new TreeSet<>(declared.keySet()) + "); fix the template or"
            + " the document");
        continue;
      }
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      if (value.startsWith("{args.") && value.endsWith("}") && value.indexOf('}') == value.length() - 1) {
        argumentType(f, value.substring("{args.".length(), value.length() - 1), p, "query", service);
      }
    }
  }

  private void argumentType(SchemaBindings.Field f, String arg, Parameter p, String in, String service) {
    if (arg.contains(".")) return;
    InputValueDefinition def = f.def().getInputValueDefinitions().stream()
        .filter(a -> a.getName().equals(arg)).findFirst().orElse(null);
    if (def == null || p.getSchema() == null) return;
    Object t = p.getSchema().get("type");
    if (!(t instanceof String want)) return;
    String have = SchemaBindings.named(def.getType());
    Type<?> type = def.getType() instanceof NonNullType nn ? nn.getType() : def.getType();
    boolean list = type instanceof ListType;
    boolean ok = switch (want) {
      case "integer" -> !list && have.equals("Int");
      case "number" -> !list && (have.equals("Int") || have.equals("Float"));
      case "boolean" -> !list && have.equals("Boolean");
      case "string" -> !list && !have.equals("Boolean") && !have.equals("Float");
      case "array" -> list;
      default -> true;
    };
    if (!ok) {
      add(f, "argument '" + arg + "' (" + (list ? "[" + have + "]" : have) + ") is sent as " + in + " parameter '"
          + p.getName() + "', which the OpenAPI document of " + service + " types " + want + "; fix the argument's type or the"
          + " document");
    }
  }

  /** A REST batch: its path is an operation, its answer (after batch.select) a list whose items carry batch.key. */
  private void restBatch(SchemaBindings.Field f) {
    String path = f.batch("path");
    if (path == null) return;
    Operation op = restOperation(f, path, "GET");
    if (op == null) return;
    batchItems(f, OpenApiDocuments.answer(op), f.arg("service") + " GET " + op.getOpenAPIPath());
  }

  private void grpcBatch(SchemaBindings.Field f) {
    String method = f.batch("method");
    if (method == null) return;
    String full = method.contains("/") ? method : f.arg("method").substring(0, f.arg("method").indexOf('/') + 1) + method;
    GrpcMethod m = grpc.method(full);
    if (m != null) batchItems(f, Shape.of(m.output()), f.arg("service") + " " + full);
  }

  private void batchItems(SchemaBindings.Field f, Shape answer, String from) {
    String select = f.batch("select");
    Shape list = select == null || select.isEmpty() ? answer : answer.path(select);
    if (list == null) {
      add(f, "batch select '" + select + "' is not in the answer of " + from + " (it has: " + answer.reach(select).names() + ")");
      return;
    }
    if (list.kind() == Shape.Kind.ANY) return;
    if (list.kind() != Shape.Kind.ARRAY) {
      add(f, "a batch answers a list, but " + from + " gives " + kind(list) + (select == null ? "" : " at '" + select + "'")
          + "; set batch.select to the array");
      return;
    }
    String key = f.batch("key");
    Shape item = list.items() == null ? Shape.ANY : list.items();
    if (key != null && item.path(key) == null) {
      add(f, "batch key '" + key + "' is not in the items of " + from + " (they have: " + item.reach(key).names() + ")");
    }
  }
}
