package dev.bffkit.core.security;

import io.vertx.core.Future;

/**
 * Thrown by {@link JwtVerifier#verifyNow} when a token's key is not (yet) cached but a fetch of
 * the issuer's keys is under way, and by {@link Introspector#check} when an opaque token's
 * introspection is: the caller waits for {@link #fetch} (bounded by its timeout) and decides once
 * more without asking for another fetch.
 */
final class KeysPending extends RuntimeException {
  final Future<Void> fetch;

  KeysPending(Future<Void> fetch) {
    super(null, null, false, false);
    this.fetch = fetch;
  }
}
