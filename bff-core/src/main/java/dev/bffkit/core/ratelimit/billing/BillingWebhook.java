package dev.bffkit.core.ratelimit.billing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Delivers quota threshold crossings ({@link UsageEvent}) to the configured billing webhook, off the request path.
 *
 * <p>{@link #offer} is all a request ever pays: a lock-free enqueue and a counter, whatever the webhook does. The
 * queue is bounded ({@code queueCapacity} events held: queued, in flight or waiting for a retry); beyond it an
 * offer is refused and counted as dropped. Everything else runs on one Vert.x context: up to
 * {@value #MAX_IN_FLIGHT} events are delivered at once, one at a time per caller, so a caller's 80 % arrives
 * before its 100 %.
 *
 * <p>Each attempt is a POST of the event's JSON with {@code Idempotency-Key} (the same on every attempt and every
 * instance: the receiver dedupes) and a fresh {@code BFF-Signature}. A 2xx is delivered; 408, 429, 5xx, a timeout
 * or a connection error is retried after an exponential backoff with full jitter (at least the receiver's
 * {@code Retry-After}, at most {@code maxBackoff}) until {@code maxAttempts}; any other status is the receiver's
 * refusal and is not retried. Whatever is not delivered is logged with its idempotency key, never the secret or
 * a signature.
 */
public final class BillingWebhook {

  /** Events delivered at once (and the connection pool's size): enough to ride out one slow receiver call. */
  static final int MAX_IN_FLIGHT = 4;

  private static final Logger LOG = Logger.getLogger("dev.bffkit.ratelimit.billing");
  private static final long DROP_LOG_INTERVAL_NANOS = 1_000_000_000L;

  private final Vertx vertx;
  private final Context context;
  private final HttpClientAgent client;
  private final BillingWebhookOptions options;
  private final RequestOptions target;
  private final String bff;
  private final long timeoutMillis;
  private final long initialBackoffMillis;
  private final long maxBackoffMillis;

  // Shared with callers on any thread: lock-free.
  private final ConcurrentLinkedQueue<UsageEvent> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicBoolean pumpScheduled = new AtomicBoolean();
  private final AtomicLong nextDropLogNanos;
  private final AtomicLong dropsNotLogged = new AtomicLong();
  private volatile boolean closed;

  // Confined to the context.
  private final Set<Delivery> active = new LinkedHashSet<>();
  private final Map<String, ArrayDeque<UsageEvent>> laterByCaller = new HashMap<>();

  private final Counter delivered;
  private final Counter rejected;
  private final Counter gaveUp;
  private final Counter dropped;
  private final Counter attemptsOk;
  private final Counter attemptsRetry;
  private final Counter attemptsFailed;
  private final Gauge queueGauge;
  private final MeterRegistry registry;

  private BillingWebhook(Vertx vertx, BillingWebhookOptions options, MeterRegistry registry, String bff) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.bff = bff;
    this.registry = registry;
    this.timeoutMillis = Math.max(1, options.timeout().toMillis());
    this.initialBackoffMillis = Math.max(1, options.initialBackoff().toMillis());
    this.maxBackoffMillis = Math.max(1, options.maxBackoff().toMillis());
    this.nextDropLogNanos = new AtomicLong(System.nanoTime());
    // Its own small pool, kept alive between events: a dead receiver holds these connections, never a service's.
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setName("bff-billing-webhook")
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis)),
        new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT).setMaxWaitQueueSize(MAX_IN_FLIGHT));
    this.target = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(options.url().toString())
        .setTimeout(timeoutMillis).setFollowRedirects(false);
    delivered = events("delivered");
    rejected = events("rejected");
    gaveUp = events("gave_up");
    dropped = events("dropped");
    attemptsOk = attempts("ok");
    attemptsRetry = attempts("retry");
    attemptsFailed = attempts("failed");
    queueGauge = Gauge.builder("bff.billing.webhook.queue", held, AtomicInteger::get)
        .description("Billing webhook events held: queued, in flight or waiting for a retry")
        .tag("bff", bff).strongReference(true).register(registry);
  }

  /**
   * Starts the webhook's delivery on a context of {@code vertx} (the caller's, or a new event-loop context when
   * called off Vert.x). Meters are registered here, once, tagged {@code bff}.
   */
  public static BillingWebhook start(Vertx vertx, BillingWebhookOptions options, MeterRegistry registry, String bff) {
    BillingWebhook webhook = new BillingWebhook(vertx, options, registry, bff);
    LOG.info("event=billing_webhook_started bff=" + bff + " url=" + BillingWebhookOptions.redacted(options.url())
        + " max_attempts=" + options.maxAttempts() + " queue_capacity=" + options.queueCapacity());
    return webhook;
  }

  /**
   * Queues {@code event} for delivery, from any thread, without blocking or waiting for the webhook. False when
   * {@code queueCapacity} events are already held, or after {@link #close()}: the event is counted as dropped.
   */
  public boolean offer(UsageEvent event) {
    if (closed) {
      droppedOnOffer(event);
      return false;
    }
    if (held.incrementAndGet() > options.queueCapacity()) {
      held.decrementAndGet();
      droppedOnOffer(event);
      return false;
    }
    inbox.add(event);
    if (closed && inbox.remove(event)) { // close() drained the inbox between the check and the add
      held.decrementAndGet();
      droppedOnOffer(event);
      return false;
    }
    if (pumpScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        pumpScheduled.set(false);
        pump();
      });
    }
    return true;
  }

  /** Events held: queued, in flight or waiting for a retry. */
  public int queued() {
    return held.get();
  }

  /**
   * Stops: refuses new offers, abandons attempts in flight and retries not yet due, and logs every event not
   * delivered as dropped with its idempotency key. Completes when the connections are closed.
   */
  public Future<Void> close() {
    closed = true;
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      for (Delivery d : new ArrayList<>(active)) {
        if (d.retryTimer >= 0) vertx.cancelTimer(d.retryTimer);
        vertx.cancelTimer(d.deadline);
        if (d.request != null) d.request.reset();
        settle(d, Outcome.DROPPED, "closed");
      }
      for (ArrayDeque<UsageEvent> later : laterByCaller.values()) {
        for (UsageEvent e : later) droppedOnClose(e);
      }
      laterByCaller.clear();
      for (UsageEvent e; (e = inbox.poll()) != null; ) droppedOnClose(e);
      registry.remove(queueGauge);
      client.close().onComplete(done);
    });
    return done.future();
  }

  private void pump() {
    while (!closed && active.size() < MAX_IN_FLIGHT) {
      UsageEvent e = inbox.poll();
      if (e == null) return;
      ArrayDeque<UsageEvent> later = laterByCaller.get(e.caller());
      if (later != null) {
        later.add(e); // this caller has an event under way: in order, after it
      } else {
        laterByCaller.put(e.caller(), new ArrayDeque<>());
        begin(e);
      }
    }
  }

  private void begin(UsageEvent e) {
    Delivery d = new Delivery(e);
    active.add(d);
    attempt(d);
  }

  private void attempt(Delivery d) {
    d.retryTimer = -1;
    d.attempts++;
    long t = System.currentTimeMillis() / 1000;
    String signature = BillingSignature.sign(options.secret(), t, d.bodyBytes);
    Promise<HttpClientResponse> answer = Promise.promise();
    // The client's timeouts cover connecting and silence; this one bounds a receiver that answers byte by byte.
    d.deadline = vertx.setTimer(timeoutMillis, id -> {
      if (answer.tryFail(new TimeoutException("no answer within " + timeoutMillis + " ms")) && d.request != null) {
        d.request.reset();
      }
    });
    client.request(new RequestOptions(target)).onComplete(ar -> {
      if (ar.failed()) {
        answer.tryFail(ar.cause());
        return;
      }
      HttpClientRequest req = ar.result();
      if (answer.future().isComplete() || d.done) { // timed out or closed while waiting for a connection
        req.reset();
        return;
      }
      d.request = req;
      req.putHeader("Content-Type", "application/json")
          .putHeader("Idempotency-Key", d.idempotencyKey)
          .putHeader(BillingSignature.HEADER, signature)
          .putHeader("User-Agent", "bff-kit-billing-webhook");
      req.send(d.body)
          .compose(resp -> {
            resp.handler(chunk -> { }); // the answer's body is not read: drained so the connection is reused
            return resp.end().map(resp);
          })
          .onComplete(r -> { if (r.succeeded()) answer.tryComplete(r.result()); else answer.tryFail(r.cause()); });
    });
    answer.future().onComplete(ar -> {
      vertx.cancelTimer(d.deadline);
      d.request = null;
      if (!d.done) answered(d, ar);
    });
  }

  private void answered(Delivery d, AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      retryOrGiveUp(d, describe(ar.cause()), -1);
      return;
    }
    HttpClientResponse resp = ar.result();
    int status = resp.statusCode();
    if (status >= 200 && status < 300) {
      attemptsOk.increment();
      settle(d, Outcome.DELIVERED, "status=" + status);
    } else if (status == 408 || status == 429 || status >= 500) { // RFC 9110 §15.5.9, RFC 6585 §4, §15.6
      retryOrGiveUp(d, "status=" + status, retryAfterMillis(resp.getHeader("Retry-After"), System.currentTimeMillis()));
    } else {
      attemptsFailed.increment();
      settle(d, Outcome.REJECTED, "status=" + status);
    }
  }

  private void retryOrGiveUp(Delivery d, String last, long retryAfterMillis) {
    if (closed) {
      settle(d, Outcome.DROPPED, "closed");
      return;
    }
    if (d.attempts >= options.maxAttempts()) {
      attemptsFailed.increment();
      settle(d, Outcome.GAVE_UP, last);
      return;
    }
    attemptsRetry.increment();
    d.retryTimer = vertx.setTimer(backoffMillis(d.attempts, retryAfterMillis), id -> attempt(d));
  }

  /**
   * Full jitter (a uniform delay below an exponentially growing ceiling) spreads the retries of many instances
   * after one outage; a receiver's {@code Retry-After} is a floor. Both capped at {@code maxBackoff}.
   */
  long backoffMillis(int attemptsSoFar, long retryAfterMillis) {
    long ceiling = Math.min(maxBackoffMillis, initialBackoffMillis << Math.min(attemptsSoFar - 1, 30));
    long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
    if (retryAfterMillis >= 0) delay = Math.max(delay, Math.min(retryAfterMillis, maxBackoffMillis));
    return Math.max(1, delay);
  }

  /**
   * {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds ({@code 1*DIGIT}) or an HTTP-date; -1 when absent or
   * malformed (our own backoff then applies). Values beyond a day are read as a day: the cap comes later anyway.
   */
  static long retryAfterMillis(String value, long nowMillis) {
    if (value == null || value.isEmpty() || value.length() > 64) return -1;
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return value.length() > 5 ? 86_400_000L : Math.min(86_400_000L, Long.parseLong(value) * 1000);
    }
    try {
      long at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.max(0, Math.min(86_400_000L, at - nowMillis));
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  private void settle(Delivery d, Outcome outcome, String last) {
    if (d.done) return;
    d.done = true;
    active.remove(d);
    held.decrementAndGet();
    switch (outcome) {
      case DELIVERED -> delivered.increment();
      case REJECTED -> {
        rejected.increment();
        LOG.warning("billing webhook rejected " + fields(d.event, d.idempotencyKey) + " attempts=" + d.attempts + " last=" + last);
      }
      case GAVE_UP -> {
        gaveUp.increment();
        LOG.warning("billing webhook gave up " + fields(d.event, d.idempotencyKey) + " attempts=" + d.attempts + " last=" + last);
      }
      case DROPPED -> {
        dropped.increment();
        LOG.warning("billing webhook dropped " + fields(d.event, d.idempotencyKey) + " attempts=" + d.attempts + " reason=" + last);
      }
    }
    if (closed) return; // close() drops what waits behind it
    String caller = d.event.caller();
    ArrayDeque<UsageEvent> later = laterByCaller.get(caller);
    UsageEvent next = later == null ? null : later.poll();
    if (next != null) {
      begin(next);
    } else {
      laterByCaller.remove(caller);
      pump();
    }
  }

  /**
   * A refused offer runs on the caller's thread, maybe a request's event loop, so it costs a counter, and at most
   * one log line a second (with the count since the last line): a full queue under a dead webhook must not turn
   * into a flood of synchronous log writes on the request path.
   */
  private void droppedOnOffer(UsageEvent e) {
    dropped.increment();
    dropsNotLogged.incrementAndGet();
    long now = System.nanoTime();
    long next = nextDropLogNanos.get();
    if (now - next >= 0 && nextDropLogNanos.compareAndSet(next, now + DROP_LOG_INTERVAL_NANOS)) {
      LOG.warning("billing webhook dropped " + fields(e, e.idempotencyKey()) + " reason=" + (closed ? "closed" : "queue_full")
          + " dropped_since_last_line=" + dropsNotLogged.getAndSet(0) + " queue_capacity=" + options.queueCapacity());
    }
  }

  private void droppedOnClose(UsageEvent e) {
    held.decrementAndGet();
    dropped.increment();
    LOG.warning("billing webhook dropped " + fields(e, e.idempotencyKey()) + " attempts=0 reason=closed");
  }

  private static String fields(UsageEvent e, String idempotencyKey) {
    return "idempotency_key=" + idempotencyKey + " bff=" + e.bff() + " tier=" + e.tier() + " key=" + oneWord(e.key())
        + " period=" + oneWord(e.period()) + " threshold=" + e.thresholdPercent();
  }

  /** Caller-derived text inside a key=value line: no spaces or line breaks that would forge fields or lines. */
  private static String oneWord(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c == 0x7f || c == '=') {
        if (b == null) b = new StringBuilder(s.substring(0, i));
        b.append('_');
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static String describe(Throwable err) {
    String m = err.getMessage();
    return err.getClass().getSimpleName() + (m == null ? "" : ":" + oneWord(m.length() > 120 ? m.substring(0, 120) : m));
  }

  private Counter events(String outcome) {
    return Counter.builder("bff.billing.webhook.events")
        .description("Billing webhook events by outcome (dropped: queue full or stopped before delivery)")
        .tag("bff", bff).tag("outcome", outcome).register(registry);
  }

  private Counter attempts(String result) {
    return Counter.builder("bff.billing.webhook.attempts")
        .description("Billing webhook POSTs: ok (2xx), retry (retried later), failed (the event's last)")
        .tag("bff", bff).tag("result", result).register(registry);
  }

  private enum Outcome { DELIVERED, REJECTED, GAVE_UP, DROPPED }

  /** One event under way: its body (the same bytes on every attempt) and its attempts so far. */
  private static final class Delivery {
    final UsageEvent event;
    final String idempotencyKey;
    final Buffer body;
    final byte[] bodyBytes;
    int attempts;
    long retryTimer = -1;
    long deadline = -1;
    HttpClientRequest request;
    boolean done;

    Delivery(UsageEvent event) {
      this.event = event;
      this.idempotencyKey = event.idempotencyKey();
      this.body = event.toJson().toBuffer();
      this.bodyBytes = body.getBytes();
    }
  }
}
