package dev.bffkit.core.config;

import static dev.bffkit.core.config.ConfigKey.any;
import static dev.bffkit.core.config.ConfigKey.bool;
import static dev.bffkit.core.config.ConfigKey.duration;
import static dev.bffkit.core.config.ConfigKey.integer;
import static dev.bffkit.core.config.ConfigKey.list;
import static dev.bffkit.core.config.ConfigKey.named;
import static dev.bffkit.core.config.ConfigKey.namedLists;
import static dev.bffkit.core.config.ConfigKey.namedStrings;
import static dev.bffkit.core.config.ConfigKey.number;
import static dev.bffkit.core.config.ConfigKey.section;
import static dev.bffkit.core.config.ConfigKey.share;
import static dev.bffkit.core.config.ConfigKey.size;
import static dev.bffkit.core.config.ConfigKey.string;
import static dev.bffkit.core.config.ConfigKey.strings;
import static dev.bffkit.core.config.ConfigKey.sub;
import static dev.bffkit.core.config.ConfigKey.word;

import dev.bffkit.core.config.ConfigKey.Section;
import java.util.List;

/**
 * Every bff.yaml key, declared once (see {@link ConfigKey}). Leaf sections come first (static order); {@link #ROOT}
 * is the whole file. Defaults are written as in YAML; a key without one is off, empty or required, as its doc says.
 */
public final class ConfigKeys {
  private static final long MAX = Integer.MAX_VALUE;

  private ConfigKeys() {}

  // ---- server, composition
  static final Section WARM_UP = section("server.warmUp",
      "Requests through a loopback copy of the BFF before /readyz: the JIT's warm-up is paid before clients arrive.",
      integer("requests", "0", 0, 1_000_000, "requests through every proxy route and screen (services answer {} in-process); 0 = off"),
      duration("maxTime", "5s", "readiness waits this long at most (1ms..1m)"));
  static final Section HTTP3 = section("server.http3",
      "An HTTP/3 (QUIC) listener beside the TCP one: same port number over UDP, TLS 1.3 from tls: (needed), same routes.",
      bool("enabled", "false", "serve HTTP/3; needs tls.certPath and the QUIC native library (linux-x86_64)"),
      integer("port", "0", 0, 65535, "UDP port; 0 = server.port"),
      integer("maxConcurrentStreams", "100", 1, 100_000, "requests in flight on one connection (QUIC bidirectional streams)"),
      duration("idleTimeout", "30s", "a connection idle this long is closed (QUIC max_idle_timeout)"),
      size("maxData", "8mb", "a connection's flow-control window (bytes in flight on all its streams)"),
      size("maxStreamData", "1mb", "a request stream's flow-control window"),
      duration("altSvcMaxAge", "24h", "Alt-Svc ma= on TCP answers (RFC 7838); 0s = do not advertise"),
      string("qlogDir", "", "a directory where quiche writes one qlog per connection (packets, losses, RTT: for"
          + " diagnosis, not for normal running); empty = none"));
  static final Section SERVER = section("server", "The client listener.",
      string("host", "127.0.0.1", "address to bind"),
      integer("port", "8080", 0, 65535, "port; 0 = any free port (tests)"),
      integer("instances", "0", 0, MAX, "event-loop verticles; 0 = one per core"),
      duration("shutdownGrace", "10s", "how long a stop drains requests in flight"),
      duration("drainDelay", "0s", "on a stop, serve this long while not ready (endpoints leave) before closing the port"),
      duration("idleTimeout", "60s", "an idle client connection is closed after this"),
      size("maxBodyBytes", "1mb", "largest request body (413 beyond); a route may set its own"),
      size("maxHeaderBytes", "8kb", "largest request head (431 beyond)"),
      bool("h2c", "false", "HTTP/2 cleartext (prior knowledge or upgrade), for a trusted load balancer in front"),
      sub("warmUp", WARM_UP),
      sub("http3", HTTP3));
  static final Section CACHE_REDIS = section("composition.cache.redis",
      "The fleet's shared tier of the field cache; off unless enabled (then on the url, or redis.url).",
      bool("enabled", "false", "share cached fields between the instances of this BFF"),
      string("url", "", "redis://host:port/db, rediss:// or unix://; default redis.url"),
      string("keyPrefix", "", "prefix of its keys; default <redis.keyPrefix>fc:<bff name>:"),
      duration("timeout", "20ms", "a lookup's budget; past it the field is a local miss, never an error"),
      size("maxEntryBytes", "256kb", "larger answers stay in the instance"));
  static final Section CACHE = section("composition.cache",
      "The field cache (@cache in the schema): upstream answers kept in the instance, optionally shared on Redis.",
      bool("enabled", "true", "false: @cache is ignored and every field calls its service"),
      size("maxBytes", "64mb", "the instance's bound (keys and answers); least recently used go first"),
      size("maxEntryBytes", "1mb", "larger answers are not kept"),
      sub("redis", CACHE_REDIS));
  static final Section COMPOSITION = section("composition", "Screens and ad-hoc GraphQL.",
      duration("deadline", "3s", "a request's whole budget; upstream calls get what remains"),
      bool("adhocGraphql", "true", "false: the GraphQL path runs only the screens (registered persisted queries)"),
      string("graphqlPath", "/graphql", "path of GraphQL over HTTP"),
      string("screensPath", "/v1/screens", "screens are served at <screensPath>/<name>"),
      integer("maxBatchSize", "100", 1, MAX, "keys per batched upstream call; more are split"),
      sub("cache", CACHE));

  // ---- services
  static final Section SERVICE_TLS = section("services.<name>.tls",
      "TLS to the service's https endpoints (HTTP and gRPC); files are read at start-up.",
      string("ca", null, "trust this CA (PEM) instead of the JVM's trust store"),
      string("cert", null, "mutual TLS: the BFF's client certificate (PEM)"),
      string("key", null, "mutual TLS: its private key (PEM)"),
      bool("verifyHost", "true", "check the certificate names the endpoint's host"));
  static final Section DISCOVERY = section("services.<name>.discovery", "Instead of endpoints: where to find them (one of dns, srv, file).",
      string("dns", null, "host:port resolved (A/AAAA) every refresh"),
      string("srv", null, "an SRV name (port, weight), re-resolved on the records' TTL"),
      string("file", null, "a file of one URL [weight=N] per line, polled every refresh"),
      duration("refresh", "30s", "how often to resolve again (2s for file)"));
  static final Section BALANCER = section("services.<name>.balancer", "How a call picks an endpoint.",
      word("policy", "least_request", List.of("least_request", "p2c", "round_robin", "weighted", "ring_hash"),
          "least_request (power of two choices), round_robin, weighted or ring_hash"),
      string("hashOn", null, "ring_hash only: header:NAME, cookie:NAME or claim:NAME"),
      duration("slowStart", "0s", "ramp a new or returning endpoint from 10 % to full over this window"),
      strings("weights", "per endpoint, in order (or weight=N on the URL)"));
  static final Section HEALTH = section("services.<name>.healthCheck",
      "Active health checks; off unless path is given (gRPC services: grpc.health.v1.Health/Check, on when written).",
      string("path", null, "HTTP path to GET; a 2xx is healthy"),
      string("service", "", "gRPC only: the service name to check; empty = the whole server"),
      duration("interval", "5s", "time between checks"),
      duration("timeout", "1s", "one check's budget"),
      integer("healthyThreshold", "2", 1, 100, "passes in a row to become healthy"),
      integer("unhealthyThreshold", "3", 1, 100, "failures in a row to become unhealthy"));
  static final Section OUTLIER = section("services.<name>.outlier", "Passive ejection on consecutive 5xx or connect failures.",
      integer("consecutiveErrors", "5", 0, 10_000, "errors in a row that eject an endpoint; 0 = off"),
      duration("baseEjectionTime", "30s", "ejection time, times the number of ejections"),
      duration("maxEjectionTime", "5m", "longest ejection"),
      integer("maxEjectionPercent", "50", 0, 100, "most endpoints ejected at once (one of two or more always may be)"));
  static final Section BREAKER = section("services.<name>.breaker", "A circuit breaker per service and BFF.",
      bool("enabled", "true", "false: never open"),
      integer("failures", "10", 1, 1_000_000, "failed calls (5xx or transport) without a success in between that open it"),
      duration("window", "10s", "the failures must fall in this window"),
      duration("resetTimeout", "5s", "open to half-open; one probe closes or re-opens it"));
  static final Section RETRY = section("services.<name>.retry", "Retries of idempotent calls, within a budget.",
      integer("maxRetries", "2", 0, 10, "retries after the first try"),
      strings("methods", "methods retried (default GET, HEAD, OPTIONS, PUT, DELETE; never POST/PATCH unless listed)"),
      strings("onStatus", "statuses retried (default 502, 503, 504; plus connect failures, resets, per-try timeouts)"),
      duration("backoff", "25ms", "first backoff; full jitter, doubling up to maxBackoff"),
      duration("maxBackoff", "250ms", "longest backoff"),
      duration("perTryTimeout", null, "one try's budget; absent = each try may use what remains"),
      share("budget", "20%", "retries at most this share of requests (plus minPerSecond)"),
      integer("minPerSecond", "10", 0, 100_000, "retries always allowed per second"));
  static final Section HEDGE = section("services.<name>.hedge", "A second call when the first is slow; the first answer wins.",
      bool("enabled", "false", "hedge this service's idempotent calls"),
      any("delay", "a duration, or p95: the service's observed p95 (at least minDelay)"),
      duration("minDelay", "5ms", "shortest hedge delay"),
      integer("maxAttempts", "2", 2, 5, "calls at most, the first included"));
  static final Section BULKHEAD = section("services.<name>.bulkhead", "Concurrency limits per service and BFF.",
      integer("maxConcurrent", "1024", 1, MAX, "calls in flight"),
      integer("maxPending", "256", 0, MAX, "calls waiting; beyond, a fast 503 naming the service"));
  static final Section HTTP2 = section("services.<name>.http2", "HTTP/2 to the service.",
      bool("enabled", "false", "h2 over TLS (ALPN) or h2c with prior knowledge"),
      integer("connections", "2", 1, 1000, "per endpoint and event loop"),
      integer("maxStreams", "100", 1, 100_000, "concurrent streams per connection"));
  static final Section COLD_START = section("services.<name>.coldStart",
      "A service that sleeps when idle (serverless): longer first calls, warm-ups, one wake-up at a time.",
      duration("expected", null, "how long its first answer after sleeping may take (required)"),
      duration("idleAfter", "5m", "idle this long, it may be asleep: the next call may take expected longer"),
      duration("keepWarm", "0s", "a warm-up call this often while it has traffic; 0 = none"),
      duration("keepWarmFor", "10m", "warm-ups go on this long after the last real call"),
      string("path", null, "GET path of a warm-up (default: healthCheck.path; gRPC services: grpc.health.v1 Check)"),
      integer("maxConcurrency", "0", 0, MAX, "the function's concurrency limit, capping bulkhead.maxConcurrent; 0 = none"));
  static final Section ENDPOINT = section("services.<name>.endpoints[]", "A labelled endpoint (canary subsets pick by labels).",
      string("url", null, "base URL (required)"),
      namedStrings("labels", "labels, e.g. { version: v2 }"),
      integer("weight", "1", 1, 1000, "balancer weight"));
  static final Section LATENCY_SLI = section("services.<name>.canary.rollback.latency", "The latency budget.",
      duration("threshold", null, "a call slower than this is slow (required)"),
      share("target", "99%", "share of calls within threshold"));
  static final Section ROLLBACK = section("services.<name>.canary.rollback",
      "Automatic rollback when the canary burns its error or latency budget faster than stable.",
      share("availability", "99%", "share of calls that must succeed"),
      sub("latency", LATENCY_SLI),
      number("burnRatio", "2", 1, 1000, "the canary's burn rate must be this many times stable's"),
      number("minBurnRate", "5", 0, 1_000_000, "and at least this burn rate"),
      integer("minCalls", "50", 1, 1_000_000, "calls in the window before judging"),
      duration("window", "1m", "the judging window (at least 600ms)"));
  static final Section CALLER_MATCH = section("services.<name>.canary.match[]", "A caller condition: all of a rule's must hold.",
      string("header", null, "a request header's name"),
      string("cookie", null, "a cookie's name"),
      string("claim", null, "a verified token claim's name"),
      strings("value", "the value, or a list of values; absent = present"));
  static final Section CANARY = section("services.<name>.canary", "A labelled subset that takes a share of traffic.",
      namedStrings("subset", "the canary's endpoint labels, e.g. { version: v2 }"),
      share("share", "0", "share of callers sent to the canary (sticky)"),
      list("match", CALLER_MATCH),
      string("sticky", "sub", "what keeps a caller on one side: sub (the verified subject) or header:NAME"),
      sub("rollback", ROLLBACK));
  static final Section SERVICE = section("services.<name>",
      "One upstream service (a letter, then letters, digits, '_' or '-'); services.defaults gives every service its starting keys.",
      any("endpoints", "base URLs: a list, or one string of comma-separated URLs [weight=N]; or { url, labels, weight } items"),
      duration("connectTimeout", "1s", "TCP (and TLS) connect budget"),
      integer("poolSize", "64", 1, MAX, "pooled HTTP/1.1 connections per endpoint and event loop"),
      duration("keepAlive", "60s", "an idle pooled connection is closed after this"),
      duration("timeout", "10s", "one call, retries and hedges included (the deadline may cut it)"),
      sub("discovery", DISCOVERY), sub("balancer", BALANCER), sub("healthCheck", HEALTH), sub("outlier", OUTLIER),
      sub("breaker", BREAKER), sub("retry", RETRY), sub("hedge", HEDGE), sub("bulkhead", BULKHEAD), sub("http2", HTTP2),
      sub("coldStart", COLD_START),
      word("protocol", "http", List.of("http", "grpc"), "grpc: h2c with prior knowledge (or TLS with ALPN h2), gRPC framing; @grpc fields"),
      sub("tls", SERVICE_TLS), sub("canary", CANARY),
      string("openapi", null, "the service's OpenAPI 3 document (classpath: or a path relative to the folder), read by --check"));

  // ---- routes, grpc
  static final Section CONDITION = section("routes[].rules[].match[]", "A condition on the request: all of a rule's must hold.",
      string("header", null, "a request header's name"),
      string("cookie", null, "a cookie's name"),
      string("query", null, "a query parameter's name"),
      string("claim", null, "a verified token claim's name"),
      string("body", null, "a JSON Pointer into a JSON body (up to 64 KiB)"),
      strings("method", "methods"),
      string("path", null, "a path prefix"),
      strings("value", "the value, or a list of values; absent = present"));
  static final Section RULE = section("routes[].rules[]", "Content routing: the first rule that holds picks the destination.",
      string("name", null, "the rule's name (metrics); default rule-N"),
      list("match", CONDITION),
      string("service", null, "send to this service instead of the route's"),
      namedStrings("subset", "pin endpoints by labels, e.g. { version: v2 }"));
  static final Section ROUTE = section("routes[]", "A plain proxy route: a path prefix streamed to a service.",
      string("prefix", null, "path prefix (required)"),
      string("service", null, "a declared service (required)"),
      string("stripPrefix", "", "removed from the path before forwarding; must be a prefix of prefix"),
      strings("methods", "allowed methods (default all)"),
      strings("scopes", "scopes a caller must all hold (403 otherwise, 401 anonymous)"),
      size("maxBodyBytes", null, "this route's body limit (default server.maxBodyBytes)"),
      list("rules", RULE));
  static final Section EXPOSE = section("grpc.transcode[]", "A gRPC service exposed to other protocols.",
      string("service", null, "a declared service with protocol: grpc (required)"),
      string("grpcService", null, "the protobuf service, e.g. recs.v1.Recommendations (required)"),
      string("prefix", null, "transcode only: path prefix of the REST routes (google.api.http rules)"));
  static final Section GRPC = section("grpc", "gRPC: descriptor sets, transcoding and gRPC-Web.",
      strings("descriptors", "descriptor sets (protoc --include_imports): classpath:... or paths relative to the folder"),
      size("maxMessageSize", "16mb", "largest gRPC message either way"),
      list("transcode", EXPOSE),
      list("web", new Section("grpc.web[]", "A gRPC service reachable by gRPC-Web clients at /package.Service/Method.",
          EXPOSE.keys())));

  // ---- auth
  static final Section INTROSPECTION = section("auth.issuers[].introspection",
      "RFC 7662 introspection of the issuer's opaque tokens (a bearer token that is not a JWT). At most one issuer"
      + " has it: an opaque token names no issuer.",
      string("url", null, "the introspection endpoint; absent = introspection_endpoint from OIDC discovery"),
      string("clientId", null, "this BFF's client id at the identity provider (required)"),
      string("clientSecret", null, "its secret, for client_secret_basic (use ${ENV})"),
      string("privateKey", null, "a PKCS#8 PEM private key (RSA or EC), for private_key_jwt"),
      word("clientAuth", "client_secret_basic", List.of("client_secret_basic", "private_key_jwt"),
          "how the BFF authenticates to the endpoint"),
      duration("cacheTtl", "5m", "an active answer is remembered this long at most (and never past its exp); 0 = not"),
      duration("negativeTtl", "10s", "a refused token (inactive, expired, wrong aud) is remembered this long; 0 = not"),
      duration("timeout", "2s", "one introspection call; past it the request is answered 503"),
      integer("maxEntries", "100000", 1, MAX, "answers remembered at most"),
      bool("shared", "false", "share answers with the fleet in redis.url (a slow or dead Redis is only a miss)"));
  static final Section ISSUER = section("auth.issuers[]", "A token issuer: JWTs are checked against the one their iss names; opaque tokens are introspected.",
      string("issuer", null, "the exact iss (required)"),
      string("jwksUrl", "", "keys; empty = OIDC discovery at <issuer>/.well-known/openid-configuration"),
      strings("audiences", "aud must name one; empty = not checked"),
      strings("algorithms", "allowlist: RS*, PS*, ES*, EdDSA (none and HS* are refused)"),
      duration("clockSkew", "30s", "leeway for exp, nbf and iat"),
      duration("jwksRefresh", "10m", "keys older than this are re-fetched in the background"),
      duration("minRefetchInterval", "30s", "an unknown kid re-fetches at most once per interval"),
      duration("fetchTimeout", "2s", "one JWKS or discovery fetch"),
      bool("jwt", "true", "verify this issuer's JWTs locally; false = its tokens are opaque, introspected only"),
      sub("introspection", INTROSPECTION));
  static final Section API_KEY = section("auth.apiKeys.keys[]", "A partner's API key, known only by its SHA-256.",
      string("name", null, "the key's name: the caller's subject (required)"),
      string("sha256", null, "hex SHA-256 of the key (required)"),
      string("tier", null, "its rate-limit tier"),
      strings("scopes", "its scopes"));
  static final Section API_KEYS = section("auth.apiKeys", "API keys.",
      string("header", "x-api-key", "the header that carries the key"),
      list("keys", API_KEY));
  static final Section AUTH = section("auth", "Who may call; off unless issuers or apiKeys are given.",
      bool("required", null, "every path but publicPaths needs a valid token or key (default: on when issuers or keys are given)"),
      strings("publicPaths", "routes open to anonymous callers (health always is)"),
      list("issuers", ISSUER),
      sub("apiKeys", API_KEYS),
      namedStrings("claimsToHeaders", "claim → header sent upstream, e.g. { sub: x-user-id }; clients' copies are dropped"),
      namedLists("screens", "screen → scopes (or claim:NAME=VALUE) all required"),
      integer("maxTokenLength", "8192", 64, 1 << 20, "longer bearer tokens are refused before parsing"),
      duration("keysBeforeReady", "10s", "readiness waits this long at most for every issuer's first keys; 0s = ready at once"),
      bool("warmAhead", "true", "while a caller's check waits, open the route's upstream connections and wake sleeping services"));

  // ---- limits, filters, cors, tls, admin
  static final Section GRAPHQL_LIMITS = section("limits.graphql", "Ad-hoc GraphQL limits (screens are trusted).",
      integer("maxDepth", "15", 1, 1000, "deepest selection"),
      integer("maxAliases", "30", 0, 100_000, "aliases per operation"),
      integer("maxRootFields", "20", 1, 100_000, "root fields per operation"),
      integer("maxTokens", "5000", 10, 1_000_000, "tokens per document"),
      integer("maxCost", "20000", 1, MAX, "fields times page sizes (first/limit/size ...; 10 for a variable)"),
      bool("introspection", "false", "__schema and __type (only the contract shows)"),
      bool("persistedQueries", "true", "Apollo APQ: extensions.persistedQuery.sha256Hash"),
      bool("serviceNamesInErrors", "false", "field errors name the failing service"));
  static final Section LIMITS = section("limits", "Request limits at the edge.",
      size("maxUriBytes", "8kb", "request line (414 beyond; at least 256 bytes)"),
      duration("headerReadTimeout", "60s", "a request head must arrive within this (slowloris)"),
      integer("maxConnections", "10000", 0, MAX, "per BFF; 0 = no limit"),
      sub("graphql", GRAPHQL_LIMITS),
      duration("bodyTimeout", "10s", "a body read whole must arrive within this (408)"),
      integer("minBodyRate", "1024", 0, MAX, "bytes/s a streamed body must keep over each bodyTimeout; 0 = none"));
  static final Section WAF_BODY = section("filters.wafBody", "Proxy-route bodies the WAF reads before the service is called.",
      bool("inspect", "true", "read textual bodies"),
      size("limit", "64kb", "bytes read"),
      word("overLimit", "pass", List.of("pass", "reject"), "pass: the rest streams unchecked; reject: 413"),
      strings("types", "media ranges inspected (default JSON, forms, multipart, text/*, XML)"));
  static final Section WASM_FILTER = section("filters.wasm[]",
      "A Proxy-Wasm filter (ABI 0.2.1) on the routes it names, sandboxed; the file is hot-reloaded with the folder.",
      string("name", null, "unique; in logs and metrics (required)"),
      string("file", null, "the .wasm module, relative to the folder (put it under filters/ to have it watched) or classpath: (required)"),
      strings("routes", "route names as --routes prints them; a trailing * matches a prefix, \"*\" every route (required)"),
      any("config", "the plugin configuration: a mapping or list is passed as JSON text, a scalar as written"),
      word("failure", "closed", List.of("open", "closed"), "a failing filter: open = skipped, closed = 503"),
      size("maxMemory", "16mb", "the filter's linear memory per instance (one instance per event loop)"),
      duration("callbackBudget", "200ms", "time one callback may take before it is stopped (a runaway guard: a cold JIT took over 50 ms for a 137 KiB PII scan here)"));
  static final Section FILTERS = section("filters", "Static filters before auth; all off by default.",
      strings("ipAllow", "CIDRs (v4/v6); non-empty = only these"),
      strings("ipDeny", "CIDRs refused (wins over ipAllow)"),
      strings("trustedProxies", "X-Forwarded-For is believed only from these"),
      string("countryHeader", null, "the header your CDN sets with the country"),
      strings("countryAllow", "countries allowed"),
      strings("countryDeny", "countries refused"),
      word("waf", "off", List.of("off", "false", "audit", "block", "true"), "SQLi/XSS signatures: audit (log) or block (403)"),
      sub("wafBody", WAF_BODY),
      list("wasm", WASM_FILTER));
  static final Section CORS = section("cors", "Browsers on other origins; off unless allowOrigins is given.",
      strings("allowOrigins", "origins, or \"*\" (not with credentials)"),
      strings("allowMethods", "default GET, POST"),
      strings("allowHeaders", "default authorization, content-type"),
      strings("exposeHeaders", "default etag, x-request-id, x-bff-partial"),
      bool("allowCredentials", "false", "cookies and credentials"),
      duration("maxAge", "10m", "preflight cache"));
  static final Section TLS = section("tls", "TLS on the client listener; off unless certPath is given.",
      string("certPath", null, "PEM chain, re-read when it changes"),
      string("keyPath", null, "PEM private key"),
      duration("reloadInterval", "1m", "how often the files are checked"),
      duration("hsts", "0s", "> 0: Strict-Transport-Security max-age"),
      word("clientAuth", "none", List.of("none", "false", "request", "required", "true"), "client certificates"),
      string("clientCaPath", null, "CA of client certificates"));
  static final Section ADMIN = section("admin", "The operators' listener: /healthz /readyz /upstreamz /routes and the admin API.",
      string("host", "127.0.0.1", "beyond loopback a token is required"),
      integer("port", null, -1, 65535, "default server.port + 1000 (ephemeral when server.port is 0); -1 = off"),
      string("token", null, "Authorization: Bearer <token> for all but /healthz and /readyz; empty = none"));

  // ---- observe
  static final Section METRICS = section("observe.metrics", "Prometheus metrics on the admin listener's /metrics.",
      bool("enabled", "true", "meters on"),
      strings("buckets", "latency histogram buckets (durations)"));
  static final Section TRACING = section("observe.tracing", "OpenTelemetry traces.",
      bool("enabled", "true", "spans on"),
      share("sampling", "0.01", "share of traces sampled (a caller's sampled parent is followed)"),
      word("exporter", "log", List.of("log", "otlp", "none"), "where spans go"),
      string("endpoint", null, "otlp: the collector's URL"),
      string("serviceName", null, "service.name (default bff-<name>)"));
  static final Section ACCESS_LOG = section("observe.accessLog", "One JSON line per request.",
      bool("enabled", "true", "log requests"),
      string("file", null, "a file (rotated); absent = standard output"),
      size("maxFileBytes", "64mb", "rotate at this size"),
      integer("maxFiles", "5", 1, 1000, "rotated files kept"),
      integer("queue", "65536", 16, 10_000_000, "lines waiting for the writer; beyond, dropped (counted)"));
  static final Section AUDIT = section("observe.audit", "A hash-chained audit trail of chosen routes.",
      string("file", null, "the trail's file (on when given)"),
      integer("queue", "65536", 16, 10_000_000, "records waiting for the writer"),
      integer("checkpointEvery", "1000", 1, 100_000_000, "records between checkpoints"),
      strings("routes", "routes audited, as --routes names them"));
  static final Section SLO_LATENCY = section("observe.slos[].latency", "A latency objective.",
      duration("threshold", null, "a request slower than this is slow (required)"),
      share("target", "99%", "share of requests within threshold"));
  static final Section SLO = section("observe.slos[]", "A service-level objective on one route (burn-rate alerts).",
      string("name", null, "its name (default the route)"),
      string("route", null, "a route as --routes names it (required)"),
      share("availability", null, "share of requests that must succeed"),
      sub("latency", SLO_LATENCY),
      duration("window", "30d", "the objective's window"));
  static final Section OBSERVE = section("observe", "Metrics, traces, logs, audit, SLOs and the status page.",
      sub("metrics", METRICS), sub("tracing", TRACING), sub("accessLog", ACCESS_LOG), sub("audit", AUDIT),
      list("slos", SLO),
      bool("statusPage", "true", "the admin listener's /status page"));

  // ---- rate limits
  static final Section LIMIT = section("rateLimits.tiers.<tier>.limits[]", "One GCRA limit.",
      string("name", null, "its name in headers and metrics (default <limit>-per-<per>)"),
      integer("limit", null, 1, MAX, "requests per period (required)"),
      duration("per", null, "the period (required)"),
      integer("burst", null, 1, MAX, "requests at once (default limit)"));
  static final Section QUOTA = section("rateLimits.tiers.<tier>.quota", "A monthly or daily quota.",
      integer("limit", null, 1, MAX, "requests per period (required)"),
      word("per", "month", List.of("month", "day"), "the period (UTC)"),
      word("over", "reject", List.of("reject", "bill"), "past the quota: reject (429) or bill (allow)"),
      strings("thresholds", "shares of the quota that notify billing, e.g. [80%, 100%]"));
  static final Section TIER = section("rateLimits.tiers.<tier>", "A caller tier (anonymous = callers without credentials).",
      any("key", "what a limit counts by: apikey, sub, claim:NAME, ip, route, or a list (default sub; anonymous ip)"),
      list("limits", LIMIT),
      sub("quota", QUOTA));
  static final Section RATE_RULE = section("rateLimits.rules[]", "Extra limits on routes.",
      string("name", null, "its name (required)"),
      strings("routes", "routes as --routes names them (\"*\" = all but health)"),
      any("key", "what it counts by (as a tier's key)"),
      list("limits", LIMIT));
  static final Section REDIS = section("rateLimits.redis", "One limit for every instance (GCRA on Redis); absent or empty url = each alone.",
      string("url", "", "redis://host:port/db, rediss:// or unix://; default redis.url"),
      word("type", "standalone", List.of("standalone", "sentinel", "cluster"), "the deployment"),
      string("masterName", null, "sentinel: the master's name"),
      integer("connections", "1", 1, 16, "pipelined connections per event loop"),
      duration("timeout", "50ms", "one decision; then onFailure applies"),
      word("onFailure", "open", List.of("open", "closed"), "open: each instance's own limiter decides; closed: 503"),
      string("keyPrefix", "bffkit:", "prefix of every key"));
  static final Section BILLING = section("rateLimits.billing", "Quota thresholds sent to billing (HMAC-signed, retried).",
      string("url", null, "the webhook (required)"),
      string("secret", null, "HMAC key, at least 16 characters (required)"),
      duration("timeout", "2s", "one delivery"),
      integer("maxAttempts", "8", 1, 100, "tries per event"),
      duration("initialBackoff", "500ms", "first backoff; doubling, full jitter"),
      duration("maxBackoff", "60s", "longest backoff"),
      integer("queue", "10000", 1, 1_000_000, "events waiting; beyond, dropped (counted)"));
  static final Section RATE_LIMITS = section("rateLimits", "Rate limits and quotas per caller tier; off unless tiers or rules are given.",
      bool("enabled", "true", "false: enforce nothing"),
      named("tiers", TIER),
      list("rules", RATE_RULE),
      string("tierClaim", "tier", "the JWT claim naming a token's tier"),
      string("defaultTier", null, "callers whose credential names no tier"),
      sub("redis", REDIS),
      sub("billing", BILLING),
      integer("localKeys", "100000", 16, 50_000_000, "(key, limit) pairs the in-memory limiter holds"),
      bool("headers", "true", "RateLimit-Policy and RateLimit on allowed answers too"));

  static final Section FLEET = section("redis",
      "The Redis every instance of this BFF shares (APQ registrations; the default of rateLimits.redis.url and portal.keys.store: redis).",
      string("url", "", "redis://host:port/db, rediss:// or unix://; empty = each instance alone"),
      word("type", "standalone", List.of("standalone", "sentinel", "cluster"), "the deployment (url lists sentinels or nodes, comma-separated)"),
      string("masterName", null, "sentinel: the master's name"),
      string("keyPrefix", "bffkit:", "prefix of every key"),
      duration("timeout", "100ms", "a lookup; past it the instance answers alone (APQ: PersistedQueryNotFound, the client resends)"),
      duration("apqTtl", "24h", "an APQ registration's life in Redis after its last write"));

  // ---- traffic, portal
  static final Section MIRROR = section("traffic.mirrors[]", "Copies of a route's bodiless requests to a shadow, fire-and-forget.",
      string("route", null, "a route as --routes names it (required)"),
      string("service", null, "a declared service (required)"),
      share("share", "100%", "share of the route's admitted requests"),
      integer("maxConcurrent", "64", 1, 100_000, "copies in flight"),
      size("maxBodyBytes", "64kb", "largest body copied"));
  static final Section TRAFFIC = section("traffic", "Mirroring.", list("mirrors", MIRROR));
  static final Section KEY_STORE_REDIS = section("portal.keys.store.redis", "Keys on Redis.",
      string("url", null, "default rateLimits.redis.url, then redis.url"));
  static final Section KEY_STORE = section("portal.keys.store", "Where self-service keys live: redis, or one of these.",
      string("file", null, "a JSON file relative to the folder"),
      sub("redis", KEY_STORE_REDIS));
  static final Section PORTAL_KEYS = section("portal.keys", "Self-service API keys for developers.",
      bool("enabled", "false", "on"),
      strings("tiers", "tiers a developer may pick (default every rate-limit tier)"),
      integer("maxPerDeveloper", "5", 1, 1000, "keys per developer"),
      any("store", "redis, or { file: keys.json } or { redis: { url } }"),
      strings("scopes", "scopes a developer token must hold"));
  static final Section PORTAL_PUBLIC = section("portal.public", "The partner-facing portal on the client listener; off unless given.",
      string("path", null, "its path, e.g. /developers (required)"),
      strings("scopes", "scopes a developer token must hold for the data"));
  static final Section PORTAL = section("portal", "The developer portal.",
      sub("keys", PORTAL_KEYS), sub("public", PORTAL_PUBLIC));

  /** The whole file. */
  public static final Section ROOT = section("", "A client folder's bff.yaml.",
      strings(YamlReader.INCLUDE, "bff.yaml fragments merged under this file (classpath: or relative paths); this file wins"),
      string("name", null, "the BFF's name (default the folder's)"),
      sub("server", SERVER),
      sub("composition", COMPOSITION),
      named("services", SERVICE),
      list("routes", ROUTE),
      sub("grpc", GRPC),
      sub("auth", AUTH),
      sub("limits", LIMITS),
      sub("filters", FILTERS),
      sub("cors", CORS),
      sub("tls", TLS),
      sub("admin", ADMIN),
      sub("observe", OBSERVE),
      sub("rateLimits", RATE_LIMITS),
      sub("traffic", TRAFFIC),
      sub("portal", PORTAL),
      sub("redis", FLEET));
}
