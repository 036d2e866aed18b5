package dev.bffkit.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One upstream service: {@code services.<name>:} in bff.yaml. The nested records are the
 * resilience settings; each has {@code defaults()} that are safe for a service nobody tuned.
 */
public record ServiceConfig(
    String name,
    /** Base URLs (scheme, host, port; no path); may be empty only when {@code discovery} finds them. */
    List<URI> endpoints,
    Duration connectTimeout,
    /** Max pooled HTTP/1.1 connections per endpoint and event loop. */
    int poolSize,
    Duration keepAlive,
    /** Upper bound on one call, retries and hedges included; the request deadline may cut it shorter. */
    Duration timeout,
    Discovery discovery,
    Balancer balancer,
    HealthCheck healthCheck,
    Outlier outlier,
    Breaker breaker,
    Retry retry,
    Hedge hedge,
    Bulkhead bulkhead,
    Http2 http2,
    /** TLS to the service's https endpoints: trusted CA, client certificate (mutual TLS). */
    Tls tls,
    /** Each endpoint's labels, in the order of {@code endpoints} ({@code {url, labels}} items); empty maps for plain URLs. */
    List<Map<String, String>> labels,
    /** {@code canary:}: a labelled subset that takes a share of traffic; null when none. */
    CanaryConfig canary,
    /** {@code coldStart:}: a service that sleeps when idle (serverless); {@link ColdStart#none()} for the rest. */
    ColdStart coldStart) {

  public ServiceConfig {
    endpoints = List.copyOf(endpoints);
    if (tls == null) tls = Tls.none();
    if (coldStart == null) coldStart = ColdStart.none();
    if (labels == null || labels.isEmpty()) {
      labels = Collections.nCopies(endpoints.size(), Map.of());
    } else if (labels.size() != endpoints.size()) {
      throw new IllegalArgumentException("one label map per endpoint: " + labels.size() + " for " + endpoints.size());
    } else {
      labels = labels.stream().map(Map::copyOf).toList();
    }
  }

  /** Without endpoint labels or a canary. */
  public ServiceConfig(String name, List<URI> endpoints, Duration connectTimeout, int poolSize, Duration keepAlive,
      Duration timeout, Discovery discovery, Balancer balancer, HealthCheck healthCheck, Outlier outlier,
      Breaker breaker, Retry retry, Hedge hedge, Bulkhead bulkhead, Http2 http2, Tls tls) {
    this(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer, healthCheck, outlier,
        breaker, retry, hedge, bulkhead, http2, tls, null, null, ColdStart.none());
  }

  /** The same service with endpoint labels and a canary. */
  public ServiceConfig withCanary(List<Map<String, String>> endpointLabels, CanaryConfig c) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, breaker, retry, hedge, bulkhead, http2, tls, endpointLabels, c, coldStart);
  }

  /**
   * The same service with every endpoint at {@code backend} (a warm-up's in-process server): as
   * many endpoints with the same labels, so subsets and canaries resolve as configured; static, plain.
   */
  public ServiceConfig at(URI backend) {
    int n = Math.max(1, endpoints.size());
    List<Map<String, String>> l = endpoints.isEmpty() ? null : labels;
    CanaryConfig c = canary == null ? null : canary.withoutRollback();
    return new ServiceConfig(name, Collections.nCopies(n, backend), connectTimeout, poolSize, keepAlive, timeout,
        Discovery.defaults(), balancer, healthCheck, outlier, breaker, retry, hedge, bulkhead, http2, Tls.none(), l, c, coldStart);
  }

  /** Without upstream TLS settings (the JVM's trust store, no client certificate). */
  public ServiceConfig(String name, List<URI> endpoints, Duration connectTimeout, int poolSize, Duration keepAlive,
      Duration timeout, Discovery discovery, Balancer balancer, HealthCheck healthCheck, Outlier outlier,
      Breaker breaker, Retry retry, Hedge hedge, Bulkhead bulkhead, Http2 http2) {
    this(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer, healthCheck, outlier,
        breaker, retry, hedge, bulkhead, http2, Tls.none());
  }

  /**
   * {@code services.<name>.tls}: PEM paths. {@code ca} replaces the JVM trust store for this
   * service; {@code cert} + {@code key} are presented as the client certificate (mutual TLS).
   */
  public record Tls(String caPath, String certPath, String keyPath, boolean verifyHost,
      /** Where each path was written (null when not from a file), for errors found when the files are read. */
      GrpcConfig.Pos caPos, GrpcConfig.Pos certPos, GrpcConfig.Pos keyPos) {
    public Tls(String caPath, String certPath, String keyPath, boolean verifyHost) {
      this(caPath, certPath, keyPath, verifyHost, null, null, null);
    }

    public static Tls none() {
      return new Tls(null, null, null, true);
    }

    /** A CA or a client certificate is configured. */
    public boolean configured() {
      return caPath != null || certPath != null;
    }
  }

  /** A service with every resilience setting at its default. */
  public ServiceConfig(String name, List<URI> endpoints, Duration connectTimeout, int poolSize,
      Duration keepAlive, Duration timeout) {
    this(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, Discovery.defaults(),
        Balancer.defaults(), HealthCheck.defaults(), Outlier.defaults(), Breaker.defaults(),
        Retry.defaults(), Hedge.defaults(), Bulkhead.defaults(), Http2.defaults());
  }

  public ServiceConfig withBalancer(Balancer b) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, b,
        healthCheck, outlier, breaker, retry, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withHealthCheck(HealthCheck h) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        h, outlier, breaker, retry, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withOutlier(Outlier o) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, o, breaker, retry, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withBreaker(Breaker b) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, b, retry, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withRetry(Retry r) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, breaker, r, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withHedge(Hedge h) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, breaker, retry, h, bulkhead, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withBulkhead(Bulkhead b) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, breaker, retry, hedge, b, http2, tls, labels, canary, coldStart);
  }

  public ServiceConfig withColdStart(ColdStart cs) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, discovery, balancer,
        healthCheck, outlier, breaker, retry, hedge, bulkhead, http2, tls, labels, canary, cs);
  }

  public ServiceConfig withDiscovery(Discovery d) {
    return new ServiceConfig(name, endpoints, connectTimeout, poolSize, keepAlive, timeout, d, balancer,
        healthCheck, outlier, breaker, retry, hedge, bulkhead, http2, tls, labels, canary, coldStart);
  }

  /** Where endpoints come from besides the static list: {@code discovery:}. */
  public record Discovery(Type type, String name, int port, Duration refresh, String file) {
    public enum Type { STATIC, DNS, SRV, FILE }

    public static Discovery defaults() {
      return new Discovery(Type.STATIC, null, 0, Duration.ofSeconds(30), null);
    }
  }

  /** {@code balancer:}: the pick among live endpoints. */
  public record Balancer(Policy policy, HashOn hashOn, Duration slowStart, List<Integer> weights) {
    public enum Policy { LEAST_REQUEST, ROUND_ROBIN, WEIGHTED, RING_HASH }

    public Balancer {
      weights = List.copyOf(weights);
    }

    public static Balancer defaults() {
      return new Balancer(Policy.LEAST_REQUEST, null, Duration.ZERO, List.of());
    }
  }

  /** What {@code ring_hash} hashes: a request header, a cookie or a claim of the bearer JWT. */
  public record HashOn(Source source, String name) {
    public enum Source { HEADER, COOKIE, CLAIM }
  }

  /**
   * {@code healthCheck:}: active checks. An HTTP service is checked with {@code GET path} (off
   * unless a path is given); a gRPC service ({@code protocol: grpc}) with the standard
   * {@code grpc.health.v1.Health/Check} for {@code service} ({@code ""}: the server as a whole),
   * on as soon as the block is written.
   */
  public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold,
      int unhealthyThreshold, boolean grpc, String service) {
    public HealthCheck {
      if (service == null) service = "";
    }

    /** An HTTP check ({@code path}, or null for none). */
    public HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {
      this(path, interval, timeout, healthyThreshold, unhealthyThreshold, false, "");
    }

    /** The same timings, as a gRPC health check of {@code service}. */
    public HealthCheck grpc(String service) {
      return new HealthCheck(null, interval, timeout, healthyThreshold, unhealthyThreshold, true, service);
    }

    public boolean enabled() {
      return path != null || grpc;
    }

    public static HealthCheck defaults() {
      return new HealthCheck(null, Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3);
    }
  }

  /** {@code outlier:}: passive ejection; {@code consecutiveErrors: 0} turns it off. */
  public record Outlier(int consecutiveErrors, Duration baseEjectionTime, Duration maxEjectionTime,
      int maxEjectionPercent) {
    public static Outlier defaults() {
      return new Outlier(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50);
    }
  }

  /** {@code breaker:}: one vertx-circuit-breaker per service and BFF. */
  public record Breaker(boolean enabled, int failures, Duration window, Duration resetTimeout) {
    public static Breaker defaults() {
      return new Breaker(true, 10, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }
  }

  /**
   * {@code retry:}. {@code perTryTimeout} null = each try may use the whole remaining budget;
   * {@code budget} is the share of live requests that may be retried, plus {@code minPerSecond}.
   */
  public record Retry(int maxRetries, Set<String> methods, Set<Integer> onStatus, Duration backoff,
      Duration maxBackoff, Duration perTryTimeout, double budget, int minPerSecond) {
    public Retry {
      methods = Set.copyOf(methods);
      onStatus = Set.copyOf(onStatus);
    }

    public Retry withMaxRetries(int n) {
      return new Retry(n, methods, onStatus, backoff, maxBackoff, perTryTimeout, budget, minPerSecond);
    }

    public static Retry defaults() {
      return new Retry(2, Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE"), Set.of(502, 503, 504),
          Duration.ofMillis(25), Duration.ofMillis(250), null, 0.2, 10);
    }
  }

  /** {@code hedge:}: opt-in; {@code delay} null = the service's observed p95 (at least {@code minDelay}). */
  public record Hedge(boolean enabled, Duration delay, Duration minDelay, int maxAttempts) {
    public static Hedge defaults() {
      return new Hedge(false, null, Duration.ofMillis(5), 2);
    }
  }

  /** {@code bulkhead:}: concurrent calls per service and BFF, and how many may wait for a slot. */
  public record Bulkhead(int maxConcurrent, int maxPending) {
    public static Bulkhead defaults() {
      return new Bulkhead(1024, 256);
    }
  }

  /** {@code http2:}: h2 (TLS, ALPN) or h2c with prior knowledge to the service. */
  public record Http2(boolean enabled, int connections, int maxStreams) {
    public static Http2 defaults() {
      return new Http2(false, 2, 100);
    }
  }

  /**
   * {@code coldStart:}: a service that sleeps when idle and takes {@code expected} to answer its first call after
   * (a serverless function). It counts as cold when nothing answered for {@code idleAfter}. A cold service's calls
   * may take {@code expected} longer than {@code timeout}; while one call or warm-up wakes it, the others wait for
   * it rather than wake more instances. Every {@code keepWarm} (0: never) a warm-up {@code GET path} (or the gRPC
   * health check) keeps it awake, for as long as real calls came within {@code keepWarmFor}.
   * {@code maxConcurrency} caps the calls in flight, as the function's own limit does (0: the bulkhead's).
   * {@code grpc}: the service speaks gRPC, so a warm-up is its {@code grpc.health.v1} check.
   */
  public record ColdStart(Duration expected, Duration idleAfter, Duration keepWarm, Duration keepWarmFor, String path,
      int maxConcurrency, boolean grpc) {
    private static final ColdStart NONE =
        new ColdStart(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, null, 0, false);

    public static ColdStart none() {
      return NONE;
    }

    public boolean enabled() {
      return expected.compareTo(Duration.ZERO) > 0;
    }
  }
}
