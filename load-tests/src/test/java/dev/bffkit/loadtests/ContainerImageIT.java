package dev.bffkit.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.loadtests.demo.DemoServices;
import dev.bffkit.loadtests.demo.DevIdp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The iOS module's container image (bff-ios/target/jib-image.tar, built by Jib in {@code package}) run as a container
 * runtime would run it, with no Docker daemon: its layers unpacked in order into a root filesystem, its entrypoint
 * started exactly as configured under bubblewrap with that filesystem read-only as {@code /}, a scratch {@code /tmp},
 * its own /proc and /dev, a PID namespace, and the image's user (uid 65532, a real non-root uid on the host too). The
 * host network is shared so it reaches the demo services and dev IdP this test starts on loopback. Skips when bwrap
 * (Debian's bubblewrap) is missing; .ci/run installs it.
 */
class ContainerImageIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path IMAGE = ROOT.resolve("bff-ios/target/jib-image.tar");
  private static final Path ROOTFS = Path.of("target/image-ios/rootfs").toAbsolutePath();
  private static final Pattern STARTUP = Pattern.compile("event=ready .* startup_ms=(\\d+)");

  private static JsonObject config;
  private static List<ImageTar.Entry> entries;
  private static Vertx vertx;
  private static DemoServices services;
  private static DevIdp idp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void unpackImage() throws Exception {
    Assumptions.assumeFalse(Boolean.getBoolean("image.skip"), "the image was not built (-Dimage.skip=true)");
    assertTrue(Files.isRegularFile(IMAGE), IMAGE + " is built in package (jib-maven-plugin buildTar)");
    Map<String, byte[]> members = ImageTar.members(IMAGE);
    JsonObject manifest = new JsonArray(new String(members.get("manifest.json"), StandardCharsets.UTF_8)).getJsonObject(0);
    assertEquals("[\"bffkit/bff-ios:0.1.0-SNAPSHOT\"]", manifest.getJsonArray("RepoTags").encode(),
        "the name deploy/overlays/ios gives the image");
    config = new JsonObject(new String(members.get(manifest.getString("Config")), StandardCharsets.UTF_8));
    List<byte[]> layers = manifest.getJsonArray("Layers").stream().map(l -> members.get((String) l)).toList();
    entries = ImageTar.unpack(layers, ROOTFS);
    long unpacked = entries.stream().mapToLong(ImageTar.Entry::size).sum();
    System.out.printf("image: %s %.1f MB as a tar, %.1f MB unpacked, %d layers%n", IMAGE.getFileName(),
        Files.size(IMAGE) / 1e6, unpacked / 1e6, layers.size());
  }

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopServices() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void imageMetadataRunsTheJarAsNonRootWithContainerSizedFlags() throws IOException {
    JsonObject c = config.getJsonObject("config");
    assertEquals(65532, imageUid(c.getString("User")), "the image's user");
    List<String> entrypoint = strings(c.getJsonArray("Entrypoint"));
    assertEquals("/opt/java/bin/java", entrypoint.get(0));
    assertTrue(entrypoint.contains("-XX:MaxRAMPercentage=75"), "heap sized to the container: " + entrypoint);
    assertTrue(entrypoint.contains("-XX:SharedArchiveFile=/app/bff-ios.jsa"), "the AppCDS archive: " + entrypoint);
    assertTrue(entrypoint.contains("-XX:+ExitOnOutOfMemoryError"), entrypoint.toString());
    assertEquals(List.of("-jar", "/app/bff-ios.jar"), entrypoint.subList(entrypoint.size() - 2, entrypoint.size()),
        "the jar serves its own folder unless the Deployment passes --config /etc/bff");
    assertEquals(tcpPorts(8081, 9081), c.getJsonObject("ExposedPorts").fieldNames(), "the client port and the admin port");
    assertTrue(strings(c.getJsonArray("Env")).containsAll(List.of("BFF_HOST=0.0.0.0", "BFF_ADMIN_HOST=0.0.0.0")));
    assertEquals("bff-ios", c.getJsonObject("Labels").getString("org.opencontainers.image.title"));
    // No file can raise privileges, and the user exists for tools that look it up.
    assertTrue(entries.stream().noneMatch(e -> (e.mode() & 06000) != 0), "no set-uid or set-gid file");
    assertTrue(entries.stream().anyMatch(e -> e.name().equals("app/bff-ios.jsa")), "the AppCDS archive is in the image");
    assertTrue(read(ROOTFS.resolve("etc/passwd")).contains("nonroot:x:65532:65532:"));
    assertTrue(Files.isDirectory(ROOTFS.resolve("etc/bff")), "the ConfigMap's mount point");
    // The check refuses what a root image says.
    for (String root : new String[] {"", "0", "root", "0:0", "root:65532"}) {
      assertThrows(AssertionError.class, () -> assertNotEquals(0, imageUid(root)), "user '" + root + "' is root");
    }
  }

  @Test
  void rootFilesystemIsReadOnlyAndTmpIsWritable() throws Exception {
    assumeBwrap();
    // The image's own java, as the image's user, opening a log file: refused outside /tmp, allowed in it.
    Result app = runToEnd(List.of("/opt/java/bin/java", "-Xlog:gc:file=/app/gc.log", "-version"));
    assertNotEquals(0, app.exit, app.out);
    assertTrue(app.out.contains("Read-only file system"), app.out);
    Result etc = runToEnd(List.of("/opt/java/bin/java", "-Xlog:gc:file=/etc/gc.log", "-version"));
    assertTrue(etc.out.contains("Read-only file system"), etc.out);
    Result tmp = runToEnd(List.of("/opt/java/bin/java", "-Xlog:gc:file=/tmp/gc.log", "-version"));
    assertEquals(0, tmp.exit, tmp.out);
    assertTrue(tmp.out.contains("17."), "the jlinked runtime runs: " + tmp.out);
  }

  @Test
  void servesTheIosHomeScreenFromItsArchiveAsUid65532AndStopsOnSigterm() throws Exception {
    assumeBwrap();
    startDemo();
    int port = freePortPair();
    Path log = ROOTFS.resolveSibling("bff.log");
    Process bff = start(entrypoint(), bffEnv(port), log);
    int startupMs = awaitReady(bff, log);
    ProcessHandle java = javaIn(bff);

    // The kernel's view from outside the sandbox: a real non-root uid, / mounted read-only, the archive mapped.
    String status = read(Path.of("/proc/" + java.pid() + "/status"));
    Matcher uid = Pattern.compile("(?m)^Uid:\\s+(\\d+)\\s+(\\d+)").matcher(status);
    assertTrue(uid.find(), status);
    assertNotEquals("0", uid.group(1), "real uid: " + status);
    assertNotEquals("0", uid.group(2), "effective uid: " + status);
    if (runningAsRoot()) assertEquals("65532", uid.group(2), "setpriv gave it the image's uid");
    assertTrue(rootMountOptions(java).contains("ro"), "/ is mounted read-only: " + rootMountOptions(java));
    assertTrue(read(Path.of("/proc/" + java.pid() + "/maps")).contains("/app/bff-ios.jsa"),
        "the JVM mapped the AppCDS archive of the image");

    // Ready once listening and the identity provider's keys are in (auth.keysBeforeReady): the keys come first.
    awaitLog(bff, log, "event=jwks_loaded");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int ready = get(port + 1000, "/readyz", null).statusCode();
    while (ready != 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      ready = get(port + 1000, "/readyz", null).statusCode();
    }
    assertEquals(200, ready, "readiness on the admin listener");
    for (String alg : new String[] {"RS256", "ES256"}) { // ES256 needs jdk.crypto.ec in the jlinked runtime
      String token = new JsonObject(get(idp.port(), "/token?sub=u1&alg=" + alg, null).body()).getString("access_token");
      HttpResponse<String> home = get(port, "/v1/screens/home", token);
      assertEquals(200, home.statusCode(), alg + ": " + home.body());
      JsonObject data = new JsonObject(home.body()).getJsonObject("data");
      assertEquals("u1", data.getJsonObject("me").getString("id"), home.body());
      assertEquals("Ava Ricci", data.getJsonObject("me").getString("name"), home.body());
      assertFalse(data.getJsonArray("feed").isEmpty(), "the demo's posts: " + home.body());
    }

    java.destroy(); // SIGTERM, as the kubelet sends it to the container's process
    assertTrue(bff.waitFor(15, TimeUnit.SECONDS), "stopped within shutdownGrace (10 s) and a margin");
    String out = read(log);
    // 143 is the JVM's status after its shutdown hooks ran on SIGTERM (128 + 15).
    assertTrue(bff.exitValue() == 0 || bff.exitValue() == 143, "exit " + bff.exitValue() + "\n" + out);
    assertTrue(out.contains("event=stopped bff=ios"), "drained and stopped cleanly:\n" + out);
    assertFalse(out.contains("Read-only file system"), "nothing tried to write outside /tmp:\n" + out);
    assertFalse(out.contains("[cds"), "the JVM took the archive without a warning:\n" + out);
    System.out.println("image: bff-ios ready in " + startupMs + " ms with its AppCDS archive");
  }

  @Test
  void servesAConfigMapMountedAtEtcBffAndWithoutItsArchiveDoesNotMapIt() throws Exception {
    assumeBwrap();
    startDemo();
    int port = freePortPair();
    // A ConfigMap's folder: the module's own, plus a screen the jar does not have, mounted read-only at /etc/bff and
    // named by the args a Deployment passes.
    Path folder = ROOTFS.resolveSibling("configmap");
    ImageTar.deleteTree(folder);
    copyTree(ROOT.resolve("bff-ios/src/main/resources/bff/ios"), folder);
    Files.writeString(folder.resolve("screens/whoami.graphql"), "query WhoAmI { me { id } }\n");
    // The entrypoint less the archive: the JDK's default CDS only. Proves the mapping check of the other test can
    // fail, and measures what the archive saves.
    List<String> command = new ArrayList<>(entrypoint());
    assertTrue(command.remove("-XX:SharedArchiveFile=/app/bff-ios.jsa"));
    command.addAll(List.of("--config", "/etc/bff"));
    Path log = ROOTFS.resolveSibling("bff-configmap.log");
    Process bff = start(command, bffEnv(port), log, "--ro-bind", folder.toString(), "/etc/bff");
    int startupMs = awaitReady(bff, log);
    assertFalse(read(Path.of("/proc/" + javaIn(bff).pid() + "/maps")).contains("/app/bff-ios.jsa"));
    awaitLog(bff, log, "event=jwks_loaded");
    String token = new JsonObject(get(idp.port(), "/token?sub=u7", null).body()).getString("access_token");
    HttpResponse<String> whoami = get(port, "/v1/screens/whoami", token);
    assertEquals(200, whoami.statusCode(), whoami.body());
    assertEquals("u7", new JsonObject(whoami.body()).getJsonObject("data").getJsonObject("me").getString("id"));
    System.out.println("image: bff-ios ready in " + startupMs + " ms without its AppCDS archive");
  }

  // --- the sandbox ---

  private static void assumeBwrap() {
    Assumptions.assumeTrue(onPath("bwrap"), "bwrap (Debian's bubblewrap) is not installed: the image is not run");
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  /**
   * bwrap with the image's filesystem. As root, setpriv first drops to uid 65532 so the process is non-root on the host
   * as well (bwrap's user namespace alone would map the image's uid back to root outside).
   */
  private static List<String> sandbox(Map<String, String> env) throws IOException {
    int uid = imageUid(config.getJsonObject("config").getString("User"));
    List<String> cmd = new ArrayList<>();
    if (runningAsRoot()) {
      cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    cmd.addAll(List.of("bwrap", "--ro-bind", ROOTFS.toString(), "/", "--proc", "/proc", "--dev", "/dev",
        "--tmpfs", "/tmp", "--unshare-user", "--unshare-pid", "--uid", "" + uid, "--gid", "" + uid,
        "--die-with-parent", "--clearenv"));
    env.forEach((k, v) -> cmd.addAll(List.of("--setenv", k, v)));
    return cmd;
  }

  private static boolean runningAsRoot() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
  }

  /** The command in the sandbox; {@code mounts} are more bwrap options (e.g. a --ro-bind of a ConfigMap). */
  private Process start(List<String> command, Map<String, String> env, Path log, String... mounts) throws IOException {
    List<String> cmd = sandbox(env);
    cmd.addAll(List.of(mounts));
    cmd.addAll(command);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(p);
    return p;
  }

  private record Result(int exit, String out) {}

  private Result runToEnd(List<String> command) throws Exception {
    Path log = Files.createTempFile(ROOTFS.getParent(), "run", ".log");
    Process p = start(command, Map.of(), log);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
    return new Result(p.exitValue(), read(log));
  }

  /** The image's Env, then this test's addresses: loopback listeners, the demo services, the dev IdP. */
  private static Map<String, String> bffEnv(int port) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : strings(config.getJsonObject("config").getJsonArray("Env"))) {
      env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    env.put("BFF_HOST", "127.0.0.1");
    env.put("BFF_ADMIN_HOST", "127.0.0.1");
    env.put("BFF_PORT", "" + port);
    env.putAll(services.envUrls());
    env.put("BFF_JWT_ISSUER", idp.issuer());
    env.put("BFF_JWKS_URL", "");
    env.put("BFF_JWT_AUDIENCE", DevIdp.AUDIENCE);
    return env;
  }

  private static List<String> entrypoint() {
    List<String> cmd = new ArrayList<>(strings(config.getJsonObject("config").getJsonArray("Entrypoint")));
    JsonArray args = config.getJsonObject("config").getJsonArray("Cmd");
    if (args != null) cmd.addAll(strings(args));
    return cmd;
  }

  private static int awaitReady(Process bff, Path log) throws Exception {
    Matcher m = STARTUP.matcher(awaitLog(bff, log, "event=ready"));
    assertTrue(m.find());
    return Integer.parseInt(m.group(1));
  }

  /** The log once it has this text (60 s at most, and not after the process ended). */
  private static String awaitLog(Process bff, Path log, String text) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      String out = read(log);
      if (out.contains(text)) return out;
      if (!bff.isAlive()) break;
      Thread.sleep(100);
    }
    throw new AssertionError("the image's BFF did not log " + text + " (exit " + (bff.isAlive() ? "-" : bff.exitValue())
        + "):\n" + read(log));
  }

  /** The JVM: the sandbox's leaf process (bwrap, its PID-namespace init, then java). */
  private static ProcessHandle javaIn(Process bff) {
    Optional<ProcessHandle> java = bff.descendants()
        .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
    assertTrue(java.isPresent(), "a java process under bwrap");
    return java.get();
  }

  /** The mount options of / as the process sees it (its mountinfo's last mount on /). */
  private static String rootMountOptions(ProcessHandle process) throws IOException {
    String options = "";
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/mountinfo"))) {
      String[] f = line.split(" ");
      if (f[4].equals("/")) options = f[5];
    }
    return options;
  }

  // --- the demo and HTTP ---

  private static synchronized void startDemo() throws Exception {
    if (vertx != null) return;
    vertx = Vertx.vertx();
    services = DemoServices.start(vertx, 0).await(10, TimeUnit.SECONDS);
    idp = DevIdp.start(vertx, 0).await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(int port, String path, String bearer) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    if (bearer != null) r.header("authorization", "Bearer " + bearer);
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A free port whose admin port (+1000) is free too. */
  private static int freePortPair() throws IOException {
    for (int i = 0; i < 50; i++) {
      try (ServerSocket a = new ServerSocket(0)) {
        int port = a.getLocalPort();
        if (port + 1000 > 65535) continue;
        try (ServerSocket b = new ServerSocket(port + 1000)) {
          return port;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    throw new IOException("no free port pair");
  }

  // --- small helpers ---

  /**
   * The uid of an image's User ("uid", "uid:gid", or a name). A name or an empty user counts as root (0): Kubernetes'
   * runAsNonRoot cannot verify a name either.
   */
  static int imageUid(String user) {
    String u = user == null ? "" : user.split(":")[0];
    return u.matches("\\d+") ? Integer.parseInt(u) : 0;
  }

  private static Set<String> tcpPorts(int... ports) {
    Set<String> s = new HashSet<>();
    for (int p : ports) s.add(p + "/tcp");
    return s;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) Files.copy(p, to.resolve(from.relativize(p).toString()));
    }
  }

  private static List<String> strings(JsonArray a) {
    return a.stream().map(Object::toString).toList();
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.ISO_8859_1);
  }
}
