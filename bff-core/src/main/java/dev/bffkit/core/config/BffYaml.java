package dev.bffkit.core.config;

import dev.bffkit.core.config.YamlReader.Obj;
import dev.bffkit.core.config.YamlReader.Scalar;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns the text of a bff.yaml into a validated {@link BffConfig}; the format is described on {@link BundleLoader}. */
final class BffYaml {
  private static final Set<String> ROOT = Set.of("name", "server", "composition", "services", "routes");
  private static final Set<String> SERVER = Set.of("host", "port", "instances", "shutdownGrace",
      "idleTimeout", "maxBodyBytes", "maxHeaderBytes");
  private static final Set<String> COMPOSITION = Set.of("deadline", "adhocGraphql", "graphqlPath",
      "screensPath", "maxBatchSize");
  private static final Set<String> SERVICE = Set.of("endpoints", "connectTimeout", "poolSize",
      "keepAlive", "timeout");
  private static final Set<String> ROUTE = Set.of("prefix", "service", "stripPrefix", "methods");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
      "PATCH", "OPTIONS", "TRACE", "CONNECT");
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]*");
  private static final String EXAMPLE_URL = "http://127.0.0.1:9101";

  private BffYaml() {}

  /** Parses and validates; {@code defaultName} is used when the file has no {@code name:}. */
  static BffConfig parse(String file, String text, String defaultName, EnvInterpolator env) {
    Obj root = new YamlReader(file, env).parseRoot(text, ROOT);
    String name = root.string("name", defaultName);
    if (name.isBlank()) {
      throw root.scalar("name", "").invalid("must not be empty; write e.g. name: " + defaultName);
    }
    Map<String, ServiceConfig> services = services(root.obj("services", null));
    return new BffConfig(name, server(root.obj("server", SERVER)),
        composition(root.obj("composition", COMPOSITION)), services, routes(root, services));
  }

  private static ServerConfig server(Obj o) {
    ServerConfig d = ServerConfig.defaults();
    String host = o.string("host", d.host());
    if (host.isBlank()) {
      throw o.scalar("host", "").invalid("must not be empty; write e.g. 127.0.0.1 or 0.0.0.0");
    }
    return new ServerConfig(host.trim(),
        o.integer("port", d.port(), 0, 65535),
        o.integer("instances", d.instances(), 0, Integer.MAX_VALUE),
        o.duration("shutdownGrace", d.shutdownGrace()),
        o.duration("idleTimeout", d.idleTimeout()),
        o.bytes("maxBodyBytes", d.maxBodyBytes()),
        o.bytes("maxHeaderBytes", d.maxHeaderBytes()));
  }

  private static CompositionConfig composition(Obj o) {
    CompositionConfig d = CompositionConfig.defaults();
    return new CompositionConfig(
        o.duration("deadline", d.deadline()),
        o.bool("adhocGraphql", d.adhocGraphql()),
        path(o, "graphqlPath", d.graphqlPath()),
        path(o, "screensPath", d.screensPath()),
        o.integer("maxBatchSize", d.maxBatchSize(), 1, Integer.MAX_VALUE));
  }

  private static String path(Obj o, String key, String def) {
    if (!o.has(key)) {
      return def;
    }
    Scalar s = o.scalar(key, "");
    if (!s.value.startsWith("/")) {
      throw s.invalid("must start with '/'; write e.g. " + def);
    }
    return s.value;
  }

  private static Map<String, ServiceConfig> services(Obj all) {
    Map<String, ServiceConfig> out = new LinkedHashMap<>();
    for (String name : all.keys()) {
      if (!SERVICE_NAME.matcher(name).matches()) {
        throw all.keyError(name, "'" + name + "' is not a valid service name; use letters, digits,"
            + " '_' and '-', starting with a letter, e.g. " + suggestName(name));
      }
      Obj o = all.obj(name, SERVICE);
      if (!all.has(name)) {
        throw o.error("missing 'endpoints'; write e.g. endpoints: [\"" + EXAMPLE_URL + "\"]");
      }
      List<URI> endpoints = new ArrayList<>();
      for (Scalar s : o.scalars("endpoints")) {
        endpoints.add(endpoint(s));
      }
      if (endpoints.isEmpty()) {
        throw o.error("missing 'endpoints' (at least one base URL); write e.g. endpoints: [\""
            + EXAMPLE_URL + "\"]");
      }
      out.put(name, new ServiceConfig(name, endpoints,
          o.duration("connectTimeout", Duration.ofSeconds(1)),
          o.integer("poolSize", 64, 1, Integer.MAX_VALUE),
          o.duration("keepAlive", Duration.ofSeconds(60)),
          o.duration("timeout", Duration.ofSeconds(10))));
    }
    return out;
  }

  private static String suggestName(String name) {
    String s = name.replaceAll("[^a-zA-Z0-9_-]", "-").replaceAll("^[^a-zA-Z]+", "");
    return s.isEmpty() ? "users" : s;
  }

  /** An absolute http(s) base URL: scheme, host and optional port; normalised without a trailing '/'. */
  private static URI endpoint(Scalar s) {
    String text = s.value.trim();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw s.invalid("is not a valid URL (" + e.getReason() + "); write e.g. " + EXAMPLE_URL);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw s.invalid("is not an http(s) URL; write e.g. " + EXAMPLE_URL);
    }
    String base = scheme + "://" + uri.getRawAuthority();
    if (uri.getRawUserInfo() != null) {
      throw s.invalid("must not carry user info; write " + scheme + "://" + uri.getHost()
          + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!(path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw s.invalid("must be a base URL without path, query or fragment (put paths in @rest or"
          + " routes); write " + base);
    }
    return URI.create(base);
  }

  private static List<ProxyRouteConfig> routes(Obj root, Map<String, ServiceConfig> services) {
    List<ProxyRouteConfig> out = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Obj o : root.objs("routes", ROUTE)) {
      Scalar prefix = o.scalar("prefix", "write e.g. prefix: /api/posts/");
      if (!prefix.value.startsWith("/")) {
        throw prefix.invalid("must start with '/'; write e.g. /" + prefix.value);
      }
      Integer first = seen.putIfAbsent(prefix.value, prefix.node.getStartMark().getLine() + 1);
      if (first != null) {
        throw prefix.invalid("is already routed at line " + first + "; merge the two routes");
      }
      Scalar service = o.scalar("service", "write e.g. service: "
          + services.keySet().stream().findFirst().orElse("posts"));
      if (!services.containsKey(service.value)) {
        throw service.invalid("is not a service; known services: "
            + (services.isEmpty() ? "none (declare it under services:)" : String.join(", ", services.keySet())));
      }
      String strip = "";
      if (o.has("stripPrefix")) {
        Scalar s = o.scalar("stripPrefix", "");
        if (!prefix.value.startsWith(s.value)) {
          throw s.invalid("is not a prefix of '" + prefix.value + "'; write a leading part of it, e.g. "
              + leadingSegment(prefix.value) + ", or remove stripPrefix");
        }
        strip = s.value;
      }
      Set<String> methods = new LinkedHashSet<>();
      for (Scalar m : o.scalars("methods")) {
        String method = m.value.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
          throw m.invalid("is not an HTTP method; write one of GET, HEAD, POST, PUT, DELETE, PATCH,"
              + " OPTIONS, TRACE, CONNECT");
        }
        methods.add(method);
      }
      out.add(new ProxyRouteConfig(prefix.value, service.value, strip, methods));
    }
    return out;
  }

  /** {@code /api/posts/} → {@code /api}: the usual thing to strip. */
  private static String leadingSegment(String prefix) {
    int slash = prefix.indexOf('/', 1);
    return slash < 0 ? prefix : prefix.substring(0, slash);
  }
}
