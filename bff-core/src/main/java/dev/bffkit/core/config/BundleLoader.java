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
 * <pre>{@code
 * name: ios                  # optional; default = folder name
 * server:
 *   host: ${BFF_HOST:-127.0.0.1}
 *   port: ${BFF_PORT:-8081}  # 0..65535; 0 = any free port (tests)
 *   instances: 0             # 0 = one event loop verticle per core
 *   shutdownGrace: 10s       # durations: 250ms, 10s, 2m, 1h, or a bare integer = milliseconds
 *   idleTimeout: 60s
 *   maxBodyBytes: 1048576    # sizes: bytes, or 64kb / 1mb (powers of 1024)
 *   maxHeaderBytes: 8192
 *   h2c: false               # HTTP/2 cleartext, for a trusted LB in front; when on, limits.headerReadTimeout/maxConnections start at the first request head
 *   warmUp:                  # optional: pay the JIT's warm-up before /readyz, not with the first clients' requests
 *     requests: 0            # through every proxy route and screen of a loopback copy whose services answer {} in-process; 0 = off
 *     maxTime: 5s            # readiness waits this long at most
 * composition:
 *   deadline: 3s
 *   adhocGraphql: true       # false: graphqlPath runs only the screens (registered persisted queries, by hash or text)
 *   graphqlPath: /graphql
 *   screensPath: /v1/screens
 *   maxBatchSize: 100
 * services:
 *   users:                   # name: a letter, then letters, digits, '_' or '-'
 *     endpoints: ["${USERS_URL:-http://127.0.0.1:9101}"]   # list, or a single string
 *     connectTimeout: 1s
 *     poolSize: 64
 *     keepAlive: 60s
 *     timeout: 5s            # whole call, retries and hedges included (the deadline may cut it)
 *   posts:                   # every resilience key, at its default unless noted
 *     endpoints: "${POSTS_URL:-http://10.0.0.1:8080 weight=2,http://10.0.0.2:8080}"  # comma list; weight=N optional
 *     discovery:             # instead of endpoints, one of:
 *       dns: posts.internal:8080      # A/AAAA, re-resolved every refresh
 *       srv: _http._tcp.posts.internal  # SRV (port, weight), re-resolved on the records' TTL
 *       file: /etc/bff/posts.endpoints  # one URL [weight=N] per line, polled every refresh
 *       refresh: 30s         # 2s for file
 *     balancer:
 *       policy: least_request  # P2C; or round_robin, weighted, ring_hash
 *       hashOn: header:x-user-id  # ring_hash only: header:NAME, cookie:NAME or claim:NAME (bearer JWT)
 *       slowStart: 0s        # ramp a new or returning endpoint from 10 % to full over this window
 *       weights: [2, 1]      # per endpoint, in order (or weight=N on the URL)
 *     healthCheck:           # off unless path is given; endpoints start healthy
 *       path: /health        # protocol: grpc services instead use grpc.health.v1.Health/Check,
 *                            #   on when the block is written: service: "" (the default: the whole server)
 *       interval: 5s
 *       timeout: 1s
 *       healthyThreshold: 2
 *       unhealthyThreshold: 3
 *     outlier:               # passive ejection on consecutive 5xx / connect failures
 *       consecutiveErrors: 5 # 0 = off
 *       baseEjectionTime: 30s  # × times ejected
 *       maxEjectionTime: 5m
 *       maxEjectionPercent: 50 # (one of two or more may always be ejected)
 *     breaker:               # vertx-circuit-breaker per service and BFF
 *       enabled: true
 *       failures: 10         # failed calls (5xx or transport) without a success in between
 *       window: 10s
 *       resetTimeout: 5s     # open → half-open; one probe closes or re-opens it
 *     retry:
 *       maxRetries: 2
 *       methods: [GET, HEAD, OPTIONS, PUT, DELETE]   # never POST/PATCH unless listed
 *       onStatus: [502, 503, 504]                    # plus connect failure, reset, per-try timeout
 *       backoff: 25ms        # full jitter, doubling up to maxBackoff
 *       maxBackoff: 250ms
 *       perTryTimeout: ~     # default: each try may use the remaining budget
 *       budget: 20%          # retries <= 20 % of requests (+ minPerSecond)
 *       minPerSecond: 10
 *     hedge:
 *       enabled: false
 *       delay: p95           # or a duration; p95 = the service's observed p95, at least minDelay
 *       minDelay: 5ms
 *       maxAttempts: 2
 *     bulkhead:
 *       maxConcurrent: 1024  # per service and BFF
 *       maxPending: 256      # beyond: a fast 503 / UPSTREAM_UNAVAILABLE naming the service
 *     tls:                   # for https endpoints (HTTP and gRPC); optional; files read at start-up
 *       ca: /etc/bff/upstream-ca.pem      # trust this CA (PEM) instead of the JVM's trust store
 *       cert: /etc/bff/client.pem         # mutual TLS: the BFF's client certificate and key (PEM)
 *       key: /etc/bff/client-key.pem
 *       verifyHost: true
 *     http2:
 *       enabled: false       # h2 over TLS (ALPN) or h2c with prior knowledge
 *       connections: 2       # per endpoint and event loop
 *       maxStreams: 100
 *   recommendations-grpc:
 *     endpoints: ["${RECS_GRPC_URL:-http://127.0.0.1:9203}"]
 *     protocol: grpc         # http (default) or grpc: h2c with prior knowledge (https://: TLS with
 *                            # ALPN h2 and the service's tls: block), gRPC framing; bind
 *                            # fields with @grpc; bulkhead, breaker, balancer, outlier and timeout
 *                            # apply; never retried or hedged
 * grpc:
 *   descriptors: [classpath:grpc/bffkit-services.desc]  # protoc --include_imports sets; or file paths
 *                            # (relative to the working directory); unknown @grpc methods stop the start
 *   maxMessageSize: 16mb     # largest gRPC message either way
 *   transcode:               # REST -> gRPC by the methods' google.api.http rules
 *     - { service: recommendations-grpc, grpcService: recs.v1.Recommendations, prefix: /rest }
 *   web:                     # gRPC-Web (application/grpc-web, -text) at /package.Service/Method
 *     - { service: recommendations-grpc, grpcService: recs.v1.Recommendations }
 * routes:
 *   - prefix: /api/posts/
 *     service: posts
 *     stripPrefix: /api      # optional, default ""; must be a prefix of prefix
 *     methods: [GET, POST]   # optional, default all
 *     scopes: [posts:write]  # optional: a caller must hold all of them (403 otherwise; 401 anonymous)
 *     maxBodyBytes: 100mb    # optional: this route's body limit, streamed or not (413); default server.maxBodyBytes
 *   # Every path has one route: overlapping routes (two prefixes for the same paths, a prefix nested in
 *   # one of another kind, a transcoding template under a prefix) stop the start with both lines.
 * auth:                      # off unless issuers or apiKeys are given
 *   required: true           # every path but publicPaths needs a valid token or API key
 *   publicPaths: [/v1/screens/welcome]   # routes (exact screen/GraphQL paths or proxy prefixes) open to anonymous callers; health always is
 *   maxTokenLength: 8192     # longer bearer tokens are refused before parsing
 *   issuers:                 # several allowed; a token is checked against the one its iss names
 *     - issuer: "${BFF_JWT_ISSUER:-http://127.0.0.1:9000}"   # exact iss
 *       jwksUrl: "${BFF_JWKS_URL:-}"   # empty/absent = OIDC discovery at issuer/.well-known/openid-configuration
 *       audiences: ["${BFF_JWT_AUDIENCE:-bff-demo}"]  # aud must name one; empty = not checked
 *       algorithms: [RS256, ES256]   # allowlist (RS*, PS*, ES*, EdDSA); none and HS* are refused at load
 *       clockSkew: 30s       # for exp, nbf, iat
 *       jwksRefresh: 10m     # keys older than this are re-fetched in the background
 *       minRefetchInterval: 30s   # an unknown kid re-fetches at most once per interval
 *       fetchTimeout: 2s     # per JWKS / discovery fetch; the IdP being down never blocks the start
 *   apiKeys:
 *     header: x-api-key
 *     keys:
 *       - { name: partner-a, sha256: "<64 hex digits: printf %s KEY | sha256sum>", tier: gold, scopes: [read] }
 *   claimsToHeaders: { sub: x-user-id, scope: x-user-scopes }  # sent upstream; client copies stripped
 *   screens: { admin: [admin, "claim:tier=gold"] }   # screen → scopes (or claim:NAME=VALUE) all required (403 without)
 * portal:
 *   keys: { enabled: true, tiers: [free, pro], store: { file: keys.json } }   # self-service API keys
 *   public:                  # off unless given: the partner-facing portal on the client listener
 *     path: /developers      # a route of kind portal; may not overlap a screen, GraphQL or proxy route
 *     scopes: [developer]    # a developer token (auth.issuers, required) must hold these for the data
 * rateLimits:                # off unless tiers or rules are given (GCRA; 429 + Retry-After + RateLimit fields)
 *   enabled: true            # false: enforce nothing (the tiers stay labels for apiKeys[].tier)
 *   tierClaim: tier          # JWT claim naming a token's tier; an API key names its own (auth.apiKeys[].tier)
 *   defaultTier: free        # callers whose credential names no (or an unknown) tier; absent = only rules apply
 *   headers: true            # RateLimit-Policy / RateLimit on allowed answers too (429s always carry them)
 *   localKeys: 100000        # (key, limit) pairs the in-memory limiter holds before it evicts
 *   redis:                   # absent or url empty = each instance limits alone
 *     url: "${BFF_REDIS_URL:-}"   # redis://host:port/db, rediss://, unix://
 *     type: standalone       # sentinel (needs masterName) | cluster (one hash tag per BFF: one slot)
 *     connections: 1         # pipelined connections per event loop
 *     timeout: 50ms          # one decision; then onFailure applies (never a hung request)
 *     onFailure: open        # open: each instance's own limiter decides while Redis is down | closed: 503 (and /readyz 503)
 *     keyPrefix: "bffkit:"
 *   tiers:                   # anonymous = callers without credentials, keyed by client address
 *     free:
 *       key: sub             # apikey | sub | claim:NAME | ip | route, or a list of them; default sub (anonymous: ip)
 *       limits: [ { name: minute, limit: 100, per: 1m, burst: 20 }, { name: day, limit: 5000, per: 1d } ]   # burst default = limit
 *       quota: { limit: 10000, per: month, over: reject, thresholds: [80%, 100%] }   # per: month | day (UTC); over: reject (429) | bill (allow)
 *   rules:                   # extra limits on routes named as --routes prints them ("*" = all but health)
 *     - { name: checkout-per-ip, routes: ["screen:checkout"], key: [ip, route], limits: [ { limit: 5, per: 1s } ] }
 *   billing:                 # called once per quota threshold crossed (HMAC-signed POST, Idempotency-Key, retried)
 *     url: https://billing.example.com/hooks/usage
 *     secret: "${BFF_BILLING_SECRET}"   # at least 16 characters; signs BFF-Signature: t=..,v1=hex(HMAC-SHA256(t.body))
 *     timeout: 2s
 *     maxAttempts: 8
 *     initialBackoff: 500ms  # doubling, full jitter, capped at maxBackoff
 *     maxBackoff: 60s
 *     queue: 10000           # events waiting; beyond it they are dropped (counted, logged)
 * traffic:
 *   mirrors:                 # copies of a route's bodiless requests (GET/HEAD/DELETE/OPTIONS) to a shadow, fire-and-forget
 *     - route: "screen:home" # a route-table name as --routes prints it (one mirror per route)
 *       service: shadow      # a declared service; its own timeout, bulkhead, breaker; copies carry x-bff-mirror: 1
 *       share: 100%          # 0..100 % (or 0..1) of the route's admitted requests
 *       maxConcurrent: 64    # copies in flight BFF-wide; beyond it skipped (bff_mirror_total{outcome=skipped_busy})
 * admin:                     # the operators' listener: /healthz /readyz /upstreamz /routes
 *   host: 127.0.0.1          # beyond loopback a token is required
 *   port: 9081               # default: server.port + 1000 (ephemeral when server.port is 0); -1 = off
 *   token: "${BFF_ADMIN_TOKEN}"   # Authorization: Bearer <token> for all but /healthz and /readyz
 * limits:
 *   maxUriBytes: 8192        # request line; longer → 414 (headers: server.maxHeaderBytes → 431)
 *   headerReadTimeout: 60s   # a request head must arrive within this of connect / previous response (slowloris)
 *   maxConnections: 10000    # per BFF; 0 = no limit
 *   bodyTimeout: 10s         # a body read whole (GraphQL, transcoding, WAF prefix) must arrive within this (and the deadline): 408, then close
 *   minBodyRate: 1024        # bytes/s a body streamed to a proxy route must keep over each bodyTimeout (408 + reset); 0 = none
 *   graphql:                 # ad-hoc GraphQL only (screens are trusted)
 *     maxDepth: 15
 *     maxAliases: 30
 *     maxRootFields: 20
 *     maxTokens: 5000
 *     maxCost: 20000         # fields × page sizes (first/limit/size/...; 10 for a variable)
 *     introspection: false # __schema/__type; even when on, no composition directives or # comments show
 *     persistedQueries: true # Apollo APQ: extensions.persistedQuery.sha256Hash
 *     serviceNamesInErrors: false # field errors (screens too) name the failing service, e.g. "posts answered 503"
 * filters:                   # static filters before auth; all off by default
 *   ipAllow: [10.0.0.0/8, "2001:db8::/32"]   # CIDRs (v4/v6); non-empty = only these
 *   ipDeny: [10.6.6.0/24]                   # wins over ipAllow (403 forbidden_address)
 *   trustedProxies: [127.0.0.1]             # X-Forwarded-For believed only from these (right-most untrusted hop)
 *   countryHeader: cf-ipcountry             # set by your CDN; geofence:
 *   countryAllow: [CH, DE]                  # or countryDeny: [..] (403 forbidden_country)
 *   waf: off                 # audit (log) | block (403 request_blocked): SQLi/XSS signatures on path, query, headers, bodies
 *   wafBody:                 # proxy-route bodies (waf on): textual ones read up to limit before the service is called
 *     inspect: true
 *     limit: 64kb            # JSON checked value by value, forms field by field, multipart fields (not files)
 *     overLimit: pass        # pass: first limit bytes checked, rest streamed unchecked | reject: 413 body_too_large
 *     types: [application/json, "application/*+json", application/x-www-form-urlencoded, multipart/form-data,
 *             "text/*", application/xml, "application/*+xml"]   # others stream unread; no Content-Type is inspected
 * cors:                      # browsers; off unless allowOrigins is given
 *   allowOrigins: ["https://app.example.com"]   # or "*" (not with credentials); a comma list works too
 *   allowMethods: [GET, POST]
 *   allowHeaders: [authorization, content-type]
 *   exposeHeaders: [x-request-id, x-bff-partial, etag]
 *   allowCredentials: false
 *   maxAge: 10m
 * tls:                       # off unless certPath is given
 *   certPath: /etc/bff/tls/cert.pem   # PEM chain; re-read when it changes (hot reload)
 *   keyPath: /etc/bff/tls/key.pem
 *   reloadInterval: 1m
 *   hsts: 0s                 # > 0: Strict-Transport-Security: max-age=...; includeSubDomains
 *   clientAuth: none         # request | required: client certificates signed by clientCaPath ({ctx.clientCert})
 *   clientCaPath: /etc/bff/tls/clients-ca.pem
 * }</pre>
 *
 * <p>With auth on, templates read the caller as {@code {ctx.sub}}, {@code {ctx.scope}} (space
 * separated), {@code {ctx.tier}} (API keys), {@code {ctx.iss}} and {@code {ctx.claims.NAME}};
 * schema fields may require scopes with {@code @auth(scopes: ["..."])} (null plus a
 * {@code FORBIDDEN} error without them).
 *
 * <p>Only {@code services.<name>.endpoints} and {@code routes[i].prefix/service} are required;
 * everything else defaults to {@link ServerConfig#defaults()}, {@link
 * CompositionConfig#defaults()} and, per service, connectTimeout 1s, poolSize 64, keepAlive 60s,
 * timeout 10s and the resilience defaults of {@link ServiceConfig}'s nested records (shown above).
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
