package dev.bffkit.loadtests.bench;

import dev.bffkit.core.config.AdminConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 19's variants of the iOS client folder, for {@code bff-ios.jar --config DIR}: the same bff.yaml, schema and
 * screens, but for what each variant measures. {@link #cached}: every top-level {@code @rest}/{@code @grpc} field of
 * the schema declared {@code @cache} (PRIVATE, the default: the bench's one user hits what it filled). {@link
 * #deferred}: a {@code home-deferred} screen, the iOS home with its two slowest rows under {@code @defer}.
 */
final class ScreenVariants {
  static final String DEFERRED_PATH = "/v1/screens/home-deferred";
  /** Long enough that every field stays fresh through the scenario's rounds. */
  static final String MAX_AGE = "10m";

  private ScreenVariants() {}

  /** The iOS folder as it ships: the baseline, started the same way as the variants. */
  static Path plain(Path parent) throws IOException {
    return copy(iosFolder(), parent.resolve("ios-plain"));
  }

  static Path cached(Path parent) throws IOException {
    Path src = iosFolder();
    Path dir = copy(src, parent.resolve("ios-cached"));
    StringBuilder schema = new StringBuilder();
    int cached = 0;
    for (String line : Files.readAllLines(src.resolve("schema.graphqls"))) {
      // batched fields (batch:) keep their own path; every other binding gets the directive before it
      if (!line.contains("batch:") && (line.contains("@rest(") || line.contains("@grpc("))) {
        line = line.replace("@rest(", "@cache(maxAge: \"" + MAX_AGE + "\") @rest(")
            .replace("@grpc(", "@cache(maxAge: \"" + MAX_AGE + "\") @grpc(");
        cached++;
      }
      schema.append(line).append('\n');
    }
    if (cached < 6) throw new IOException(src.resolve("schema.graphqls") + ": only " + cached + " bindings; update ScreenVariants");
    Files.writeString(dir.resolve("schema.graphqls"), schema);
    return dir;
  }

  static Path deferred(Path parent) throws IOException {
    Path dir = copy(iosFolder(), parent.resolve("ios-deferred"));
    Files.writeString(dir.resolve("screens/home-deferred.graphql"), """
        # The iOS home with its slowest rows deferred: the first part carries the rest as soon as it is ready.
        query HomeDeferred($first: Int = 10) {
          me { id name avatar }
          feed(first: $first) { id text createdAt likes author { id name avatar } }
          unreadCount
          sponsored: ads(placement: "feed", limit: 1) { id advertiser headline image clickUrl }
          ... @defer(label: "slow") {
            recommendations(limit: 5) { id title kind image }
            profileViews(days: 7)
          }
        }
        """);
    return dir;
  }

  /**
   * Before anything is measured: both BFFs answer the home (200) with the same JSON shape, and the cached one's hits
   * rise when it answers it again (its field cache is in use, not just declared). Returns the problems (none: ok).
   */
  static List<String> checkCached(int plainPort, int cachedPort) throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> plain = home(http, plainPort);
    home(http, cachedPort); // fills the cache
    double hits = hits(http, cachedPort);
    HttpResponse<String> cached = home(http, cachedPort);
    if (plain.statusCode() != 200 || cached.statusCode() != 200) {
      problems.add("home: " + plain.statusCode() + " uncached, " + cached.statusCode() + " cached");
      return problems;
    }
    List<String> diff = JsonShape.differences(new JsonObject(plain.body()).getValue("data"), "uncached",
        new JsonObject(cached.body()).getValue("data"), "cached");
    if (!diff.isEmpty()) problems.add("the answers differ in shape: " + diff);
    double after = hits(http, cachedPort);
    if (!(after > hits)) problems.add("no field cache hit on the second home (bff_field_cache_requests_total{result=\"hit\"} "
        + hits + " then " + after + ")");
    return problems;
  }

  private static HttpResponse<String> home(HttpClient http, int port) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + Scenarios.HOME_PATH))
        .timeout(Duration.ofSeconds(10)).header("authorization", Scenarios.bffHeaders().get("authorization")).build();
    return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The sum of bff_field_cache_requests_total{result="hit"} on the BFF's admin listener (loopback: no token). */
  private static double hits(HttpClient http, int port) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (port + AdminConfig.OFFSET) + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build();
    double sum = 0;
    for (String line : http.send(r, HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
      if (line.startsWith("bff_field_cache_requests_total{") && line.contains("result=\"hit\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Path iosFolder() {
    return Scenarios.root().resolve("bff-ios/src/main/resources/bff/ios");
  }

  private static Path copy(Path src, Path dir) throws IOException {
    Files.createDirectories(dir.resolve("screens"));
    for (String f : new String[] {"bff.yaml", "schema.graphqls"}) {
      Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    try (var screens = Files.list(src.resolve("screens"))) {
      for (Path f : screens.toList()) Files.copy(f, dir.resolve("screens").resolve(f.getFileName().toString()),
          StandardCopyOption.REPLACE_EXISTING);
    }
    return dir;
  }
}
