package dev.bffkit.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BundleLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --check} on the shipped modules (they pass) and on purpose-broken copies of them: each kind of mistake is
 * found with its file and line, all of them at once. The shipped folders are read from this clone; their shared
 * services, OpenAPI documents and descriptor set come from shared-schemas on the test classpath, as in the jars.
 */
class ContractCheckTest {
  private static final Path MODULES = Path.of("").toAbsolutePath().getParent();

  @TempDir Path tmp;

  static Path shipped(String client) {
    return MODULES.resolve("bff-" + client + "/src/main/resources/bff/" + client);
  }

  private Path copy(String client) throws IOException {
    Path to = tmp.resolve(client);
    try (Stream<Path> files = Files.walk(shipped(client))) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(shipped(client).relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target);
      }
    }
    return to;
  }

  private static void replace(Path file, String from, String to) {
    try {
      String text = Files.readString(file);
      assertTrue(text.contains(from), () -> file + " has '" + from + "'");
      Files.writeString(file, text.replace(from, to));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int lineOf(Path file, String text) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i + 1;
    throw new AssertionError(file + " has no line with '" + text + "'");
  }

  private static ContractCheck.Report check(Path folder) {
    return ContractCheck.check(BundleLoader.load(folder), folder);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ios", "android", "web", "tv"})
  void theShippedModulesPass(String client) {
    ContractCheck.Report r = check(shipped(client));
    assertEquals(List.of(), r.problems());
    assertTrue(r.fields() >= 15, "fields checked: " + r.fields());
  }

  /** One mistake in a copy of the iOS module: its edits, the line --check must name (by a text on it) and what it says. */
  record Row(String name, List<Edit> edits, String file, String anchor, String message) {
    Row(String name, String file, String from, String to, String anchor, String message) {
      this(name, List.of(new Edit(file, from, to)), file, anchor, message);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  record Edit(String file, String from, String to) {}

  static Stream<Row> mistakes() {
    String s = "schema.graphqls";
    return Stream.of(
        new Row("wrong path", s, "/users/{ctx.sub}/feed?", "/users/{ctx.sub}/fed?", "feed(first: Int",
            "Query.feed: GET /users/{ctx.sub}/fed is not an operation in the OpenAPI document of posts (it has:"),
        new Row("wrong method", s, "path: \"/users/{args.id}\")", "path: \"/users/{args.id}\", method: \"DELETE\")",
            "method: \"DELETE\"", "Query.user: DELETE /users/{args.id} is not an operation"),
        new Row("unknown query parameter", s, "&cursor={args.after}", "&sort={args.after}", "feed(first: Int",
            "Query.feed: query parameter 'sort' of /users/{ctx.sub}/feed?limit={args.first}&sort={args.after} is not"
                + " in posts GET /users/{id}/feed (it has: [cursor, limit])"),
        new Row("retyped query parameter", s, "ads(placement: String = \"feed\", limit: Int = 1)",
            "ads(placement: String = \"feed\", limit: Boolean = true)", "ads(placement",
            "Query.ads: argument 'limit' (Boolean) is sent as query parameter 'limit', which the OpenAPI document of"
                + " ads types integer"),
        new Row("select of a missing property", s, "select: \"views\")", "select: \"view\")", "Profile views over",
            "Query.profileViews: select 'view' is not in the answer of analytics GET /users/{id}/summary (it has: [days,"),
        new Row("a screen reads a field the service lacks", List.of(
            new Edit(s, "  verified: Boolean\n", "  verified: Boolean\n  bio2: String\n"),
            new Edit("screens/home.graphql", "me { id name avatar }", "me { id name avatar bio2 }")), s, "bio2: String",
            "User.bio2: reads 'bio2', which users GET /users/{id} does not answer"),
        new Row("@map(from) typo", s, "@map(from: \"avatar.small\")", "@map(from: \"avatar.smal\")", "avatar.smal",
            "User.avatar: @map(from: \"avatar.smal\") reads 'avatar.smal', which users GET /users/{id} does not answer"
                + " (it has: [large, medium, small])"),
        new Row("{source.x} typo", s, "{source.authorId}", "{source.authorID}", "{source.authorID}",
            "Post.author: {source.authorID} is not in the parent's JSON from posts"),
        new Row("retyped field", s, "  likes: Int\n", "  likes: Boolean\n", "likes: Boolean",
            "Post.likes: is Boolean but the JSON is integer in posts"),
        new Row("list where the service answers one", s, "profileViews(days: Int = 7): Int",
            "profileViews(days: Int = 7): [Int]", "Profile views over",
            "Query.profileViews: is a list but analytics GET /users/{id}/summary gives integer"),
        new Row("gRPC method typo", s, "notify.v1.Notifications/GetCount", "notify.v1.Notifications/GetCont",
            "unreadCount: Int", "Query.unreadCount: @grpc: unknown gRPC method"),
        new Row("gRPC request field typo", s, "request: \"{\\\"userId\\\": {ctx.sub}}\"",
            "request: \"{\\\"usrId\\\": {ctx.sub}}\"", "unreadCount: Int", "usrId"),
        new Row("gRPC select of a missing field", s, "select: \"count\")", "select: \"cnt\")", "unreadCount: Int",
            "Query.unreadCount: select 'cnt' is not in the answer of notifications-grpc notify.v1.Notifications/GetCount"),
        new Row("batch key typo", s, "key: \"id\"})", "key: \"uid\"})", "key: \"uid\"",
            "Post.author: batch key 'uid' is not in the items of users GET /users"),
        new Row("screen field unknown to the schema", "screens/home.graphql", "me { id name avatar }",
            "me { id name avatr }", "avatr", "Field 'avatr' in type 'User' is undefined"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void eachMistakeIsFoundWithItsFileAndLine(Row row) throws IOException {
    assertFound("ios", row);
  }

  /** Applies the row's edits to a copy of {@code client}'s module; --check must name its line and say its message. */
  private void assertFound(String client, Row row) throws IOException {
    Path folder = copy(client);
    for (Edit e : row.edits()) replace(folder.resolve(e.file()), e.from(), e.to());
    ContractCheck.Report r = check(folder);
    String where = client + "/" + row.file() + ":" + lineOf(folder.resolve(row.file()), row.anchor()) + ": ";
    assertTrue(r.problems().stream().anyMatch(p -> p.toString().startsWith(where) && p.toString().contains(row.message())),
        () -> "expected " + where + "..." + row.message() + "\n in " + r.problems());
  }

  /** The same kinds of mistake in a copy of the web module (another schema, its own lines). */
  static Stream<Row> webMistakes() {
    String s = "schema.graphqls";
    return Stream.of(
        new Row("wrong path", s, "/users/{ctx.sub}/posts?", "/users/{ctx.sub}/post?", "posts(first: Int",
            "Query.posts: GET /users/{ctx.sub}/post is not an operation in the OpenAPI document of posts"),
        new Row("retyped path parameter", s, "user(id: ID!): User", "user(id: Boolean!): User", "user(id: Boolean!)",
            "Query.user: argument 'id' (Boolean) is sent as path parameter 'id', which the OpenAPI document of users types"
                + " string"),
        new Row("unknown query parameter", s, "summary?days={args.days}", "summary?day={args.days}", "analytics(days",
            "Query.analytics: query parameter 'day' of /users/{ctx.sub}/summary?day={args.days} is not in analytics"),
        new Row("gRPC request field typo", s, "\\\"limit\\\": {args.limit}}", "\\\"limt\\\": {args.limit}}",
            "recommendations(limit", "limt"),
        new Row("gRPC request field retyped", s, "recommendations(limit: Int = 12)", "recommendations(limit: String = \"12\")",
            "recommendations(limit", "Query.recommendations: request field 'limit' (int32 in recs.v1.GetRecommendationsRequest)"
                + " gets {args.limit}, a String; it needs Int (or ID); fix the argument's type or the request"),
        new Row("gRPC request field given a list", s, "recommendations(limit: Int = 12)", "recommendations(limit: [Int] = [12])",
            "recommendations(limit", "a single field cannot take a list"),
        new Row("gRPC select of a missing field", s, "select: \"items\")\n    @timeout(ms: 800)",
            "select: \"itemz\")\n    @timeout(ms: 800)", "recommendations(limit",
            "Query.recommendations: select 'itemz' is not in the answer of recommendations-grpc"),
        new Row("a screen selects a field the service lacks", List.of(
            new Edit(s, "  handle: String\n", "  handle: String\n  nickname: String\n"),
            new Edit("screens/dashboard.graphql", "id name handle bio", "id name handle nickname bio")), s,
            "nickname: String", "User.nickname: reads 'nickname', which users GET /users/{id} does not answer"));
  }

  @ParameterizedTest(name = "web: {0}")
  @MethodSource("webMistakes")
  void eachMistakeInTheWebModuleIsFoundWithItsFileAndLine(Row row) throws IOException {
    assertFound("web", row);
  }

  /** The tv module's gRPC batch (Saved.tile: GetRec, batched into BatchGetRecs). */
  static Stream<Row> tvMistakes() {
    String s = "schema.graphqls";
    return Stream.of(
        new Row("gRPC batch key typo", s, "select: \"items\", key: \"id\"})", "select: \"items\", key: \"rid\"})",
            "tile: Tile", "Saved.tile: batch key 'rid' is not in the items of recommendations-grpc"
                + " recs.v1.Recommendations/BatchGetRecs"),
        new Row("gRPC batch select typo", s, "select: \"items\", key: \"id\"})", "select: \"itms\", key: \"id\"})",
            "tile: Tile", "Saved.tile: batch select 'itms' is not in the answer of recommendations-grpc"),
        new Row("{source.x} into a gRPC request, parent field retyped", s, "  recId: ID!\n", "  recId: [ID!]\n",
            "tile: Tile", "Saved.tile: request field 'id' (string in recs.v1.GetRecRequest) gets {source.recId}, a [ID!];"
                + " a single field cannot take a list; fix the parent field's type or the request"),
        new Row("{source.x} the parent does not declare", s, "\\\"id\\\": {source.recId}}", "\\\"id\\\": {source.recID}}",
            "tile: Tile", "{source.recID}"));
  }

  @ParameterizedTest(name = "tv: {0}")
  @MethodSource("tvMistakes")
  void eachMistakeInTheTvModuleIsFoundWithItsFileAndLine(Row row) throws IOException {
    assertFound("tv", row);
  }

  /** What start-up stops at (the first bad field, the first bad screen) is every one of them under --check. */
  @Test
  void everyStartUpProblemIsReportedNotOnlyTheFirst() throws IOException {
    Path ios = copy("ios");
    Path schema = ios.resolve("schema.graphqls");
    replace(schema, "notify.v1.Notifications/GetCount", "notify.v1.Notifications/GetCont");
    replace(schema, "path: \"/posts/{args.id}\"", "path: \"/posts/{args.nope}\"");
    replace(schema, "/users/{source.authorId}\"", "/users/{source.authorId}\", method: \"FETCH\"");
    Files.writeString(ios.resolve("screens/two-ops.graphql"), "query A { me { id } }\nquery B { me { id } }\n");
    Files.writeString(ios.resolve("screens/mutation.graphql"), "mutation M { me { id } }\n");
    List<String> shown = check(ios).problems().stream().map(Problem::toString).toList();
    List<String> expected = List.of(
        "ios/schema.graphqls:" + lineOf(schema, "unreadCount: Int") + ": Query.unreadCount: @grpc: unknown gRPC method",
        "ios/schema.graphqls:" + lineOf(schema, "post(id: ID!)") + ": Query.post: @rest: {args.nope}",
        "ios/schema.graphqls:" + lineOf(schema, "FETCH") + ": Post.author: @rest: method 'FETCH'",
        "ios/screens/two-ops.graphql:2: a screen holds exactly one operation, found 2",
        "ios/screens/mutation.graphql:1: ");
    for (String e : expected) assertTrue(shown.stream().anyMatch(p -> p.startsWith(e)), () -> e + "\n in " + shown);
    assertEquals(shown.stream().distinct().count(), shown.size(), () -> "no problem twice: " + shown);
    assertEquals(expected.size(), shown.size(), () -> "one problem per mistake: " + shown);
  }

  @Test
  void everyProblemIsReportedNotOnlyTheFirst() throws IOException {
    Path ios = copy("ios");
    Path schema = ios.resolve("schema.graphqls");
    replace(schema, "@map(from: \"avatar.small\")", "@map(from: \"avatar.smal\")");
    replace(schema, "{source.authorId}", "{source.authorID}");
    Files.writeString(ios.resolve("screens/broken.graphql"), "query Broken {\n  me { nope }\n}\n");
    Files.writeString(ios.resolve("screens/also-broken.graphql"), "query AlsoBroken {\n  feed { id\n    text2 }\n}\n");
    ContractCheck.Report r = check(ios);
    List<String> shown = r.problems().stream().map(Problem::toString).toList();
    assertTrue(shown.stream().anyMatch(p -> p.startsWith("ios/screens/broken.graphql:2: ")), shown::toString);
    assertTrue(shown.stream().anyMatch(p -> p.startsWith("ios/screens/also-broken.graphql:3: ")), shown::toString);
    assertTrue(shown.stream().anyMatch(p -> p.contains("avatar.smal")), shown::toString);
    assertTrue(shown.stream().anyMatch(p -> p.contains("{source.authorID}")), shown::toString);
    assertEquals(shown.stream().distinct().count(), shown.size(), () -> "no problem twice: " + shown);
    assertEquals(r.problems().stream().sorted().toList(), r.problems(), "sorted by file and line");
  }

  @Test
  void aBrokenOpenApiDocumentIsAProblemNamingItsLine() throws IOException {
    Path ios = copy("ios");
    Files.writeString(ios.resolve("users.yaml"), "openapi: 3.0.3\ninfo: { title: x, version: '1' }\npaths:\n"
        + "  /users/{id}:\n    get:\n      responses:\n        '200':\n          description: x\n"
        + "          content: { application/json: { schema: { $ref: '#/components/schemas/Nope' } } }\n");
    Files.writeString(ios.resolve("bff.yaml"), Files.readString(ios.resolve("bff.yaml"))
        .replace("services:\n", "services:\n  users: { openapi: users.yaml }\n"));
    ContractCheck.Report r = check(ios);
    int line = lineOf(ios.resolve("bff.yaml"), "openapi: users.yaml");
    assertTrue(r.problems().stream().anyMatch(p -> p.toString().startsWith("ios/bff.yaml:" + line
        + ": services.users.openapi: 'users.yaml' is not a valid OpenAPI 3 document")), r.problems()::toString);

    Files.writeString(ios.resolve("users.yaml"), "openapi: [\n");
    assertTrue(check(ios).problems().stream().anyMatch(p -> p.toString().startsWith("ios/bff.yaml:" + line)));
    // Reported with a schema that does not parse as well (both problems, not the first).
    Path schema = ios.resolve("schema.graphqls");
    Files.writeString(schema, Files.readString(schema) + "\ntype Broken {\n");
    List<String> both = check(ios).problems().stream().map(Problem::toString).toList();
    assertTrue(both.stream().anyMatch(p -> p.startsWith("ios/bff.yaml:" + line)), both::toString);
    assertTrue(both.stream().anyMatch(p -> p.startsWith("ios/schema.graphqls:")), both::toString);
    Files.writeString(schema, Files.readString(schema).replace("\ntype Broken {\n", ""));
    Files.delete(ios.resolve("users.yaml"));
    assertTrue(check(ios).problems().stream().anyMatch(p -> p.toString().contains("'users.yaml' is not a file")));
  }

  @Test
  void withoutAContractSourceReferencesAreCheckedAgainstTheParentType() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mini/screens"));
    Files.writeString(dir.getParent().resolve("bff.yaml"), "services:\n  posts: { endpoints: [\"http://127.0.0.1:9\"] }\n"
        + "  users: { endpoints: [\"http://127.0.0.1:9\"] }\n");
    Files.writeString(dir.getParent().resolve("schema.graphqls"), """
        type Query { post(id: ID!): Post @rest(service: "posts", path: "/posts/{args.id}") }
        type Post {
          id: ID!
          authorId: ID
          author: User @rest(service: "users", path: "/users/{source.authorId}")
          editor: User @rest(service: "users", path: "/users/{source.editorId}")
        }
        type User { id: ID! }
        """);
    // A required variable (no value at check time) and a skipped field are read all the same.
    Files.writeString(dir.resolve("p.graphql"), "query P($id: ID!, $more: Boolean!) {\n  post(id: $id) { author { id }"
        + " editor @include(if: $more) { id } }\n}\n");
    ContractCheck.Report r = check(dir.getParent());
    assertEquals(1, r.problems().size(), r.problems()::toString);
    assertTrue(r.problems().get(0).toString().startsWith("mini/schema.graphqls:6: Post.editor: {source.editorId} reads"
        + " 'editorId' of its parent, which Post does not declare"), r.problems()::toString);
  }

  @Test
  void theCommandPrintsOkOrEveryProblemAndItsExitCode() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, ContractCheck.run(BundleLoader.load(shipped("web")), shipped("web"),
        new PrintStream(out, true, StandardCharsets.UTF_8)));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("ok: 1 screens, "), out::toString);

    Path ios = copy("ios");
    replace(ios.resolve("schema.graphqls"), "select: \"views\")", "select: \"view\")");
    out.reset();
    assertEquals(2, ContractCheck.run(BundleLoader.load(ios), ios, new PrintStream(out, true, StandardCharsets.UTF_8)));
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertTrue(lines[0].startsWith("ios/schema.graphqls:"), lines[0]);
    assertEquals("1 problem", lines[lines.length - 1]);
  }
}
