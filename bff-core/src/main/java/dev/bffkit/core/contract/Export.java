package dev.bffkit.core.contract;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.security.ApiKeys;
import graphql.schema.idl.SchemaPrinter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --export DIR}: the client contract for the usual client tools. {@code schema.graphql} is the schema clients
 * see (what introspection shows: no composition directives, service names or paths), {@code operations/} holds each
 * screen as the operation it serves, and {@code persisted-query-manifest.json} lists them in Apollo's persisted query
 * manifest format, each id the SHA-256 of the body the BFF accepts by hash, so Apollo iOS/Kotlin, graphql-codegen and
 * safelisting work unchanged.
 */
public final class Export {
  static final String MANIFEST = "persisted-query-manifest.json";

  private Export() {}

  /** Writes the three outputs into {@code out} (created when missing); returns what was written, for the log. */
  public static String write(ClientBundle bundle, Path out) throws IOException {
    CompositionEngine engine = CompositionEngine.create(bundle);
    Files.createDirectories(out.resolve("operations"));
    SchemaPrinter printer = new SchemaPrinter(SchemaPrinter.Options.defaultOptions()
        .includeScalarTypes(true).includeSchemaDefinition(false).includeDirectiveDefinitions(false));
    Files.writeString(out.resolve("schema.graphql"), printer.print(engine.schema()), StandardCharsets.UTF_8);
    JsonArray operations = new JsonArray();
    for (Screen s : engine.screens()) {
      Files.writeString(out.resolve("operations/" + s.name() + ".graphql"), s.query(), StandardCharsets.UTF_8);
      // Apollo's manifest requires a name; an anonymous screen is known by its screen name.
      String name = s.operationName() != null ? s.operationName() : s.name();
      operations.add(new JsonObject().put("id", ApiKeys.sha256Hex(s.query())).put("name", name)
          .put("type", "query").put("body", s.query()));
    }
    JsonObject manifest = new JsonObject().put("format", "apollo-persisted-query-manifest").put("version", 1)
        .put("operations", operations);
    Files.writeString(out.resolve(MANIFEST), manifest.encodePrettily() + "\n", StandardCharsets.UTF_8);
    return "schema.graphql, " + operations.size() + " operations, " + MANIFEST;
  }
}
