package dev.bffkit.core.compose;

/**
 * The composition directives. The engine adds these definitions to every client schema, so
 * client schemas use them without declaring them.
 */
final class Directives {
  private Directives() {}

  static final String REST = "rest";
  static final String TIMEOUT = "timeout";
  static final String FALLBACK = "fallback";
  static final String MAP = "map";
  static final String AUTH = "auth";
  static final String GRPC = "grpc";
  static final String HEDGE = "hedge";
  static final String CACHE = "cache";

  static final String SDL = """
      scalar JSON
      directive @rest(service: String!, path: String!, method: String = "GET", body: String,
                      select: String, batch: RestBatch) on FIELD_DEFINITION
      input RestBatch { path: String!, key: String!, select: String }
      directive @grpc(service: String!, method: String!, request: String, select: String,
                      metadata: [String!], batch: GrpcBatch) on FIELD_DEFINITION
      input GrpcBatch { method: String!, request: String!, key: String!, select: String }
      directive @timeout(ms: Int!) on FIELD_DEFINITION
      directive @fallback(value: JSON) on FIELD_DEFINITION
      directive @map(from: String!) on FIELD_DEFINITION
      directive @auth(scopes: [String!]!) on FIELD_DEFINITION
      directive @hedge(delayMs: Int, attempts: Int = 2) on FIELD_DEFINITION
      enum CacheScope { PUBLIC PRIVATE }
      directive @cache(maxAge: String!, scope: CacheScope = PRIVATE, staleWhileRevalidate: String = "0s",
                       staleIfError: String = "0s", tags: [String!]) on FIELD_DEFINITION
      "Delivers the list's items after the first initialCount as later payloads (multipart clients; others get the whole list)."
      directive @stream(label: String, if: Boolean! = true, initialCount: Int = 0) on FIELD
      """;
}
