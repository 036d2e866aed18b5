package dev.bffkit.core.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.FleetConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Checks opaque bearer tokens at the issuer's introspection endpoint (RFC 7662), for every event loop of a BFF. A
 * verdict is remembered by the token's SHA-256 (never the token): an active token until the earlier of its
 * {@code exp} and {@code cacheTtl}, a refused one for {@code negativeTtl}, at most {@code maxEntries} (Caffeine, no
 * executor threads). Concurrent requests with one new token make one call (single flight): the first starts it,
 * every one waits for it through {@link KeysPending} and decides again once it ended. An identity provider that
 * fails, answers malformed or does not answer within {@code timeout} leaves no verdict, so the waiting requests are
 * answered 503 (fail closed) and the next request asks again. With {@code shared}, the fleet's Redis is asked first
 * and told every new answer ({@link SharedVerdicts}); a Redis that fails is only a miss.
 */
public final class Introspector {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.auth");
  /** A failing identity provider is logged at most once per this interval. */
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * A verdict stays readable this long after it was made even when its life was shorter (cacheTtl or negativeTtl
   * 0, a token expiring during the call), so the requests that waited for the call still find it.
   */
  static final long SETTLE_MS = 1000;

  private final Vertx vertx;
  private final AuthConfig.Issuer issuer;
  private final AuthConfig.Introspection cfg;
  private final HttpClient client;
  private final ClientAssertion assertion;
  private final String basicAuth;
  private final Cache<String, Remembered> verdicts;
  /** The fleet's answers ({@code shared}); null when not shared. */
  private final SharedVerdicts shared;
  private final ConcurrentHashMap<String, Future<Void>> inFlight = new ConcurrentHashMap<>();
  private volatile URI endpoint;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
  private final Counter hits;
  private final Counter misses;
  private final Counter active;
  private final Counter inactive;
  private final Counter refused;
  private final Counter errors;
  private final Timer latency;

  /** A verdict and when it was made (ms since the epoch). */
  private record Remembered(IntrospectionAnswer.Verdict verdict, long madeMillis) {}

  Introspector(Vertx vertx, AuthConfig.Issuer issuer, HttpClient client, MeterRegistry registry, FleetConfig fleet) {
    this.vertx = vertx;
    this.shared = issuer.introspection().shared() ? new SharedVerdicts(vertx, fleet, issuer.issuer(), registry) : null;
    this.issuer = issuer;
    this.cfg = issuer.introspection();
    this.client = client;
    this.endpoint = cfg.url();
    boolean jwtAuth = cfg.clientAuth() == AuthConfig.Introspection.ClientAuth.PRIVATE_KEY_JWT;
    this.assertion = jwtAuth ? ClientAssertion.load(cfg.clientId(), Path.of(cfg.privateKeyPath())) : null;
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
    this.basicAuth = jwtAuth ? null : "Basic " + Base64.getEncoder().encodeToString(
        (form(cfg.clientId()) + ":" + form(cfg.clientSecret())).getBytes(StandardCharsets.UTF_8));
    this.verdicts = Caffeine.newBuilder().maximumSize(cfg.maxEntries()).executor(Runnable::run)
        .expireAfter(new Expiry<String, Remembered>() {
          @Override
          public long expireAfterCreate(String key, Remembered r, long currentTime) {
            long life = Math.max(r.verdict().untilMillis(), r.madeMillis() + SETTLE_MS) - System.currentTimeMillis();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, life));
          }

          @Override
          public long expireAfterUpdate(String key, Remembered r, long currentTime, long currentDuration) {
            return expireAfterCreate(key, r, currentTime);
          }

          @Override
          public long expireAfterRead(String key, Remembered r, long currentTime, long currentDuration) {
            return currentDuration;
          }
        }).build();
    String iss = issuer.issuer();
    this.hits = counter(registry, "bff.auth.introspection.cache", "Opaque-token checks answered from memory or not",
        iss, "result", "hit");
    this.misses = counter(registry, "bff.auth.introspection.cache", "Opaque-token checks answered from memory or not",
        iss, "result", "miss");
    this.active = counter(registry, "bff.auth.introspections", "Introspection calls by outcome", iss, "outcome", "active");
    this.inactive = counter(registry, "bff.auth.introspections", "Introspection calls by outcome", iss, "outcome", "inactive");
    // Active, but this BFF's checks said no (exp, nbf, iss, aud): a rise means the settings and the provider disagree.
    this.refused = counter(registry, "bff.auth.introspections", "Introspection calls by outcome", iss, "outcome", "refused");
    this.errors = counter(registry, "bff.auth.introspections", "Introspection calls by outcome", iss, "outcome", "error");
    this.latency = Timer.builder("bff.auth.introspection.duration").description("Introspection call time")
        .tag("issuer", iss).register(registry);
  }

  private static Counter counter(MeterRegistry r, String name, String description, String issuer, String tag, String v) {
    return Counter.builder(name).description(description).tags("issuer", issuer, tag, v).register(r);
  }

  /**
   * The principal of {@code token}, from memory; else, with {@code mayFetch}, throws {@link KeysPending} for the call
   * (the caller waits, then asks again without {@code mayFetch}: the verdict that call made, if it made one); without
   * it, 503: the call ended with no verdict. A refused token is {@link AuthException} 401 {@code invalid_token}.
   */
  Principal check(String token, boolean mayFetch) {
    String key = sha256(token);
    Remembered r = verdicts.getIfPresent(key);
    long now = System.currentTimeMillis();
    if (r != null && (r.verdict().untilMillis() >= now || !mayFetch && now - r.madeMillis() <= SETTLE_MS)) {
      if (mayFetch) hits.increment(); // a second look after this request's own call is not a hit
      IntrospectionAnswer.Verdict v = r.verdict();
      if (v.principal() == null) throw AuthException.invalid(v.refusal());
      return v.principal();
    }
    if (!mayFetch) {
      throw AuthException.unavailable("the identity provider is unavailable: the token could not be checked; try again");
    }
    misses.increment();
    @SuppressWarnings("unchecked")
    Promise<Void>[] mine = new Promise[1];
    Future<Void> call = inFlight.computeIfAbsent(key, k -> {
      mine[0] = Promise.promise();
      return mine[0].future();
    });
    if (mine[0] != null) start(token, key, mine[0]);
    throw new KeysPending(call);
  }

  /**
   * One check of {@code token}: the fleet's Redis first (bounded by {@code redis.timeout}; any failure is a miss),
   * then the identity provider. {@code done} completes when it ended, with or without a verdict, or at the timeout.
   */
  private void start(String token, String key, Promise<Void> done) {
    long timeoutMs = cfg.timeout().toMillis();
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (done.tryComplete()) {
        inFlight.remove(key, done.future());
        failed("no answer within " + timeoutMs + " ms");
      }
    });
    if (shared == null) {
      call(token, key, done, timer);
      return;
    }
    shared.get(key, issuer).onComplete(ar -> {
      IntrospectionAnswer.Verdict v = ar.result(); // never fails: a miss of any kind is null
      if (v == null) {
        call(token, key, done, timer);
        return;
      }
      verdicts.put(key, new Remembered(v, System.currentTimeMillis()));
      settle(key, done, timer);
    });
  }

  private void call(String token, String key, Promise<Void> done, long timer) {
    long t0 = System.nanoTime();
    endpoint().compose(url -> formBody(token, url).compose(body -> post(url, body))).onComplete(ar -> {
      latency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      if (ar.succeeded()) {
        try {
          long now = System.currentTimeMillis();
          IntrospectionAnswer.Verdict v = IntrospectionAnswer.parse(ar.result(), issuer, now);
          // Stored before the waiters are released, so their second look finds it. An answer after the timeout is
          // stored too: the next request needs no call.
          verdicts.put(key, new Remembered(v, now));
          if (shared != null) shared.put(key, ar.result(), v.untilMillis());
          (v.principal() != null ? active : IntrospectionAnswer.INACTIVE.equals(v.refusal()) ? inactive : refused)
              .increment();
        } catch (IntrospectionAnswer.Malformed e) {
          if (!done.future().isComplete()) failed(e.getMessage());
        }
      } else if (!done.future().isComplete()) { // else the timeout was counted and logged
        failed(ar.cause().getMessage());
      }
      settle(key, done, timer);
    });
  }

  private void settle(String key, Promise<Void> done, long timer) {
    vertx.cancelTimer(timer);
    inFlight.remove(key, done.future());
    done.tryComplete();
  }

  void close() {
    if (shared != null) shared.close();
  }

  private void failed(String why) {
    errors.increment();
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
      LOG.warning("event=introspection_failed issuer=" + issuer.issuer() + " cause=\"" + oneLine(why) + "\"");
    }
  }

  private static String oneLine(String s) {
    return s == null ? "unknown" : s.replace('\n', ' ').replace('"', '\'');
  }

  /** The endpoint: configured, or the {@code introspection_endpoint} of the issuer's OIDC discovery document. */
  private Future<URI> endpoint() {
    URI known = endpoint;
    if (known != null) return Future.succeededFuture(known);
    String base = issuer.issuer().endsWith("/") ? issuer.issuer().substring(0, issuer.issuer().length() - 1) : issuer.issuer();
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + "/.well-known/openid-configuration")
        .setConnectTimeout(cfg.timeout().toMillis()).setIdleTimeout(cfg.timeout().toMillis())
        .putHeader(HttpHeaders.ACCEPT, "application/json");
    return send(o, null).map(body -> {
      String url = new JsonObject(body).getString("introspection_endpoint");
      if (url == null) throw new IllegalStateException("the discovery document has no introspection_endpoint");
      URI u = URI.create(url);
      endpoint = u;
      return u;
    });
  }

  /** RFC 7662 §2.1: the token and its hint; with private_key_jwt the client assertion (RFC 7523 §2.2), made on a worker. */
  private Future<Buffer> formBody(String token, URI url) {
    String base = "token=" + form(token) + "&token_type_hint=access_token";
    if (assertion == null) return Future.succeededFuture(Buffer.buffer(base));
    return vertx.executeBlocking(() -> Buffer.buffer(base + "&client_id=" + form(cfg.clientId())
        + "&client_assertion_type=" + form(ClientAssertion.TYPE) + "&client_assertion=" + form(assertion.sign(url.toString()))),
        false);
  }

  private Future<Buffer> post(URI url, Buffer body) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
        .setConnectTimeout(cfg.timeout().toMillis()).setIdleTimeout(cfg.timeout().toMillis())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
        .putHeader(HttpHeaders.ACCEPT, "application/json");
    if (basicAuth != null) o.putHeader(HttpHeaders.AUTHORIZATION, basicAuth);
    return send(o, body);
  }

  /** The answer's body when it is a 200 within {@link IntrospectionAnswer#MAX_BYTES}; else a failure naming the status. */
  private Future<Buffer> send(RequestOptions o, Buffer body) {
    return client.request(o)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            resp.end();
            return Future.failedFuture(o.getURI() + " answered " + resp.statusCode());
          }
          return resp.body();
        })
        .map(b -> {
          if (b.length() > IntrospectionAnswer.MAX_BYTES) {
            throw new IllegalStateException("answer longer than " + IntrospectionAnswer.MAX_BYTES + " bytes");
          }
          return b;
        });
  }

  /** The SHA-256 of the token, base64url: what is remembered instead of the token. */
  static String sha256(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
