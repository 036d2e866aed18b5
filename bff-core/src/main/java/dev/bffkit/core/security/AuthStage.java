package dev.bffkit.core.security;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Failures;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.pipeline.WarmAhead;
import dev.bffkit.core.route.RoutePolicy;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;

/**
 * Authentication and coarse authorization, after routing (it reads the route's policy): the {@link Authenticator} decides
 * (see there for the rules); this stage applies the decision to the exchange. A refusal is 401
 * with an RFC 6750 {@code WWW-Authenticate} header (403 {@code insufficient_scope} for missing
 * scopes); an admitted principal goes into {@code ctx} ({@code sub}, {@code scope}, {@code tier},
 * {@code iss}, {@code claims}) and the chosen claims into headers for upstreams. The stage also
 * does the waiting: for a key fetch, or for a signature too costly for the event loop.
 */
public final class AuthStage implements Stage {
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("www-authenticate");
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("retry-after");

  private final Authenticator auth;
  private final WarmAhead warmAhead;

  public AuthStage(Security security, String realm) {
    this(security, realm, WarmAhead.NONE);
  }

  /** {@code warmAhead} runs when a decision has to wait (see {@link #waiting}). */
  public AuthStage(Security security, String realm, WarmAhead warmAhead) {
    this.auth = new Authenticator(security, realm);
    this.warmAhead = warmAhead;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    decide(ex, next, true);
  }

  private void decide(Exchange ex, Next next, boolean mayFetch) {
    Authenticator.Admitted admitted;
    try {
      admitted = auth.authenticate(ex.request().headers(), ex.route().policy(), mayFetch, Vertx.currentContext() != null);
    } catch (AuthException e) {
      refuse(ex, e);
      return;
    } catch (KeysPending pending) {
      // Wait for the key fetch or the introspection (each bounded by its timeout), then decide once
      // more on this loop. The body waits too (the endpoint after us resumes it).
      waiting(ex);
      Context here = Vertx.currentContext();
      pending.fetch.onComplete(ar -> {
        if (here == null) decide(ex, next, false);
        else here.runOnContext(v -> decide(ex, next, false));
      });
      return;
    } catch (RuntimeException e) {
      if (e != JwtVerifier.SLOW) throw e;
      // An ECDSA or EdDSA signature costs 0.2 to 1.2 ms: checked on a worker, then back on this loop.
      waiting(ex);
      String token = Authenticator.bearerToken(ex.request().headers());
      RoutePolicy route = ex.route().policy();
      Vertx.currentContext().executeBlocking(() -> auth.admitBearer(token, route, false, false), false).onComplete(ar -> {
        if (ar.succeeded()) admit(ex, next, ar.result());
        else if (ar.cause() instanceof AuthException ae) refuse(ex, ae);
        else Failures.internal(ex, "AuthStage", ar.cause());
      });
      return;
    }
    admit(ex, next, admitted);
  }

  /**
   * The decision waits (a key fetch, a remote token check, a worker's signature check): the body waits with it, and
   * the route's upstreams are made ready meanwhile ({@link WarmAhead}), so the double cold start (a remote check,
   * then a sleeping backend) costs the longer of the two instead of their sum.
   */
  private void waiting(Exchange ex) {
    ex.request().pause();
    warmAhead.warm(ex);
  }

  private void admit(Exchange ex, Next next, Authenticator.Admitted a) {
    if (ex.answered()) return;
    Principal p = a.principal();
    if (ex.log() != null) ex.log().admitted(p == null ? "anonymous" : p.kind(), p == null ? null : p.subject());
    if (p != null) {
      ex.principal(p);
      a.into(ex.ctx());
      ex.scopes(p.scopes());
      MultiMap identity = a.identity();
      if (identity != null) {
        // Plain proxy routes forward the request's headers. (Not setAll: it clears the target first.)
        MultiMap incoming = ex.request().headers();
        for (var h : identity) incoming.set(h.getKey(), h.getValue());
        ex.identityHeaders(identity);
      }
    }
    next.proceed(ex);
  }

  private void refuse(Exchange ex, AuthException e) {
    if (e.status == 503) {
      // Not the caller's fault: no challenge (RFC 9110 §15.6.4), a hint to retry soon.
      ex.response().putHeader(RETRY_AFTER, "1");
      ex.fail(503, "identity_provider_unavailable", e.getMessage());
      ex.request().resume();
      return;
    }
    ex.response().putHeader(WWW_AUTHENTICATE, auth.challenge(e));
    ex.fail(e.status, e.error == null ? "unauthenticated" : e.error, e.getMessage());
    ex.request().resume(); // let an unread body drain (it may have been paused while verifying)
  }
}
