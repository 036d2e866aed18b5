package dev.bffkit.loadtests.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.NpmTools;
import dev.bffkit.core.NpmTools.Run;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/'s Kustomize overlays, rendered by {@code kubectl kustomize} (kustomize v5) and checked offline: every object
 * against the Kubernetes OpenAPI schemas of kubernetes-models 5.1.0 (and prometheus-operator 6.0.0 for the
 * ServiceMonitor), strictly (unknown fields too: src/test/k8s/validate.mjs), with broken copies that must be refused;
 * then what a schema cannot see: probes on the admin listener, a grace period that covers the drain, a client folder
 * ConfigMap that is the module's folder file for file and loads (with the pod's environment) to the ports the
 * Deployment declares, and selectors, names and ports that point at each other. Without kubectl (or an older one)
 * or npm it is skipped; CI's machine has kubectl 1.32.
 */
class ManifestsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path SOURCES = Path.of("src/test/k8s");
  private static final Path TOOLS = Path.of("target", "k8s").toAbsolutePath();
  /** Each client's port, as its bff.yaml defaults it. */
  private static final Map<String, Integer> CLIENTS = Map.of("ios", 8081, "android", 8082, "web", 8083, "tv", 8084);
  private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)");
  private static final Yaml YAML = new Yaml();

  /** Why the overlays cannot be rendered here (null: rendered); each test skips with it, so the reason is reported. */
  private static String cannotRender;
  private static boolean renderedOnce;

  @BeforeEach
  void render() throws Exception {
    synchronized (ManifestsTest.class) {
      if (!renderedOnce) {
        renderedOnce = true;
        cannotRender = renderAll();
      }
    }
    Assumptions.assumeTrue(cannotRender == null, () -> cannotRender);
  }

  private static String renderAll() throws Exception {
    Run version;
    try {
      version = NpmTools.run(List.of("kubectl", "version", "--client"), ROOT);
    } catch (IOException noKubectl) {
      return "kubectl is not installed (deploy/ needs its kustomize v5 to render): " + noKubectl.getMessage();
    }
    Matcher m = KUSTOMIZE_VERSION.matcher(version.output());
    if (!m.find() || Integer.parseInt(m.group(1)) < 5) {
      return "kubectl's kustomize is older than v5 (Debian's kubernetes-client 1.20 has v2, which cannot read labels:"
          + " or components:): " + version.output();
    }
    Files.createDirectories(TOOLS.resolve("rendered"));
    for (String client : CLIENTS.keySet()) {
      Run r = NpmTools.run(List.of("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone",
          "deploy/overlays/" + client, "--output", rendered(client).toString()), ROOT);
      assertEquals(0, r.exit(), "kubectl kustomize deploy/overlays/" + client + ":\n" + r.output());
    }
    return null;
  }

  @Test
  void everyRenderedObjectValidatesStrictlyAgainstTheKubernetesSchemas() throws Exception {
    List<String> files = new ArrayList<>();
    for (String client : CLIENTS.keySet()) files.add(rendered(client).toString());
    Map<String, Integer> counts = new TreeMap<>();
    for (JsonObject line : validate(files)) {
      assertTrue(line.getBoolean("valid"), () -> "invalid: " + line.encodePrettily());
      counts.merge(Path.of(line.getString("file")).getFileName().toString(), 1, Integer::sum);
    }
    for (String client : CLIENTS.keySet()) {
      List<Map<String, Object>> objects = objects(client);
      assertEquals(objects.size(), counts.getOrDefault(client + ".yaml", 0), "objects validated for " + client);
      assertEquals(List.of("ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
          "PodDisruptionBudget", "Secret", "Service", "Service", "Service", "ServiceMonitor", "StatefulSet"),
          objects.stream().map(o -> (String) o.get("kind")).sorted().toList(), client);
    }
    System.out.println("ManifestsTest: objects per overlay " + counts);
  }

  /** Broken copies of the iOS render: the validator must refuse each, for the reason given. */
  @Test
  void theValidatorRefusesBrokenManifests() throws Exception {
    record Row(String name, String kind, Consumer<Map<String, Object>> breakIt, String expected) {}
    List<Row> rows = List.of(
        new Row("a typo'd probe field", "Deployment",
            d -> rename(container(d), "readinessProbe", "readinesProbe"), "/containers/0/readinesProbe: unknown field"),
        new Row("a typo in metadata", "PodDisruptionBudget",
            p -> rename(map(p, "metadata"), "labels", "lables"), "/metadata/lables: unknown field"),
        new Row("a typo in a selector", "NetworkPolicy",
            n -> rename(map(n, "spec"), "podSelector", "podSelecter"), "/spec/podSelecter: unknown field"),
        new Row("a typo in the ServiceMonitor (CRD)", "ServiceMonitor",
            s -> rename(list(map(s, "spec"), "endpoints").get(0), "bearerTokenSecret", "bearerTokenSecrett"),
            "/spec/endpoints/0/bearerTokenSecrett: unknown field"),
        new Row("a string for an integer", "Deployment",
            d -> map(map(map(d, "spec"), "template"), "spec").put("terminationGracePeriodSeconds", "twenty"),
            "/spec/template/spec/terminationGracePeriodSeconds must be integer"),
        new Row("a quoted number", "HorizontalPodAutoscaler",
            h -> map(h, "spec").put("minReplicas", "3"), "/spec/minReplicas must be integer"),
        new Row("a list for a map", "Deployment",
            d -> map(map(d, "spec"), "selector").put("matchLabels", List.of("a")), "/spec/selector/matchLabels must be object"),
        new Row("a missing container name", "Deployment",
            d -> container(d).remove("name"), "/spec/template/spec/containers/0 must have required property name"),
        new Row("a missing scaleTargetRef", "HorizontalPodAutoscaler",
            h -> map(h, "spec").remove("scaleTargetRef"), "/spec must have required property scaleTargetRef"),
        new Row("a missing Service port", "Service",
            s -> list(map(s, "spec"), "ports").get(0).remove("port"), "/spec/ports/0 must have required property port"),
        new Row("an unknown apiVersion", "Deployment",
            d -> d.put("apiVersion", "apps/v2"), "no schema for apiVersion apps/v2, kind Deployment"),
        new Row("an unknown kind", "Service", s -> s.put("kind", "Servcie"), "no schema for apiVersion v1, kind Servcie"),
        new Row("nothing broken (the control)", "Deployment", d -> {}, null));
    Path dir = Files.createDirectories(TOOLS.resolve("broken"));
    List<String> files = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      Map<String, Object> copy = copy(objects("ios").stream().filter(o -> row.kind().equals(o.get("kind"))).findFirst()
          .orElseThrow());
      row.breakIt().accept(copy);
      Path file = dir.resolve(i + ".yaml");
      Files.writeString(file, new Yaml(blockStyle()).dump(copy));
      files.add(file.toString());
    }
    List<JsonObject> lines = validate(files);
    assertEquals(rows.size(), lines.size(), lines.toString());
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      JsonObject line = lines.get(i);
      if (row.expected() == null) {
        assertTrue(line.getBoolean("valid"), () -> row.name() + ": " + line.encode());
      } else {
        assertFalse(line.getBoolean("valid"), () -> row.name() + " was accepted: " + line.encode());
        assertTrue(line.getJsonArray("errors").stream().anyMatch(e -> e.toString().contains(row.expected())),
            () -> row.name() + ": expected \"" + row.expected() + "\" in " + line.getJsonArray("errors"));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ios", "android", "web", "tv"})
  void theDeploymentFitsTheClientFolder(String client) throws Exception {
    checkFitsTheClientFolder(client, objects(client), TOOLS.resolve("mounted").resolve(client));
  }

  /** Broken copies of the iOS render that are valid Kubernetes objects: the checks above must refuse each. */
  @Test
  void theChecksRefuseAValidButWrongDeployment() throws Exception {
    record Row(String name, Consumer<List<Map<String, Object>>> breakIt) {}
    List<Row> rows = List.of(
        new Row("liveness on /readyz", o -> map(map(container(kind(o, "Deployment")), "livenessProbe"), "httpGet")
            .put("path", "/readyz")),
        new Row("readiness on the client port", o -> map(map(container(kind(o, "Deployment")), "readinessProbe"),
            "httpGet").put("port", "http")),
        new Row("a grace period shorter than the drain", o -> map(map(map(kind(o, "Deployment"), "spec"), "template"),
            "spec").put("terminationGracePeriodSeconds", 12)),
        new Row("no drain delay", o -> list(container(kind(o, "Deployment")), "env")
            .removeIf(e -> "BFF_DRAIN_DELAY".equals(e.get("name")))),
        new Row("a container port that is not the module's", o -> list(container(kind(o, "Deployment")), "ports").get(0)
            .put("containerPort", 8080)),
        new Row("a writable root filesystem", o -> map(container(kind(o, "Deployment")), "securityContext")
            .put("readOnlyRootFilesystem", false)),
        new Row("a screen missing from the ConfigMap", o -> {
          stringMap(named(o, "ConfigMap", "bff-folder-ios").get("data")).remove("screens.home.graphql");
          list(map(list(map(map(map(kind(o, "Deployment"), "spec"), "template"), "spec"), "volumes").get(0), "configMap"),
              "items").removeIf(i -> "screens.home.graphql".equals(i.get("key")));
        }),
        new Row("an item at the wrong path", o -> list(map(list(map(map(map(kind(o, "Deployment"), "spec"), "template"),
            "spec"), "volumes").get(0), "configMap"), "items").get(2).put("path", "home.graphql")),
        new Row("an edited screen", o -> {
          Map<String, String> data = stringMap(named(o, "ConfigMap", "bff-folder-ios").get("data"));
          data.put("screens.home.graphql", data.get("screens.home.graphql") + "# stale copy\n");
        }),
        new Row("an HPA on another Deployment", o -> map(map(kind(o, "HorizontalPodAutoscaler"), "spec"), "scaleTargetRef")
            .put("name", "bff")),
        new Row("a PDB selecting other pods", o -> stringMap(map(map(kind(o, "PodDisruptionBudget"), "spec"), "selector")
            .get("matchLabels")).put("app.kubernetes.io/name", "bff-web")),
        new Row("a Service that also selects Redis", o -> stringMap(map(named(o, "Service", "bff-ios"), "spec").get("selector"))
            .remove("app.kubernetes.io/component")),
        new Row("a ServiceMonitor on a port the Service lacks", o -> list(map(kind(o, "ServiceMonitor"), "spec"), "endpoints")
            .get(0).put("port", "metrics")),
        new Row("a ServiceMonitor with another token", o -> map(list(map(kind(o, "ServiceMonitor"), "spec"), "endpoints")
            .get(0), "bearerTokenSecret").put("key", "BFF_REDIS_URL")),
        new Row("a Redis URL naming no Service", o -> stringMap(kind(o, "Secret").get("data"))
            .put("BFF_REDIS_URL", Base64.getEncoder().encodeToString("redis://redis:6379".getBytes(StandardCharsets.UTF_8)))));
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      List<Map<String, Object>> broken = new ArrayList<>();
      for (Map<String, Object> o : objects("ios")) broken.add(copy(o));
      row.breakIt().accept(broken);
      Path mounted = TOOLS.resolve("mounted-broken").resolve(String.valueOf(i));
      AssertionError refused = null;
      try {
        checkFitsTheClientFolder("ios", broken, mounted);
      } catch (AssertionError expected) {
        refused = expected;
      }
      assertNotNull(refused, row.name() + " passed the checks");
      System.out.println("ManifestsTest: refused " + row.name() + ": " + refused.getMessage().lines().findFirst().orElse(""));
    }
    checkFitsTheClientFolder("ios", objects("ios"), TOOLS.resolve("mounted-broken").resolve("control"));
  }

  private static void checkFitsTheClientFolder(String client, List<Map<String, Object>> objects, Path mountRoot)
      throws Exception {
    Map<String, Object> deployment = only(objects, "Deployment");
    String name = name(deployment);
    assertEquals("bff-" + client, name);
    Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");
    Map<String, String> podLabels = stringMap(map(map(map(deployment, "spec"), "template"), "metadata").get("labels"));
    Map<String, Object> container = container(deployment);
    assertTrue(((String) container.get("image")).startsWith("bffkit/bff-" + client + ":"), container.get("image")::toString);

    Map<String, Integer> ports = new HashMap<>();
    for (Map<String, Object> p : list(container, "ports")) ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
    int http = ports.get("http");
    int admin = ports.get("admin");

    // Probes: on the admin listener (no token needed there for these two paths).
    assertProbe(container, "startupProbe", "/readyz", ports, admin);
    assertProbe(container, "readinessProbe", "/readyz", ports, admin);
    assertProbe(container, "livenessProbe", "/healthz", ports, admin);

    // The pod's environment, every reference resolved in the render (a dangling one would stop the pod).
    Map<String, String> env = podEnv(objects, container);

    // The client folder as the kubelet would lay it out: ConfigMap keys through the volume's items.
    @SuppressWarnings("unchecked") List<String> args = (List<String>) container.get("args");
    String configDir = args.get(args.indexOf("--config") + 1);
    String volumeName = (String) list(container, "volumeMounts").stream()
        .filter(v -> configDir.equals(v.get("mountPath"))).findFirst().orElseThrow().get("name");
    Map<String, Object> configMapVolume = map(list(podSpec, "volumes").stream()
        .filter(v -> volumeName.equals(v.get("name"))).findFirst().orElseThrow(), "configMap");
    Map<String, Object> folderMap = named(objects, "ConfigMap", (String) configMapVolume.get("name"));
    // Text files are data; a binary one (a filter's .wasm) is binaryData, base64 (kustomize decides by UTF-8).
    Map<String, String> data = new TreeMap<>(stringMap(folderMap.get("data")));
    if (folderMap.get("binaryData") != null) {
      stringMap(folderMap.get("binaryData")).forEach((k, b64) -> data.put(k, BINARY + b64.replaceAll("\\s", "")));
    }
    Map<String, String> itemPaths = new TreeMap<>();
    for (Map<String, Object> item : list(configMapVolume, "items")) itemPaths.put((String) item.get("key"), (String) item.get("path"));
    assertEquals(new TreeMap<>(data).keySet(), itemPaths.keySet(), "every ConfigMap key has a volume item, and only those");
    deleteTree(mountRoot);
    Path mounted = Files.createDirectories(mountRoot.resolve("bff"));
    Map<String, String> mountedFiles = new TreeMap<>();
    for (var e : itemPaths.entrySet()) {
      mountedFiles.put(e.getValue(), data.get(e.getKey()));
      Path f = mounted.resolve(e.getValue());
      Files.createDirectories(f.getParent());
      Files.write(f, bytes(data.get(e.getKey())));
    }
    Path folder = ROOT.resolve("bff-" + client + "/src/main/resources/bff/" + client);
    assertEquals(filesOf(folder), mountedFiles,
        "the mounted folder is the module's folder, file for file (a new screen needs its configMapGenerator entry and item)");

    // Loaded as the BFF would in the pod: its ports are the Deployment's, which are the module's defaults.
    BffConfig inPod = BundleLoader.load(mounted, env::get).config();
    BffConfig defaults = BundleLoader.load(folder, n -> null).config();
    assertEquals(CLIENTS.get(client), defaults.server().port(), "the module's default port");
    assertEquals(defaults.server().port(), http, "http containerPort");
    assertEquals(inPod.server().port(), http, "the port the BFF binds in the pod");
    assertEquals(inPod.admin().port(), admin, "admin containerPort (client port + 1000)");
    assertEquals("0.0.0.0", inPod.server().host());
    assertEquals("0.0.0.0", inPod.admin().host(), "the kubelet's probes reach the admin listener");

    // The grace period covers the drain: not-ready but serving (drain delay), then in-flight requests (shutdownGrace).
    Duration drain = duration(env.getOrDefault("BFF_DRAIN_DELAY", "0s"));
    Duration grace = Duration.ofSeconds(((Number) podSpec.get("terminationGracePeriodSeconds")).longValue());
    assertTrue(drain.compareTo(Duration.ofSeconds(1)) >= 0, "a drain delay lets endpoints go before the BFF stops accepting");
    assertTrue(grace.compareTo(drain.plus(inPod.server().shutdownGrace())) > 0,
        () -> "terminationGracePeriodSeconds " + grace + " <= drain " + drain + " + shutdownGrace " + inPod.server().shutdownGrace());

    // Hardening.
    Map<String, Object> podSecurity = map(podSpec, "securityContext");
    Map<String, Object> security = map(container, "securityContext");
    assertEquals(true, podSecurity.get("runAsNonRoot"), "runAsNonRoot");
    assertTrue((Integer) podSecurity.get("runAsUser") > 0, "runAsUser is not root");
    assertEquals("RuntimeDefault", map(podSecurity, "seccompProfile").get("type"), "seccompProfile");
    assertEquals(true, security.get("readOnlyRootFilesystem"), "readOnlyRootFilesystem");
    assertEquals(false, security.get("allowPrivilegeEscalation"), "allowPrivilegeEscalation");
    assertEquals(List.of("ALL"), map(security, "capabilities").get("drop"), "capabilities dropped");
    assertEquals(false, podSpec.get("automountServiceAccountToken"), "automountServiceAccountToken");
    Map<String, Object> resources = map(container, "resources");
    assertEquals(map(resources, "requests").get("memory"), map(resources, "limits").get("memory"),
        "memory limit = request: the JVM's heap is a share of the limit");

    // Everything that selects the pods selects these pods, and not Redis's.
    Map<String, String> redisPodLabels = stringMap(map(map(map(only(objects, "StatefulSet"), "spec"), "template"), "metadata")
        .get("labels"));
    List<Map<String, String>> selectors = new ArrayList<>();
    selectors.add(stringMap(map(map(deployment, "spec"), "selector").get("matchLabels")));
    selectors.add(stringMap(map(map(only(objects, "PodDisruptionBudget"), "spec"), "selector").get("matchLabels")));
    selectors.add(stringMap(map(map(only(objects, "NetworkPolicy"), "spec"), "podSelector").get("matchLabels")));
    for (Map<String, Object> t : list(podSpec, "topologySpreadConstraints")) selectors.add(stringMap(map(t, "labelSelector").get("matchLabels")));
    Map<String, Object> service = named(objects, "Service", name);
    selectors.add(stringMap(map(service, "spec").get("selector")));
    for (Map<String, String> s : selectors) {
      assertTrue(matches(s, podLabels), () -> s + " does not select the pods " + podLabels);
      assertFalse(matches(s, redisPodLabels), () -> s + " also selects Redis " + redisPodLabels);
    }
    assertEquals("http", list(map(service, "spec"), "ports").get(0).get("targetPort"));

    // The autoscaler scales this Deployment, from at least 2 (so the PDB's one disruption leaves a pod).
    Map<String, Object> hpaSpec = map(only(objects, "HorizontalPodAutoscaler"), "spec");
    assertEquals(Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", name), map(hpaSpec, "scaleTargetRef"),
        "the HPA's target");
    assertTrue((Integer) hpaSpec.get("minReplicas") >= 2);

    // The ServiceMonitor finds exactly one Service, whose named port is the pods' admin port, with the pods' token.
    Map<String, Object> monitorSpec = map(only(objects, "ServiceMonitor"), "spec");
    Map<String, String> monitorSelector = stringMap(map(monitorSpec, "selector").get("matchLabels"));
    List<Map<String, Object>> scraped = objects.stream().filter(o -> "Service".equals(o.get("kind")))
        .filter(o -> matches(monitorSelector, stringMap(map(o, "metadata").get("labels")))).toList();
    assertEquals(1, scraped.size(), () -> "Services the ServiceMonitor selects: " + scraped);
    Map<String, Object> endpoint = list(monitorSpec, "endpoints").get(0);
    Map<String, Object> scrapedPort = list(map(scraped.get(0), "spec"), "ports").stream()
        .filter(p -> endpoint.get("port").equals(p.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no port " + endpoint.get("port") + " on " + name(scraped.get(0))));
    assertEquals(admin, ports.get((String) scrapedPort.get("targetPort")));
    assertTrue(matches(stringMap(map(scraped.get(0), "spec").get("selector")), podLabels));
    assertEquals("/metrics", endpoint.get("path"));
    Map<String, Object> tokenRef = map(endpoint, "bearerTokenSecret");
    assertEquals(env.get("BFF_ADMIN_TOKEN"), secretValue(objects, (String) tokenRef.get("name"), (String) tokenRef.get("key")));

    // The demo Redis URL names the rendered Redis Service, which selects the StatefulSet's pods.
    URI redis = URI.create(env.get("BFF_REDIS_URL"));
    Map<String, Object> redisService = named(objects, "Service", redis.getHost());
    assertEquals(redis.getPort(), list(map(redisService, "spec"), "ports").get(0).get("port"));
    assertTrue(matches(stringMap(map(redisService, "spec").get("selector")), redisPodLabels));
  }

  private static void assertProbe(Map<String, Object> container, String probe, String path, Map<String, Integer> ports,
      int admin) {
    Map<String, Object> get = map(map(container, probe), "httpGet");
    assertEquals(path, get.get("path"), probe);
    Object port = get.get("port");
    assertEquals(admin, port instanceof String s ? ports.get(s) : port, probe + " port");
  }

  /** The container's environment with every secretKeyRef, configMapKeyRef and envFrom resolved from the render. */
  private static Map<String, String> podEnv(List<Map<String, Object>> objects, Map<String, Object> container) {
    Map<String, String> env = new HashMap<>();
    for (Map<String, Object> from : list(container, "envFrom")) {
      String cm = (String) map(from, "configMapRef").get("name");
      env.putAll(stringMap(named(objects, "ConfigMap", cm).get("data")));
    }
    for (Map<String, Object> e : list(container, "env")) {
      String n = (String) e.get("name");
      if (e.containsKey("value")) {
        env.put(n, (String) e.get("value"));
      } else if (map(e, "valueFrom").containsKey("secretKeyRef")) {
        Map<String, Object> ref = map(map(e, "valueFrom"), "secretKeyRef");
        env.put(n, secretValue(objects, (String) ref.get("name"), (String) ref.get("key")));
      } else {
        Map<String, Object> ref = map(map(e, "valueFrom"), "configMapKeyRef");
        env.put(n, stringMap(named(objects, "ConfigMap", (String) ref.get("name")).get("data")).get((String) ref.get("key")));
      }
    }
    return env;
  }

  private static String secretValue(List<Map<String, Object>> objects, String secret, String key) {
    String b64 = stringMap(named(objects, "Secret", secret).get("data")).get(key);
    assertNotNull(b64, () -> "Secret " + secret + " has no key " + key);
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }

  /** How a binary file's content is written in these maps: this prefix, then its bytes in base64. */
  private static final String BINARY = "base64:";

  /** The folder's files by relative path (a non-UTF-8 one as BINARY), hidden ones skipped as the BFF skips them. */
  private static Map<String, String> filesOf(Path folder) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        String rel = folder.relativize(f).toString().replace(File.separatorChar, '/');
        if (!f.getFileName().toString().startsWith(".")) files.put(rel, content(Files.readAllBytes(f)));
      }
    }
    return files;
  }

  private static String content(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException binary) {
      return BINARY + Base64.getEncoder().encodeToString(b);
    }
  }

  private static byte[] bytes(String content) {
    return content.startsWith(BINARY) ? Base64.getDecoder().decode(content.substring(BINARY.length()))
        : content.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  private static Duration duration(String text) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(text.trim());
    assertTrue(m.matches(), "a duration like 5s: " + text);
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }

  // --- the render as YAML maps ---

  private static Path rendered(String client) {
    return TOOLS.resolve("rendered").resolve(client + ".yaml");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> objects(String client) throws IOException {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object o : YAML.loadAll(Files.readString(rendered(client)))) if (o != null) objects.add((Map<String, Object>) o);
    return objects;
  }

  private static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
    List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    assertEquals(1, found.size(), () -> kind + " objects: " + found.stream().map(ManifestsTest::name).toList());
    return found.get(0);
  }

  private static Map<String, Object> kind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).findFirst().orElseThrow();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  private static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(name(o))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the render"));
  }

  private static String name(Map<String, Object> object) {
    return (String) map(object, "metadata").get("name");
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return list(map(map(map(deployment, "spec"), "template"), "spec"), "containers").get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    assertTrue(v instanceof Map, () -> key + " is not a mapping in " + parent);
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    return v == null ? List.of() : (List<Map<String, Object>>) v;
  }

  /** Labels, selectors, data: a mapping of strings (empty when absent). */
  @SuppressWarnings("unchecked")
  private static Map<String, String> stringMap(Object value) {
    return value == null ? Map.of() : (Map<String, String>) value;
  }

  private static void rename(Map<String, Object> object, String from, String to) {
    assertTrue(object.containsKey(from), () -> "no " + from + " to rename in " + object);
    object.put(to, object.remove(from));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> copy(Map<String, Object> object) {
    return (Map<String, Object>) YAML.load(YAML.dump(object));
  }

  private static DumperOptions blockStyle() {
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return o;
  }

  // --- the validator (node, pinned by src/test/k8s/package-lock.json) ---

  private static List<JsonObject> validate(List<String> files) throws Exception {
    installValidator();
    List<String> cmd = new ArrayList<>(List.of("node", TOOLS.resolve("validate.mjs").toString()));
    cmd.addAll(files);
    Run r = NpmTools.run(cmd, TOOLS);
    assertEquals(0, r.exit(), "validate.mjs: " + r.output());
    return r.output().lines().filter(l -> l.startsWith("{")).map(JsonObject::new).collect(Collectors.toList());
  }

  private static void installValidator() throws Exception {
    NpmTools.install(SOURCES, TOOLS, List.of("package.json", "package-lock.json", "validate.mjs"), "kubernetes-models",
        "@kubernetes-models/prometheus-operator");
  }
}
