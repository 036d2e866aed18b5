package dev.bffkit.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BundleLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --check --against}: a table of changes to the shipped iOS module (the new version) against the shipped one
 * (the version installed apps were built against), each safe, dangerous or breaking, as graphql-inspector would say
 * for the schema and as an installed app would find out for its screens.
 */
class BreakingChangesTest {
  @TempDir Path tmp;

  enum Verdict { SAFE, DANGEROUS, BREAKING }

  /**
   * A change: {@code given} edits to both versions (what the module already had), then {@code edits} to the new one
   * only (a null "from" writes the file, a null "to" deletes it).
   */
  record Row(String name, Verdict verdict, String fragment, List<String[]> given, List<String[]> edits) {
    @Override
    public String toString() {
      return verdict + ": " + name;
    }
  }

  private static final String S = "schema.graphqls";
  private static final String HOME = "screens/home.graphql";

  private static Row row(String name, Verdict v, String fragment, String... fileFromTo) {
    return new Row(name, v, fragment, List.of(), edits(fileFromTo));
  }

  private static List<String[]> edits(String... fileFromTo) {
    List<String[]> edits = new ArrayList<>();
    for (int i = 0; i < fileFromTo.length; i += 3) edits.add(new String[] {fileFromTo[i], fileFromTo[i + 1], fileFromTo[i + 2]});
    return edits;
  }

  /**
   * The shipped iOS schema has no enum, union or input type: both versions get these first (plain fields: nothing
   * resolves them, which the diff does not need), and a screen that reads the enum.
   */
  private static final List<String[]> KINDS = edits(S, "type User {\n", """
      enum Kind { ARTICLE VIDEO }
      union Item = Post | Ad
      input Filter { tag: String }

      type User {
      """, S, "  likes: Int\n", "  likes: Int\n  format: Kind\n", S, "type Query {\n", """
      type Query {
        items: [Item!]
        search(filter: Filter): [Post!]
      """, "screens/latest.graphql", null, "query Latest {\n  feed { id format }\n}\n");

  private static Row given(List<String[]> given, String name, Verdict v, String fragment, String... fileFromTo) {
    return new Row(name, v, fragment, given, edits(fileFromTo));
  }

  static Stream<Row> changes() {
    return Stream.of(
        row("a nullable field added", Verdict.SAFE, null, S, "  verified: Boolean\n", "  verified: Boolean\n  bio: String\n"),
        row("an optional variable added", Verdict.SAFE, null, HOME, "query Home($first: Int = 10)",
            "query Home($first: Int = 10, $tag: String)", HOME, "ads(placement: \"feed\"", "ads(placement: $tag"),
        row("a screen added", Verdict.SAFE, null, "screens/profile.graphql", null, "query Profile { me { id name } }\n"),
        row("a field deprecated", Verdict.SAFE, null, S, "  handle: String\n", "  handle: String @deprecated(reason: \"use name\")\n"),
        row("an output made non-null", Verdict.SAFE, null, S, "  name: String\n  handle", "  name: String!\n  handle"),
        row("a list's items made non-null", Verdict.SAFE, null, S, "): [Rec!]", "): [Rec!]!"),
        row("a field added to a screen", Verdict.SAFE, null, HOME, "me { id name avatar }", "me { id name avatar handle }"),
        row("a root field added", Verdict.SAFE, null, S, "type Query {\n", "type Query {\n  hello: String\n"),
        row("a timeout changed (internal)", Verdict.SAFE, null, S, "@timeout(ms: 300) @fallback(value: 0)\n\n",
            "@timeout(ms: 900) @fallback(value: 0)\n\n"),
        row("a service path changed (internal)", Verdict.SAFE, null, S, "path: \"/posts/{args.id}\"", "path: \"/posts/{args.id}?v=2\""),
        row("a screen removed", Verdict.BREAKING, "screen 'home' was removed", HOME, "", null),
        row("a field dropped from a screen", Verdict.BREAKING, "'me.avatar' is no longer in the home answer", HOME,
            "me { id name avatar }", "me { id name }"),
        row("a field removed from the schema", Verdict.BREAKING, "User.handle", S, "  handle: String\n", ""),
        row("a field retyped", Verdict.BREAKING, "'feed.likes' in the home answer was Int and is now Float", S,
            "  likes: Int\n", "  likes: Float\n"),
        row("a non-null output made nullable", Verdict.BREAKING, "(it may now be null", S, "type User {\n  id: ID!",
            "type User {\n  id: ID"),
        row("a required variable added", Verdict.BREAKING, "variable $region is new and required", HOME,
            "query Home($first: Int = 10)", "query Home($first: Int = 10, $region: ID!)",
            HOME, "me { id name avatar }", "me { id name avatar }\n  user(id: $region) { id }"),
        row("a variable made stricter", Verdict.BREAKING, "variable $first was Int and is now Int!", HOME,
            "query Home($first: Int = 10)", "query Home($first: Int! = 10)"),
        row("an alias renamed", Verdict.BREAKING, "'sponsored' is no longer in the home answer", HOME, "sponsored: ads(",
            "promos: ads("),
        row("a list made single", Verdict.BREAKING, "'feed' in the home answer was [Post!] and is now Post", S,
            "feed(first: Int = 10, after: String): [Post!]", "feed(first: Int = 10, after: String): Post"),
        row("a required argument added", Verdict.BREAKING, "Query.user", S, "user(id: ID!): User", "user(id: ID!, region: String!): User"),
        row("an argument removed", Verdict.BREAKING, "Query.ads", S, "ads(placement: String = \"feed\", limit: Int = 1)",
            "ads(limit: Int = 1)", S, "placement={args.placement}&", "placement=feed&",
            HOME, "ads(placement: \"feed\", limit: 1)", "ads(limit: 1)"),
        row("a variable removed", Verdict.DANGEROUS, "variable $first was removed", HOME, "query Home($first: Int = 10)",
            "query Home", HOME, "feed(first: $first)", "feed(first: 10)"),
        row("a variable retyped", Verdict.BREAKING, "variable $first was Int and is now Float", HOME,
            "query Home($first: Int = 10)", "query Home($first: Float = 10)", S, "feed(first: Int = 10,",
            "feed(first: Float = 10,"),
        row("a variable made optional", Verdict.SAFE, null, HOME, "query Home($first: Int = 10)",
            "query Home($first: Int = 10, $days: Int)", HOME, "profileViews(days: 7)", "profileViews(days: $days)"),
        row("an argument retyped", Verdict.BREAKING, "Query.user", S, "user(id: ID!): User", "user(id: Int!): User"),
        row("an argument renamed that a screen used", Verdict.BREAKING,
            "the old 'home' operation no longer validates against the new schema (line 13 of the old", S,
            "ads(placement: String = \"feed\"", "ads(slot: String = \"feed\"", S, "placement={args.placement}",
            "placement={args.slot}", HOME, "ads(placement: \"feed\"", "ads(slot: \"feed\""),
        row("a description changed", Verdict.SAFE, null, S, "\"Profile views over the last `days` days.\"",
            "\"Profile views in the last `days` days (UTC).\""),
        given(KINDS, "an enum value removed", Verdict.BREAKING, "Kind", S, "enum Kind { ARTICLE VIDEO }", "enum Kind { ARTICLE }"),
        given(KINDS, "an enum value added", Verdict.DANGEROUS, "installed apps may receive a value they do not know", S,
            "enum Kind { ARTICLE VIDEO }", "enum Kind { ARTICLE VIDEO PODCAST }"),
        given(KINDS, "an enum field made a string", Verdict.BREAKING, "'feed.format' in the latest answer was Kind and is"
            + " now String", S, "  format: Kind\n", "  format: String\n"),
        given(KINDS, "a union member removed", Verdict.BREAKING, "Item", S, "union Item = Post | Ad", "union Item = Post"),
        given(KINDS, "a union member added", Verdict.DANGEROUS, "Item", S, "union Item = Post | Ad", "union Item = Post | Ad | Rec"),
        given(KINDS, "an input field added as required", Verdict.BREAKING, "Filter", S, "input Filter { tag: String }",
            "input Filter { tag: String region: String! }"),
        given(KINDS, "an input field added as optional", Verdict.SAFE, null, S, "input Filter { tag: String }",
            "input Filter { tag: String region: String }"),
        given(KINDS, "an input type removed (its argument with it)", Verdict.BREAKING, "Query.search", S,
            "input Filter { tag: String }\n", "", S, "search(filter: Filter)", "search(tag: String)"),
        given(KINDS, "a screen's field removed where the schema keeps it", Verdict.BREAKING,
            "'feed.format' is no longer in the latest answer", "screens/latest.graphql", "feed { id format }", "feed { id }"));
  }

  private Path copy(String client) throws IOException {
    return copy(client, client);
  }

  /** The shipped module copied into {@code as} (its name in problems is the folder's). */
  private Path copy(String client, String as) throws IOException {
    Path from = ContractCheckTest.shipped(client);
    Path to = tmp.resolve(as).resolve(client);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target);
      }
    }
    return to;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void eachChangeIsJudgedAsAnInstalledAppWouldFindIt(Row row) throws IOException {
    Path installed = row.given().isEmpty() ? ContractCheckTest.shipped("ios") : apply(copy("ios", "installed"), row.given());
    Path next = apply(apply(copy("ios", "ios"), row.given()), row.edits());
    judge(row, Breaking.between(BundleLoader.load(installed), BundleLoader.load(next)));
  }

  private static Path apply(Path folder, List<String[]> edits) throws IOException {
    for (String[] e : edits) {
      Path f = folder.resolve(e[0]);
      if (e[2] == null) {
        Files.delete(f);
      } else if (e[1] == null) {
        Files.writeString(f, e[2]);
      } else {
        String text = Files.readString(f);
        assertTrue(text.contains(e[1]), () -> f + " has '" + e[1] + "'");
        Files.writeString(f, text.replace(e[1], e[2]));
      }
    }
    return folder;
  }

  private static void judge(Row row, Breaking.Result r) {
    switch (row.verdict()) {
      case SAFE -> {
        assertEquals(List.of(), r.breaking());
        assertEquals(List.of(), r.dangerous());
      }
      case DANGEROUS -> {
        assertEquals(List.of(), r.breaking());
        assertTrue(r.dangerous().stream().anyMatch(p -> p.toString().contains(row.fragment())), r.dangerous()::toString);
      }
      case BREAKING -> assertTrue(r.breaking().stream().anyMatch(p -> p.toString().contains(row.fragment())),
          () -> "expected '" + row.fragment() + "' in " + r.breaking());
    }
  }

  /** Each problem names the new version's file and the line to fix (what is gone: where it was, in the message). */
  @Test
  void problemsPointAtTheLineToFix() throws IOException {
    Path next = apply(copy("ios"), edits(HOME, "me { id name avatar }", "me { id name }",
        HOME, "query Home($first: Int = 10)", "query Home($first: Int = 10, $region: ID!)",
        HOME, "profileViews(days: 7)", "profileViews(days: 7)\n  user(id: $region, region: \"eu\") { id }",
        S, "  handle: String\n", "", S, "user(id: ID!): User", "user(id: ID!, region: String!): User"));
    List<String> shown = Breaking.between(BundleLoader.load(ContractCheckTest.shipped("ios")), BundleLoader.load(next))
        .breaking().stream().map(Problem::toString).toList();
    for (String expected : List.of("ios/screens/home.graphql:3: 'me.avatar' is no longer in the home answer",
        "ios/screens/home.graphql:2: variable $region is new and required",
        "ios/schema.graphqls:30: User.handle: ", "it was at line 33 of the installed version",
        "ios/schema.graphqls:4: Query.user: ")) {
      assertTrue(shown.stream().anyMatch(p -> p.contains(expected)), () -> "expected '" + expected + "' in " + shown);
    }
  }

  @Test
  void theCommandFailsOnBreakingChangesAndWarnsOnDangerousOnes() throws IOException {
    Path next = copy("ios");
    Path home = next.resolve(HOME);
    Files.writeString(home, Files.readString(home).replace("query Home($first: Int = 10)", "query Home")
        .replace("feed(first: $first)", "feed(first: 10)"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    assertEquals(0, ContractCheck.run(BundleLoader.load(next), next, BundleLoader.load(ContractCheckTest.shipped("ios")), print));
    String shown = out.toString(StandardCharsets.UTF_8);
    assertTrue(shown.startsWith("warning: ios/screens/home.graphql:2: variable $first was removed"), shown);
    assertTrue(shown.contains("ok: 1 screens, ") && shown.contains("no breaking change"), shown);

    Files.writeString(home, Files.readString(home).replace("me { id name avatar }", "me { id name }"));
    out.reset();
    assertEquals(2, ContractCheck.run(BundleLoader.load(next), next, BundleLoader.load(ContractCheckTest.shipped("ios")), print));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("'me.avatar' is no longer in the home answer"), out::toString);
  }
}
