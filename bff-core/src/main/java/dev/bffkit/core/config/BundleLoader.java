package dev.bffkit.core.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Loads a client folder: {@code bff.yaml}, {@code schema.graphqls} and {@code screens/*.graphql}.
 * The folder may be a plain directory or a folder inside a jar (a zip {@link
 * java.nio.file.FileSystem}); only {@link Files} is used. Every problem is a {@link
 * ConfigException} naming the file, the line and the field, e.g. {@code ios/bff.yaml:14:
 * services.posts.endpoints[0]: 'htp://x' is not an http(s) URL; write e.g. http://127.0.0.1:9101}.
 *
 * <h2>bff.yaml</h2>
 *
 * <p>Every key, its type, default and meaning is declared once in {@link ConfigKeys}; {@code docs/config-reference.md}
 * and {@code docs/bff.schema.json} are generated from there ({@link ConfigReference}). {@code include:} merges shared
 * fragments ({@link IncludedFiles}) and {@code services.defaults} gives every service its starting keys.
 *
 * <p>With auth on, templates read the caller as {@code {ctx.sub}}, {@code {ctx.scope}} (space
 * separated), {@code {ctx.tier}} (API keys), {@code {ctx.iss}} and {@code {ctx.claims.NAME}};
 * schema fields may require scopes with {@code @auth(scopes: ["..."])} (null plus a
 * {@code FORBIDDEN} error without them).
 *
 * <p>Only {@code services.<name>.endpoints} and {@code routes[i].prefix/service} are required.
 * Shares are {@code 0.2} or {@code 20%}. Upstream calls carry their remaining budget in
 * milliseconds in {@code x-request-timeout-ms} ({@code grpc-timeout} for gRPC). An empty value ({@code key:} or {@code ~}) counts as not given. Unknown keys are
 * errors. Endpoints are absolute http(s) base URLs without path or query, stored without the
 * trailing '/'. Route methods are case-insensitive and stored upper case.
 *
 * <p>Environment references in values: {@code ${NAME}} (error when unset), {@code
 * ${NAME:-default}} (default when unset or empty; may be empty), <code>$${</code> for a literal
 * <code>${</code>. They are expanded before conversion, so {@code port: ${BFF_PORT:-8081}} is an
 * int.
 */
public final class BundleLoader {
  private static final Pattern SCREEN_NAME = Pattern.compile("[a-z0-9][a-z0-9-_]*");
  private static final String SCREEN_EXT = ".graphql";

  private BundleLoader() {}

  /** Loads the folder, resolving {@code ${...}} from the process environment. */
  public static ClientBundle load(Path dir) throws ConfigException {
    return load(dir, System::getenv);
  }

  /** Loads the folder, resolving {@code ${...}} through {@code env} (null = unset). */
  public static ClientBundle load(Path dir, Function<String, String> env) throws ConfigException {
    String folder = folderName(dir);
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(dir.toString(), 0, "client folder not found; it must hold bff.yaml,"
          + " schema.graphqls and screens/*.graphql");
    }
    SourceFile yaml = read(dir.resolve("bff.yaml"), folder + "/bff.yaml",
        "services, routes and server settings");
    BffConfig config = BffYaml.parse(yaml.name(), yaml.text(), folder, new EnvInterpolator(env),
        new IncludedFiles(dir, folder));
    config = config.withPortal(config.portal().resolvedAgainst(dir)); // the key store's file is the bundle's
    SourceFile schema = read(dir.resolve("schema.graphqls"), folder + "/schema.graphqls",
        "the composition schema (type Query { ... })");
    ClientBundle bundle = new ClientBundle(config, schema, screens(dir.resolve("screens"), folder + "/screens/"));
    checkScreenScopes(bundle, yaml.name());
    return bundle;
  }

  /** {@code auth.screens} may only name screens that exist: a typo would leave a screen unprotected. */
  static void checkScreenScopes(ClientBundle bundle, String file) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (SourceFile f : bundle.screens()) {
      String n = f.name().substring(f.name().lastIndexOf('/') + 1);
      names.add(n.endsWith(SCREEN_EXT) ? n.substring(0, n.length() - SCREEN_EXT.length()) : n);
    }
    for (String screen : bundle.config().auth().screens().keySet()) {
      if (!names.contains(screen)) {
        throw new ConfigException(file, 0, "auth.screens." + screen + ": no such screen; screens: " + String.join(", ", names));
      }
    }
  }

  private static List<SourceFile> screens(Path dir, String display) {
    if (!Files.isDirectory(dir)) {
      return List.of(); // a client may serve ad-hoc GraphQL only
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(files::add);
    } catch (IOException e) {
      throw new ConfigException(display, 0, "cannot list the folder: " + e);
    }
    List<SourceFile> screens = new ArrayList<>();
    for (Path file : files) {
      String fileName = strip(file.getFileName().toString());
      if (fileName.startsWith(".")) {
        continue; // editor and OS droppings (.DS_Store, .home.graphql.swp)
      }
      String shown = display + fileName;
      if (!fileName.endsWith(SCREEN_EXT) || !Files.isRegularFile(file)) {
        throw new ConfigException(shown, 0, "screens/ holds only <name>.graphql files, one"
            + " operation each; rename or move it");
      }
      String name = fileName.substring(0, fileName.length() - SCREEN_EXT.length());
      if (!SCREEN_NAME.matcher(name).matches()) {
        throw new ConfigException(shown, 0, "'" + name + "' is not a valid screen name (it becomes"
            + " the URL path); use lower-case letters, digits, '-' and '_', e.g. "
            + suggestScreen(name) + SCREEN_EXT);
      }
      screens.add(read(file, shown, "a screen operation"));
    }
    screens.sort((a, b) -> a.name().compareTo(b.name()));
    return screens;
  }

  private static SourceFile read(Path file, String shown, String what) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(shown, 0, "not found; the client folder needs it: " + what);
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      // a BOM would otherwise become part of the first key or token
      return new SourceFile(shown, text.startsWith("\uFEFF") ? text.substring(1) : text);
    } catch (CharacterCodingException e) {
      throw new ConfigException(shown, 0, "is not UTF-8 text; save it as UTF-8");
    } catch (IOException e) {
      throw new ConfigException(shown, 0, "cannot be read: " + e);
    }
  }

  private static String folderName(Path dir) {
    Path name = dir.getFileName();
    return name == null ? dir.toString() : strip(name.toString());
  }

  /** Zip file systems may keep a trailing '/' on directory names. */
  private static String strip(String name) {
    return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
  }

  private static String suggestScreen(String name) {
    String s = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_-]", "-")
        .replaceAll("^[^a-z0-9]+", "");
    return s.isEmpty() ? "home" : s;
  }
}
