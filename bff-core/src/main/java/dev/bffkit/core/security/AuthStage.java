package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Authentication and coarse authorization, before routing. In order:
 * <ol>
 *   <li>incoming copies of the identity headers ({@code claimsToHeaders}) are stripped, always;
 *   <li>a bearer token ({@code Authorization: Bearer}, scheme case-insensitive) is verified, or
 *       an API key from its header is looked up; a bad credential is 401 with an RFC 6750
 *       {@code WWW-Authenticate} header, even on public paths;
 *   <li>no credential: 401 when auth is {@code required} (except {@code publicPaths});
 *   <li>a screen or route that requires scopes: 401 for an anonymous caller, 403
 *       ({@code insufficient_scope}) for one without them;
 *   <li>the principal goes into {@code ctx} ({@code sub}, {@code scope}, {@code tier},
 *       {@code iss}, {@code claims}) and the chosen claims into headers for upstreams.
 * </ol>
 */
public final class AuthStage implements Stage {
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("www-authenticate");

  private record ScopedPrefix(String prefix, Set<String> scopes) {}

  private final Security security;
  private final AuthConfig config;
  private final String realm;
  private final String screensPrefix;
  private final Map<String, Set<String>> screenScopes;
  private final ScopedPrefix[] routeScopes;
  private final Set<String> publicPaths;
  private final String[] strippedHeaders;

  public AuthStage(Security security, String realm, String screensPath, Collection<ProxyRouteConfig> routes) {
    this.security = security;
    this.config = security.config();
    this.realm = realm.replace("\"", "");
    this.screensPrefix = screensPath + "/";
    this.screenScopes = config.screens();
    List<ScopedPrefix> scoped = new ArrayList<>();
    for (ProxyRouteConfig r : routes) if (!r.scopes().isEmpty()) scoped.add(new ScopedPrefix(r.prefix(), r.scopes()));
    scoped.sort(Comparator.comparingInt((ScopedPrefix p) -> p.prefix.length()).reversed());
    this.routeScopes = scoped.toArray(ScopedPrefix[]::new);
    this.publicPaths = Set.copyOf(config.publicPaths());
    this.strippedHeaders = config.claimsToHeaders().values().toArray(String[]::new);
  }

  @Override
  public void handle(Exchange ex, Next next) {
    MultiMap headers = ex.request().headers();
    for (String h : strippedHeaders) headers.remove(h);
    String authorization = headers.get(HttpHeaders.AUTHORIZATION);
    String token = authorization == null ? null : bearer(authorization);
    if (token != null && security.jwt() != null) {
      verify(ex, next, token, true);
      return;
    }
    String key = security.apiKeys().isEmpty() ? null : headers.get(config.apiKeys().header());
    if (key != null) {
      Principal p = security.apiKeys().lookup(key);
      if (p == null) {
        unauthorized(ex, "invalid_token", "unknown API key");
        return;
      }
      admit(ex, next, p);
      return;
    }
    if (token != null) {
      unauthorized(ex, "invalid_token", "bearer tokens are not accepted here");
      return;
    }
    if (authorization != null && config.required() && !publicPaths.contains(ex.request().path())) {
      unauthorized(ex, "invalid_request", "unsupported authorization scheme; use Bearer");
      return;
    }
    admit(ex, next, null);
  }

  private void verify(Exchange ex, Next next, String token, boolean mayFetch) {
    Principal p;
    try {
      p = security.jwt().verifyNow(token, mayFetch, Vertx.currentContext() != null);
    } catch (AuthException e) {
      unauthorized(ex, e.error(), e.getMessage());
      return;
    } catch (KeysPending pending) {
      // Wait for the key fetch (bounded by its timeout), then verify once more on this loop. The
      // body waits too (the endpoint after us resumes it).
      ex.request().pause();
      Context here = Vertx.currentContext();
      pending.fetch.onComplete(ar -> {
        if (here == null) verify(ex, next, token, false);
        else here.runOnContext(v -> verify(ex, next, token, false));
      });
      return;
    } catch (RuntimeException e) {
      if (e != JwtVerifier.SLOW) throw e;
      // An ECDSA signature costs about a millisecond: checked on a worker, then back on this loop.
      ex.request().pause();
      Context here = Vertx.currentContext();
      here.executeBlocking(() -> security.jwt().verifyNow(token, false, false), false).onComplete(ar -> {
        if (ar.succeeded()) admit(ex, next, ar.result());
        else if (ar.cause() instanceof AuthException ae) unauthorized(ex, ae.error(), ae.getMessage());
        else dev.bffkit.core.pipeline.Failures.internal(ex, "AuthStage", ar.cause());
      });
      return;
    }
    admit(ex, next, p);
  }

  private void admit(Exchange ex, Next next, Principal p) {
    if (ex.answered()) return;
    String path = ex.request().path();
    Set<String> required = requiredScopes(path);
    if (p == null) {
      if ((config.required() && !publicPaths.contains(path)) || !required.isEmpty()) {
        unauthorized(ex, null, "authentication required: send Authorization: Bearer <token>"
            + (security.apiKeys().isEmpty() ? "" : " or " + config.apiKeys().header()));
        return;
      }
      next.proceed(ex);
      return;
    }
    if (!p.hasAll(required)) {
      String scope = String.join(" ", required);
      ex.response().putHeader(WWW_AUTHENTICATE, "Bearer realm=\"" + realm + "\", error=\"insufficient_scope\", scope=\"" + scope + "\"");
      ex.fail(403, "insufficient_scope", "this needs the scopes: " + scope);
      ex.request().resume();
      return;
    }
    Map<String, Object> ctx = ex.ctx();
    ctx.put("sub", p.subject());
    ctx.put("scope", String.join(" ", p.scopes()));
    if (p.tier() != null) ctx.put("tier", p.tier());
    if (p.issuer() != null) ctx.put("iss", p.issuer());
    ctx.put("claims", p.claims());
    ex.scopes(p.scopes());
    if (!config.claimsToHeaders().isEmpty()) {
      MultiMap identity = MultiMap.caseInsensitiveMultiMap();
      MultiMap incoming = ex.request().headers();
      config.claimsToHeaders().forEach((claim, header) -> {
        String v = claimText(p.claims().get(claim));
        if (v != null) {
          identity.set(header, v);
          incoming.set(header, v); // plain proxy routes forward the request's headers
        }
      });
      if (!identity.isEmpty()) ex.identityHeaders(identity);
    }
    next.proceed(ex);
  }

  /** Header-safe text of a claim: strings and numbers as they are, lists space-joined; CR/LF refused. */
  private static String claimText(Object v) {
    String s;
    if (v == null) return null;
    if (v instanceof Collection<?> c) {
      StringBuilder b = new StringBuilder();
      for (Object o : c) {
        if (b.length() > 0) b.append(' ');
        b.append(o);
      }
      s = b.toString();
    } else if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      s = v.toString();
    } else {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch == 0x7f) return null;
    }
    return s.length() > 1024 ? null : s;
  }

  private Set<String> requiredScopes(String path) {
    if (!screenScopes.isEmpty() && path.startsWith(screensPrefix)) {
      Set<String> s = screenScopes.get(path.substring(screensPrefix.length()));
      if (s != null) return s;
    }
    for (ScopedPrefix r : routeScopes) {
      String prefix = r.prefix;
      if (path.startsWith(prefix) && (path.length() == prefix.length() || prefix.endsWith("/")
          || path.charAt(prefix.length()) == '/')) {
        return r.scopes;
      }
    }
    return Set.of();
  }

  /** RFC 6750 §3: no error attribute when the request carried no credential. */
  private void unauthorized(Exchange ex, String error, String message) {
    StringBuilder challenge = new StringBuilder("Bearer realm=\"").append(realm).append('"');
    if (error != null) {
      challenge.append(", error=\"").append(error).append("\", error_description=\"")
          .append(message.replace("\"", "'")).append('"');
    }
    ex.response().putHeader(WWW_AUTHENTICATE, challenge.toString());
    ex.fail(401, error == null ? "unauthenticated" : error, message);
    ex.request().resume(); // let an unread body drain (it may have been paused while verifying)
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), or null for another scheme. */
  static String bearer(String authorization) {
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "bearer ", 0, 7)) return null;
    String t = authorization.substring(7).trim();
    return t.isEmpty() ? null : t;
  }
}
