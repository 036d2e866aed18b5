package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The wasm scenario's BFF (issue 18): the iOS bundle as it ships (auth, observe, its {@code /api/posts} proxy route)
 * written as a client folder for {@code bff-ios.jar --config DIR}, plus twin routes that differ only by their filters:
 * {@code /api/posts} as shipped and {@code /wasm/posts} (the same service, rules and upstream path) with the
 * header-only filter; {@code /api/blob} and {@code /wasm/blob} to the {@link BodyUpstream}, the second with the body
 * filter. One process serves both twins, so the comparison is free of what differs between two JVMs: an A/A run with
 * two identical processes (no filters in either) measured the second ×1.09 CPU per request in the open rounds and
 * ×0.97 throughput, as much as the filter's whole cost.
 *
 * <p>The filters are this jar's resources {@link #HEADER_FILTER} and {@link #BODY_FILTER} (wat2wasm builds of the
 * .wat beside them, committed so the bench needs no wabt). {@code BENCH_WASM_HEADER_FILTER} / {@code
 * BENCH_WASM_BODY_FILTER} name other .wasm files instead (e.g. the AssemblyScript builds in {@code filters/dist/}),
 * {@code BENCH_WASM_BODY_CONFIG} the body filter's {@code config:} (YAML flow, e.g. {@code {mask: "#"}}).
 */
final class WasmBundle {
  static final String HEADER_FILTER = "wasm/add-header.wasm";
  static final String BODY_FILTER = "wasm/mask-digits.wasm";
  static final String HEADER_ROUTE = "proxy:/wasm/posts";
  static final String BLOB_ROUTE = "proxy:/wasm/blob";
  /** The pass-through twin with the header filter ({@link Scenarios#PROXY_PATH} is the one without). */
  static final String FILTERED_PROXY_PATH = "/wasm" + Scenarios.PROXY_PATH.substring("/api".length());
  /** The body sizes measured, KiB: {@code GET /api/blob/{kib}}. */
  static final int[] BODY_KIB = {1, 16, 64};

  private WasmBundle() {}

  /** The blob route with the body filter ({@code filtered}) or its twin without. */
  static String blobPath(int kib, boolean filtered) {
    return (filtered ? "/wasm/blob/" : "/api/blob/") + kib;
  }

  /** True when both filters are the built-in ones: the check then knows exactly what each does. */
  static boolean builtInFilters() {
    return blank(System.getenv("BENCH_WASM_HEADER_FILTER")) && blank(System.getenv("BENCH_WASM_BODY_FILTER"));
  }

  /** Which filter files this run measures, for the report. */
  static String describe() {
    return "header-only filter " + source("BENCH_WASM_HEADER_FILTER", HEADER_FILTER) + " on " + HEADER_ROUTE
        + ", body filter " + source("BENCH_WASM_BODY_FILTER", BODY_FILTER) + " on " + BLOB_ROUTE
        + (blank(System.getenv("BENCH_WASM_BODY_CONFIG")) ? "" : " with config " + System.getenv("BENCH_WASM_BODY_CONFIG"));
  }

  private static String source(String env, String resource) {
    return blank(System.getenv(env)) ? "load-tests/src/main/resources/" + resource : System.getenv(env);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * Writes {@code parent/name}: the iOS folder's bff.yaml with the blob service, the twin routes and the filters.wasm
   * section added (and the .wasm files), its schema and screens copied as they are.
   */
  static Path write(Path parent, String name, int blobPort) throws IOException {
    Path src = Scenarios.root().resolve("bff-ios/src/main/resources/bff/ios");
    Path dir = parent.resolve(name);
    Files.createDirectories(dir.resolve("screens"));
    List<String> lines = Files.readAllLines(src.resolve("bff.yaml"));
    StringBuilder yaml = new StringBuilder();
    int inserted = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      yaml.append(line).append('\n');
      if (line.equals("services:")) {
        yaml.append("  blob: { endpoints: \"http://127.0.0.1:").append(blobPort).append("\", timeout: 2s }\n");
        inserted++;
      } else if (line.equals("routes:")) {
        yaml.append("  - { prefix: /api/blob, service: blob, stripPrefix: /api }\n");
        yaml.append("  - { prefix: /wasm/blob, service: blob, stripPrefix: /wasm }\n");
        yaml.append(twin(lines, i + 1));
        inserted++;
      }
    }
    if (inserted != 2 || yaml.indexOf("\nfilters:") >= 0) {
      throw new IOException(src.resolve("bff.yaml") + " changed shape (services:/routes: lines, no filters:); update WasmBundle");
    }
    Files.createDirectories(dir.resolve("filters"));
    copyFilter("BENCH_WASM_HEADER_FILTER", HEADER_FILTER, dir.resolve("filters/header.wasm"));
    copyFilter("BENCH_WASM_BODY_FILTER", BODY_FILTER, dir.resolve("filters/body.wasm"));
    String config = System.getenv("BENCH_WASM_BODY_CONFIG");
    yaml.append("filters:\n  wasm:\n")
        .append("    - { name: header, file: filters/header.wasm, routes: [\"").append(HEADER_ROUTE).append("\"] }\n")
        .append("    - { name: body, file: filters/body.wasm, routes: [\"").append(BLOB_ROUTE).append("\"]")
        .append(blank(config) ? "" : ", config: " + config).append(" }\n");
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.copy(src.resolve("schema.graphqls"), dir.resolve("schema.graphqls"), StandardCopyOption.REPLACE_EXISTING);
    try (var screens = Files.list(src.resolve("screens"))) {
      for (Path f : screens.toList()) Files.copy(f, dir.resolve("screens").resolve(f.getFileName().toString()),
          StandardCopyOption.REPLACE_EXISTING);
    }
    return dir;
  }

  /**
   * The /api/posts route (its lines from {@code from}, up to the next route or section) again as /wasm/posts: the
   * same service, upstream path and content rules (each rule renamed, names being unique).
   */
  private static String twin(List<String> lines, int from) throws IOException {
    if (from >= lines.size() || !lines.get(from).startsWith("  - prefix: /api/posts")) {
      throw new IOException("bff-ios's first route is no longer /api/posts; update WasmBundle");
    }
    StringBuilder out = new StringBuilder("  - prefix: /wasm/posts\n");
    for (int i = from + 1; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith("  - ") || (!l.startsWith("  ") && !l.startsWith("#"))) break;
      if (l.startsWith("#")) continue;
      out.append(l.replace("stripPrefix: /api", "stripPrefix: /wasm").replace("{ name: ", "{ name: wasm-")).append('\n');
    }
    return out.toString();
  }

  private static void copyFilter(String env, String resource, Path to) throws IOException {
    String file = System.getenv(env);
    if (!blank(file)) {
      Files.copy(Path.of(file), to, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try (InputStream in = WasmBundle.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IOException(resource + " is not on the classpath (load-tests/src/main/resources/)");
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * {@code jar --config DIR} ({@code jar}: this build's bff-ios.jar, or another build's) with the iOS BFF's environment
   * (auth on, the bench's IdP, observe as deployed).
   */
  static Scenarios.ProcessTarget start(Path jar, Scenarios.Backends backends, Path dir, Path logDir, String name)
      throws IOException, InterruptedException {
    return Scenarios.startIosBffOnFolder(jar, dir, Scenarios.iosEnv(backends, Map.of()), logDir, name);
  }

  /** The body upstream in its own process; waits for /readyz. */
  static Scenarios.ProcessTarget startUpstream(Path logDir) throws IOException, InterruptedException {
    int port = Scenarios.freePort();
    ChildProcess p = ChildProcess.start("wasm-body-upstream", ChildProcess.java(Scenarios.sutFlags(logDir,
        "wasm-body-upstream"), "-cp", Scenarios.ownClasspath(), BodyUpstream.class.getName(), "--port",
        Integer.toString(port)), Map.of(), logDir);
    return Scenarios.awaitReady(p, port);
  }

  /**
   * The differential check before anything is measured: each twin answers 200, and the filtered twin's answer differs
   * from the other's as the filters say (built-in filters: {@code x-wasm: 1} on the filtered pass-through only; the
   * blob with every digit masked, same length). Returns the problems (none: ok).
   */
  static List<String> check(int port) {
    List<String> problems = new ArrayList<>();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Map<String, String> token = Map.of("authorization", Scenarios.bffHeaders().get("authorization"));
    try {
      HttpResponse<String> off = get(http, port, Scenarios.PROXY_PATH, token);
      HttpResponse<String> on = get(http, port, FILTERED_PROXY_PATH, token);
      if (off.statusCode() != 200 || on.statusCode() != 200) {
        problems.add(Scenarios.PROXY_PATH + ": " + off.statusCode() + ", " + FILTERED_PROXY_PATH + ": " + on.statusCode());
      } else if (builtInFilters() && (off.headers().firstValue("x-wasm").isPresent()
          || !"1".equals(on.headers().firstValue("x-wasm").orElse(null)))) {
        problems.add("x-wasm " + off.headers().firstValue("x-wasm") + " without the filter, "
            + on.headers().firstValue("x-wasm") + " with (want none, then 1)");
      } else if (headersOf(off).equals(headersOf(on))) {
        problems.add(FILTERED_PROXY_PATH + ": the header filter changed no response header");
      }
      for (int kib : BODY_KIB) {
        HttpResponse<String> a = get(http, port, blobPath(kib, false), token);
        HttpResponse<String> b = get(http, port, blobPath(kib, true), token);
        String where = blobPath(kib, true) + ": ";
        if (a.statusCode() != 200 || b.statusCode() != 200) {
          problems.add(where + a.statusCode() + " without the filter, " + b.statusCode() + " with");
        } else if (a.body().length() != kib * 1024) {
          problems.add(where + a.body().length() + " bytes without the filter, want " + kib * 1024);
        } else if (builtInFilters() && !b.body().equals(a.body().replaceAll("[0-9]", "#"))) {
          problems.add(where + "the body filter's answer is not the upstream's with its digits masked");
        } else if (a.body().equals(b.body())) {
          problems.add(where + "the body filter changed nothing");
        }
      }
    } catch (IOException e) {
      problems.add("request failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("interrupted");
    }
    return problems;
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The response headers that do not change from one answer to the next (no date, request id or trace). */
  private static Map<String, List<String>> headersOf(HttpResponse<String> r) {
    Map<String, List<String>> h = new LinkedHashMap<>(r.headers().map());
    h.keySet().removeIf(k -> k.equalsIgnoreCase("date") || k.equalsIgnoreCase("x-request-id")
        || k.equalsIgnoreCase("traceparent") || k.equalsIgnoreCase("content-length")
        || k.toLowerCase(Locale.ROOT).startsWith("ratelimit"));
    return h;
  }
}
